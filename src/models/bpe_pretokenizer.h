// GPT-2's pre-tokenisation: splits text into the words, numbers, punctuation runs and whitespace runs that
// BPE merges never cross. Compiled once with PCRE2; matching is const and safe from several threads.
#pragma once
#include <memory>
#include <string_view>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace sonavec {

class gpt2_pretokenizer {
public:
    gpt2_pretokenizer();  // throws sonavec::error if PCRE2 refuses the pattern (a build without Unicode)

    // Walks the pieces of one text, in order. One per call: it owns the PCRE2 match state.
    class cursor {
    public:
        // text must be valid UTF-8 (check_utf8) and outlive the cursor.
        cursor(const gpt2_pretokenizer& pretokenizer, std::string_view text);
        // The next piece, or false at the end of the text.
        bool next(std::string_view& piece);

    private:
        const pcre2_real_code_8* code_;
        std::unique_ptr<pcre2_real_match_data_8, void (*)(pcre2_real_match_data_8*)> match_;
        std::string_view text_;
        size_t offset_ = 0;
    };

private:
    std::shared_ptr<const pcre2_real_code_8> code_;  // read-only after compilation, so copies may share it
};

}  // namespace sonavec
