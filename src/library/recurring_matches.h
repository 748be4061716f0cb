// The search behind library::recurring (sonavec/recurring.h), on whole-recording fingerprints alone:
// seeds from shared hash values, each checked and followed along its diagonal into a pair of matched
// stretches, the stretches then gathered into occurrences and the occurrences into items.
#pragma once
#include <cstddef>
#include <vector>

#include "library/catalog.h"
#include "sonavec/recurring.h"

namespace sonavec {

struct recurring_span {
    size_t recording = 0;          // index into the prints searched
    double start_seconds = 0, end_seconds = 0;
    double similarity = 0;
};

struct recurring_matches {
    // Each by recording then time, most occurrences first: all with 2 or more, until keep_items.
    std::vector<std::vector<recurring_span>> items;
    size_t seeds = 0, pairs = 0;
};

// p.min_length, min_similarity, min_gap_seconds and max_seed_share are used (the caller checks them); prints with another hash step than the first are left out.
recurring_matches find_recurring(const std::vector<catalog::stored_print>& prints, const recurring_params& p);

// Items that are one sound at another speed (their playings too far apart in speed for the hashes to
// match directly, and none in between): versions[i] holds item i's first occurrence fingerprinted as if
// played at speeds 1 % apart; where one of them lines up, within a second either way, with item j's
// first occurrence in its recording's stored hashes at min_similarity, the two are one item. Items of
// lengths more than 1.5 times apart are not compared. The items stay sorted, most occurrences first.
inline constexpr double speed_merge_reach = 0.04;  // speeds compared: 0.96 ... 1.04
// Drops the items with fewer than min_count occurrences, then all but the first max_items.
void keep_items(recurring_matches& m, size_t min_count, size_t max_items);

void merge_by_speed(recurring_matches& m, const std::vector<catalog::stored_print>& prints,
                    const std::vector<std::vector<audio_fingerprint>>& versions, double min_similarity);

}  // namespace sonavec
