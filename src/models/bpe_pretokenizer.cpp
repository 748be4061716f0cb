#include "models/bpe_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// ref: tokenization_roberta.py RobertaTokenizer.__init__ self.pat, with \s and \S spelled out
std::string gpt2_pattern() {
    // Python's `regex` module reads \s as Unicode White_Space; PCRE2's UCP \s leaves out U+0085 (NEL), so
    // the set is spelled out to split exactly as the reference does.
    const std::string space =
        "\\x{09}-\\x{0D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
    return "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + space + "\\p{L}\\p{N}]+|[" + space + "]+(?![^" + space +
           "])|[" + space + "]+";
}

std::string pcre2_message(int code) {
    PCRE2_UCHAR buffer[256];
    if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "PCRE2 error " + std::to_string(code);
    return reinterpret_cast<const char*>(buffer);
}

}  // namespace

gpt2_pretokenizer::gpt2_pretokenizer() {
    int code = 0;
    PCRE2_SIZE offset = 0;
    const std::string pattern = gpt2_pattern();
    pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                         PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
    if (!compiled) {
        throw error(error_kind::unsupported,
                    "tokenizer: PCRE2 cannot compile the pre-tokenisation pattern at offset " + std::to_string(offset) +
                        ": " + pcre2_message(code));
    }
    // JIT is only a speed-up: if this PCRE2 has none, the interpreter gives the same matches.
    pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
    code_ = std::shared_ptr<const pcre2_code>(compiled, [](const pcre2_code* c) {
        pcre2_code_free(const_cast<pcre2_code*>(c));
    });
}

gpt2_pretokenizer::cursor::cursor(const gpt2_pretokenizer& pretokenizer, std::string_view text)
    : code_(pretokenizer.code_.get()),
      match_(pcre2_match_data_create_from_pattern(code_, nullptr), pcre2_match_data_free),
      text_(text) {
    if (!match_) throw error(error_kind::io, "tokenizer: out of memory for PCRE2 match data");
}

bool gpt2_pretokenizer::cursor::next(std::string_view& piece) {
    if (offset_ >= text_.size()) return false;
    // The text was checked once up front; checking it again at every piece would cost O(n^2).
    const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text_.data()), text_.size(), offset_,
                               PCRE2_NO_UTF_CHECK, match_.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) {
        offset_ = text_.size();
        return false;
    }
    if (rc < 0) throw error(error_kind::io, "tokenizer: pre-tokenisation failed: " + pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_.get());
    // Every alternative consumes at least one character, so an empty match would be a PCRE2 fault.
    if (ovector[1] <= ovector[0] || ovector[1] > text_.size())
        throw error(error_kind::io, "tokenizer: pre-tokenisation returned an empty match");
    piece = text_.substr(ovector[0], ovector[1] - ovector[0]);
    offset_ = ovector[1];
    return true;
}

}  // namespace sonavec
