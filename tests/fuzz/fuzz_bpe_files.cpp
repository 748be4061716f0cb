// libFuzzer target: any bytes as a tokenizer's vocab.json and, after the first NUL byte, its merges.txt
// (empty when there is no NUL), read by read_bpe_vocabulary / read_bpe_merges and, when both are accepted,
// built into a tokenizer that encodes a fixed sentence. Refusing is fine; crashing, an exception other
// than sonavec::error, ids outside the vocabulary or a vocabulary whose ids are not exactly [0, size) is a
// bug. Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "memory_file.h"
#include "models/bpe_files.h"
#include "models/bpe_tokenizer.h"
#include "sonavec/error.h"

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

void check_vocabulary(const sonavec::bpe_vocabulary& vocab) {
    std::vector<bool> seen(vocab.size());
    for (const auto& [token, id] : vocab) {
        if (id < 0 || static_cast<size_t>(id) >= vocab.size() || seen[static_cast<size_t>(id)])
            fail("vocabulary ids are not exactly [0, size)");
        seen[static_cast<size_t>(id)] = true;
    }
}

void check_merges(const sonavec::bpe_merge_table& merges, const sonavec::bpe_vocabulary& vocab) {
    const auto in_vocab = [&](int64_t id) { return id >= 0 && static_cast<size_t>(id) < vocab.size(); };
    for (const auto& [key, merge] : merges)
        if (!in_vocab(static_cast<int32_t>(key >> 32)) || !in_vocab(static_cast<int32_t>(key & 0xffffffffu)) ||
            !in_vocab(merge.merged_id) || merge.rank < 0)
            fail("a merge names an id outside the vocabulary");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sonavec::test::memory_file vocab_file, merges_file;
    const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t vocab_bytes = nul ? static_cast<size_t>(nul - data) : size;
    vocab_file.assign(data, vocab_bytes);
    merges_file.assign(nul ? nul + 1 : data, nul ? size - vocab_bytes - 1 : 0);
    try {
        const sonavec::bpe_vocabulary vocab = sonavec::read_bpe_vocabulary(vocab_file.path());
        check_vocabulary(vocab);
        check_merges(sonavec::read_bpe_merges(merges_file.path(), vocab), vocab);
        const auto tokenizer = sonavec::bpe_tokenizer::from_files(vocab_file.path(), merges_file.path());
        for (const int64_t id : tokenizer.encode("A dog barks at <mask> night, twice!\n"))
            if (id < 0 || static_cast<size_t>(id) >= tokenizer.vocab_size()) fail("encode returned an id outside the vocabulary");
    } catch (const sonavec::error&) {
    }
    return 0;
}
