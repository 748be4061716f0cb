// Turning matched pairs into duplicate groups safely (duplicates' tiers 2 and 3): the connected
// components of the pairs, each split around a kept copy so that every member matches the kept copy
// itself. A chain A~B~C where A and C differ never joins A and C: C starts a group of its own, or none.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "sonavec/duplicates.h"
#include "sonavec/library.h"

namespace sonavec {

struct star_match {
    double score = 1;
    double offset_seconds = 0;
};

struct star_group {
    size_t keeper = 0;
    std::vector<std::pair<size_t, star_match>> others;  // by score, best first
};

// Nodes 0..n-1 and the pairs found to match. Within each component the best node by keep_first(a, b)
// ("a is the better copy to keep") keeps; every other node is matched against it (match: the score, or
// none when they do not match); those that do not match form the next round's component, until no two
// are left. Groups of one are dropped.
std::vector<star_group> star_groups(size_t n, const std::vector<std::pair<size_t, size_t>>& pairs,
                                    const std::function<bool(size_t a, size_t b)>& keep_first,
                                    const std::function<std::optional<star_match>(size_t keeper, size_t other)>& match);

// The group member for a catalog row (bitrate from size and duration, lossless from the format).
duplicate_member member_of(const catalog_entry& e);

}  // namespace sonavec
