// The lexical side of hybrid search: an in-memory SQLite FTS5 table over each track's path, its file's
// own tags and its inferred tags, ranked by BM25 (FTS5's bm25(), Robertson & Zaragoza's Okapi weighting
// with k1 = 1.2, b = 0.75). Made per search from the catalog rows, so it is never stale.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sonavec/library.h"

namespace sonavec {

// Text as the index sees it: words split at camelCase and letter-digit boundaries as well as at
// punctuation ("BigKick_02.wav" -> "Big Kick 02 wav"), so that a sample's file name yields its words.
std::string lexical_words(std::string_view text);

// An FTS5 query matching any of the words: each word (a run of letters and digits) quoted as the phrase
// of its lexical_words parts ("BigKick" -> "Big Kick"), so that no user text is read as FTS5 syntax; ""
// when there is no word.
std::string lexical_query(std::string_view words);

struct lexical_hit {
    int64_t id = 0;
    double score = 0;  // -bm25: higher is better
};

// The best `limit` of entries (their path, tags and inferred tags) for the words, best first (equal
// scores: smaller id first), only ids accept takes (all without it). Throws invalid_input when the
// words hold no word.
std::vector<lexical_hit> lexical_ranking(const std::vector<catalog_entry>& entries, std::string_view words, int64_t limit,
                                         const std::function<bool(int64_t)>& accept);

}  // namespace sonavec
