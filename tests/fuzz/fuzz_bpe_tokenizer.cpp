// libFuzzer target: any bytes as text for the tokenizer (the golden model's vocab.json and merges.txt,
// loaded once), encoded at CLAP's 77 ids and at a length that never truncates. Refusing (text that is
// not UTF-8) is fine; crashing, an exception other than sonavec::error, ids outside the vocabulary, a
// sequence not framed by <s> ... </s>, or a truncated encoding that is not the untruncated one's first
// tokens is a bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "models/bpe_tokenizer.h"
#include "sonavec/error.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

void check_framing(const sonavec::bpe_tokenizer& tok, const std::vector<int64_t>& ids, size_t max_length) {
    if (ids.size() < 2 || ids.size() > max_length) fail("encode returned a length outside [2, max_length]");
    if (ids.front() != tok.bos_id() || ids.back() != tok.eos_id()) fail("encode did not frame the ids with <s> </s>");
    for (const int64_t id : ids)
        if (id < 0 || static_cast<size_t>(id) >= tok.vocab_size()) fail("encode returned an id outside the vocabulary");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const sonavec::bpe_tokenizer tok = sonavec::bpe_tokenizer::from_files(
        SONAVEC_TEST_DATA "/golden/model/vocab.json", SONAVEC_TEST_DATA "/golden/model/merges.txt");
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        // Every token holds at least one byte of the text, so size + 2 ids never truncate.
        const std::vector<int64_t> full = tok.encode(text, size + 2);
        check_framing(tok, full, size + 2);
        const std::vector<int64_t> clipped = tok.encode(text);
        check_framing(tok, clipped, 77);
        const size_t kept = std::min<size_t>(full.size(), 77) - 1;  // ids before </s>
        if (!std::equal(clipped.begin(), clipped.end() - 1, full.begin(), full.begin() + static_cast<long>(kept)) ||
            clipped.size() != kept + 1)
            fail("the 77-id encoding is not the untruncated one's first tokens");
    } catch (const sonavec::error&) {
    }
    return 0;
}
