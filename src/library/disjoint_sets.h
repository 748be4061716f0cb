// Union-find over 0..n-1 with path halving: the groups of duplicates, DBSCAN's clusters and recurring's
// items are each the connected components of a list of pairs.
#pragma once
#include <cstddef>
#include <numeric>
#include <vector>

namespace sonavec {

class disjoint_sets {
public:
    explicit disjoint_sets(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), size_t{0}); }
    size_t root(size_t x) {
        while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
        return x;
    }
    void join(size_t a, size_t b) { parent_[root(a)] = root(b); }

private:
    std::vector<size_t> parent_;
};

}  // namespace sonavec
