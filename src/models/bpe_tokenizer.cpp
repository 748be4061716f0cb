#include "models/bpe_tokenizer.h"

#include <algorithm>
#include <limits>

#include "models/bpe_text.h"
#include "sonavec/error.h"

namespace sonavec {

// Per-call working memory for merging, reused across the pieces of one text.
struct bpe_tokenizer::merge_scratch {
    // One symbol of the piece being merged, in a linked list so a merge is O(1); id -1 once absorbed.
    struct symbol {
        int32_t id, prev, next;
    };
    // A mergeable neighbour pair seen at some point; stale if the symbols at `left` have changed since.
    struct candidate {
        int32_t rank, left, left_id, right_id, merged_id;
    };
    // Min-heap order: lowest rank first, then leftmost, so one rank's merges come out left to right.
    static bool comes_later(const candidate& a, const candidate& b) {
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    }
    std::vector<symbol> symbols;
    std::vector<candidate> heap, same_rank;
};

namespace {

void check_max_length(size_t max_length) {
    if (max_length < 2)
        throw error(error_kind::invalid_input,
                    "tokenizer: max_length " + std::to_string(max_length) + " leaves no room for <s> and </s>");
}

struct text_segment {
    std::string_view text;
    int64_t special_id = -1;  // >= 0: the whole segment is this special token
};

}  // namespace

bpe_tokenizer bpe_tokenizer::from_files(const std::filesystem::path& vocab_json,
                                        const std::filesystem::path& merges_txt) {
    bpe_tokenizer tok;
    const bpe_vocabulary vocab = read_bpe_vocabulary(vocab_json);
    tok.merges_ = read_bpe_merges(merges_txt, vocab);
    tok.vocab_size_ = vocab.size();

    const std::array<std::string, 256> alphabet = byte_level_alphabet();
    for (size_t b = 0; b < 256; b++) {
        auto it = vocab.find(alphabet[b]);
        if (it == vocab.end())
            throw error(error_kind::corrupt_file,
                        vocab_json.string() + ": lacks the symbol " + quoted_for_error(alphabet[b]) + " for byte " +
                            std::to_string(b) + "; not a byte-level BPE vocabulary");
        tok.byte_ids_[b] = it->second;
    }

    // Special ids come from the file, never from RoBERTa's usual numbering.
    const auto required = [&](const std::string& token) -> int64_t {
        auto it = vocab.find(token);
        if (it == vocab.end())
            throw error(error_kind::corrupt_file, vocab_json.string() + ": lacks the special token " + token);
        return it->second;
    };
    tok.bos_id_ = required("<s>");
    tok.eos_id_ = required("</s>");
    tok.pad_id_ = required("<pad>");
    tok.unk_id_ = required("<unk>");

    // ref: tokenization_roberta.py RobertaTokenizer.__init__ (AddedToken flags: only <mask> has lstrip=True)
    tok.special_tokens_ = {
        {"<s>", tok.bos_id_, false},
        {"</s>", tok.eos_id_, false},
        {"<pad>", tok.pad_id_, false},
        {"<unk>", tok.unk_id_, false},
    };
    if (auto mask = vocab.find("<mask>"); mask != vocab.end())
        tok.special_tokens_.push_back({"<mask>", mask->second, true});
    return tok;
}

void bpe_tokenizer::append_piece_ids(std::string_view piece, merge_scratch& scratch, std::vector<int64_t>& out) const {
    // Symbol positions are int32 to keep the merge heap small; only a hostile text has a longer word.
    if (piece.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        throw error(error_kind::invalid_input,
                    "tokenizer: a run of " + std::to_string(piece.size()) + " bytes without a break is too long");
    const auto* bytes = reinterpret_cast<const unsigned char*>(piece.data());
    const auto n = static_cast<int32_t>(piece.size());
    if (n == 1) {
        out.push_back(byte_ids_[bytes[0]]);
        return;
    }
    auto& symbols = scratch.symbols;
    auto& heap = scratch.heap;
    symbols.resize(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) symbols[i] = {byte_ids_[bytes[i]], i - 1, i + 1 < n ? i + 1 : -1};

    heap.clear();
    const auto consider_pair_at = [&](int32_t left) {
        const int32_t right = symbols[left].next;
        if (right < 0) return;
        auto it = merges_.find(bpe_pair_key(symbols[left].id, symbols[right].id));
        if (it == merges_.end()) return;
        heap.push_back({it->second.rank, left, symbols[left].id, symbols[right].id, it->second.merged_id});
        std::push_heap(heap.begin(), heap.end(), merge_scratch::comes_later);
    };
    for (int32_t i = 0; i + 1 < n; i++) consider_pair_at(i);

    // ref: tokenization_roberta.py RobertaTokenizer.bpe
    // Each pass takes the lowest-ranked pair present and merges all its occurrences left to right; pairs it
    // creates wait for a later pass, as they do in the reference's rebuilt `pairs` set.
    while (!heap.empty()) {
        auto& same_rank = scratch.same_rank;
        same_rank.clear();
        const int32_t rank = heap.front().rank;
        while (!heap.empty() && heap.front().rank == rank) {
            std::pop_heap(heap.begin(), heap.end(), merge_scratch::comes_later);
            same_rank.push_back(heap.back());
            heap.pop_back();
        }
        for (const auto& c : same_rank) {
            auto& left = symbols[c.left];
            if (left.id != c.left_id || left.next < 0 || symbols[left.next].id != c.right_id) continue;
            auto& right = symbols[left.next];
            left.id = c.merged_id;
            left.next = right.next;
            if (right.next >= 0) symbols[right.next].prev = c.left;
            right.id = -1;
            if (left.prev >= 0) consider_pair_at(left.prev);
            consider_pair_at(c.left);
        }
    }
    for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

std::vector<int64_t> bpe_tokenizer::encode(std::string_view text, size_t max_length) const {
    check_max_length(max_length);
    check_utf8(text);

    // ref: tokenization_utils.py PreTrainedTokenizer.tokenize (tokens_trie.split, then AddedToken lstrip)
    // Leftmost special token first; no special token is a prefix of another, so the leftmost is unique.
    std::vector<text_segment> segments;
    std::vector<size_t> next_at(special_tokens_.size());
    for (size_t k = 0; k < special_tokens_.size(); k++) next_at[k] = text.find(special_tokens_[k].text);
    for (size_t pos = 0; pos < text.size();) {
        size_t best = special_tokens_.size();
        for (size_t k = 0; k < special_tokens_.size(); k++) {
            if (next_at[k] < pos) next_at[k] = text.find(special_tokens_[k].text, pos);
            if (next_at[k] != std::string_view::npos && (best == special_tokens_.size() || next_at[k] < next_at[best]))
                best = k;
        }
        if (best == special_tokens_.size()) {
            segments.push_back({text.substr(pos), -1});
            break;
        }
        const special_token& special = special_tokens_[best];
        if (next_at[best] > pos) {
            std::string_view before = text.substr(pos, next_at[best] - pos);
            if (special.strips_space_before) before = before.substr(0, length_without_trailing_space(before));
            if (!before.empty()) segments.push_back({before, -1});
        }
        segments.push_back({{}, special.id});
        pos = next_at[best] + special.text.size();
    }

    // ref: tokenization_utils_base.py truncate_sequences ("longest_first" on one sequence drops from the end)
    // Later text cannot change earlier tokens, so encoding stops once the budget is full.
    const size_t budget = max_length - 2;
    std::vector<int64_t> ids;
    ids.reserve(std::min(budget, text.size()) + 2);
    ids.push_back(bos_id_);
    merge_scratch scratch;
    for (const text_segment& segment : segments) {
        if (ids.size() - 1 >= budget) break;
        if (segment.special_id >= 0) {
            ids.push_back(segment.special_id);
            continue;
        }
        gpt2_pretokenizer::cursor cursor(pretokenizer_, segment.text);
        std::string_view piece;
        while (ids.size() - 1 < budget && cursor.next(piece)) append_piece_ids(piece, scratch, ids);
    }
    if (ids.size() - 1 > budget) ids.resize(budget + 1);
    // ref: tokenization_roberta.py RobertaTokenizer.build_inputs_with_special_tokens (cls ... sep)
    ids.push_back(eos_id_);
    return ids;
}

bpe_tokenizer::batch bpe_tokenizer::encode_batch(const std::vector<std::string>& texts, size_t max_length) const {
    check_max_length(max_length);
    std::vector<std::vector<int64_t>> rows;
    rows.reserve(texts.size());
    size_t cols = 0;
    for (const std::string& text : texts) {
        rows.push_back(encode(text, max_length));
        cols = std::max(cols, rows.back().size());
    }
    // ref: tokenization_utils_base.py _pad (padding="longest", padding_side="right")
    batch out;
    out.rows = static_cast<int64_t>(rows.size());
    out.cols = static_cast<int64_t>(cols);
    out.ids.assign(rows.size() * cols, pad_id_);
    out.attention_mask.assign(rows.size() * cols, 0);
    for (size_t r = 0; r < rows.size(); r++) {
        std::copy(rows[r].begin(), rows[r].end(), out.ids.begin() + static_cast<ptrdiff_t>(r * cols));
        std::fill_n(out.attention_mask.begin() + static_cast<ptrdiff_t>(r * cols), rows[r].size(), 1);
    }
    return out;
}

}  // namespace sonavec
