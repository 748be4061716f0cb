// Readers for a byte-level BPE vocabulary (vocab.json) and its merge list (merges.txt). Both files come from
// outside, so every entry is checked and anything malformed is refused with a sonavec::error.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

namespace sonavec {

// Token string -> id. Ids are unique and cover [0, size()) exactly, so any id is a valid embedding row.
using bpe_vocabulary = std::unordered_map<std::string, int32_t>;

struct bpe_merge {
    int32_t rank = 0;       // lower merges first
    int32_t merged_id = 0;  // id of the two tokens joined
};

// (left id, right id) -> merge, keyed by bpe_pair_key.
using bpe_merge_table = std::unordered_map<uint64_t, bpe_merge>;

inline uint64_t bpe_pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// A JSON object of string -> integer id. Refuses nesting, non-integer or out-of-range ids, duplicate
// keys or ids, gaps in the ids and files over 64 MiB.
bpe_vocabulary read_bpe_vocabulary(const std::filesystem::path& vocab_json);

// One merge per line, "left right", after an optional "#version" header. Refuses lines that are not two
// tokens and merges whose tokens (or whose joined token) vocab lacks.
bpe_merge_table read_bpe_merges(const std::filesystem::path& merges_txt, const bpe_vocabulary& vocab);

}  // namespace sonavec
