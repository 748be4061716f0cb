// RoBERTa's byte-level BPE tokenizer: text -> token ids for the CLAP text tower.
// ref: tokenization_roberta.py RobertaTokenizer (transformers 4.27.1), ids identical to the reference.
//
//   auto tok = sonavec::bpe_tokenizer::from_files(dir / "vocab.json", dir / "merges.txt");
//   std::vector<int64_t> ids = tok.encode("a dog barking at night");  // <s> ... </s>, at most 77 ids
//
// Behaviour at the edges, as the reference does it unless noted:
// - the special tokens' strings in the text ("<s>", "</s>", "<pad>", "<unk>", "<mask>") become their ids,
//   and "<mask>" swallows the whitespace before it;
// - text longer than max_length keeps its first max_length - 2 tokens between <s> and </s>;
// - text that is not valid UTF-8 is refused with a sonavec::error (Python strings cannot hold it).
// Immutable once built: encode() may be called from several threads at once.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "models/bpe_files.h"
#include "models/bpe_pretokenizer.h"

namespace sonavec {

class bpe_tokenizer {
public:
    // Throws sonavec::error if either file is malformed or lacks <s>, </s>, <pad>, <unk> or a byte symbol.
    static bpe_tokenizer from_files(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);

    // <s> + tokens + </s>, truncated to max_length ids (at least 2). 77 is LAION's CLAP convention.
    std::vector<int64_t> encode(std::string_view text, size_t max_length = 77) const;

    // Row-major [rows, cols] ids padded on the right with <pad> to the longest row; mask 1 on real tokens.
    struct batch {
        std::vector<int64_t> ids, attention_mask;
        int64_t rows = 0, cols = 0;
    };
    batch encode_batch(const std::vector<std::string>& texts, size_t max_length = 77) const;

    int64_t bos_id() const { return bos_id_; }
    int64_t eos_id() const { return eos_id_; }
    int64_t pad_id() const { return pad_id_; }
    int64_t unk_id() const { return unk_id_; }
    size_t vocab_size() const { return vocab_size_; }

private:
    struct special_token {
        std::string text;
        int64_t id = 0;
        bool strips_space_before = false;
    };
    struct merge_scratch;

    bpe_tokenizer() = default;
    // Appends the ids of one pre-tokenised piece after applying every merge that fits.
    void append_piece_ids(std::string_view piece, merge_scratch& scratch, std::vector<int64_t>& out) const;

    gpt2_pretokenizer pretokenizer_;
    bpe_merge_table merges_;
    std::array<int32_t, 256> byte_ids_{};  // id of each byte's symbol before any merge
    std::vector<special_token> special_tokens_;
    int64_t bos_id_ = 0, eos_id_ = 0, pad_id_ = 0, unk_id_ = 0;
    size_t vocab_size_ = 0;
};

}  // namespace sonavec
