// Nearest neighbours by cosine similarity over a library's unit vectors: exact (one BLAS matrix-vector
// product) for small libraries, an approximate FAISS index for large ones, chosen by size. The FAISS
// index is IVF-Flat over the index's own copy of the vectors (scores are exact dot products; about
// 2 sqrt(n) lists, nprobe tuned at build on the library's own vectors). Building runs on the threads it
// is given (a pool of its own; FAISS's OpenMP is set to match); one query stays on one thread unless it
// scans 32k+ vectors, and then uses at most the threads its options give. search() may be called from
// several threads at once.
//
//   vector_index idx = vector_index::build(vectors, ids, n, dim, index_choice::automatic, 0);  // all cores
//   idx.save(dir / "vectors.index", fingerprint);     // atomically; load() refuses a stale or corrupt file
//   auto hits = idx.search(query, 10);                // best first; score = cosine = dot product
//   auto some = idx.search(query, 10, [&](int64_t id) { return wanted(id); }, {.threads = 4});  // filtered
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sonavec/library.h"

namespace sonavec {

// How one search runs.
struct index_search_options {
    int threads = 1;     // the most threads a large scan splits over (0: all cores)
    int64_t nprobe = 0;  // IVF lists probed first (0: the value tuned at build); a filter may widen it
};

struct search_hit {
    int64_t id = 0;      // the id given to build()
    float score = 0;     // cosine similarity (dot product of unit vectors)
};

class vector_index {
public:
    // Libraries up to this many vectors use exact search under index_choice::automatic (measured by
    // bench/bench_ann, recorded in BENCHMARKS.md: below it exact search is as fast as the ANN index and
    // always exact). Above it, automatic still keeps exact search when the IVF index would have to probe
    // more than a quarter of its lists to find the neighbours (vectors without clusters at that size).
    static int64_t exact_search_limit();

    // vectors: n rows of dim floats, unit length; ids: n distinct ids. Copies what it needs. Throws
    // sonavec::error on a repeated id or a non-finite value. An empty index (n = 0, where dim may be 0)
    // is always exact. Building the ANN index runs k-means on `threads` threads (0: all cores): about a
    // minute for 1,000,000 x 512 on 2 cores.
    static vector_index build(const float* vectors, const int64_t* ids, int64_t n, int64_t dim, index_choice choice,
                              int threads);

    // Reads an index written by save(). `fingerprint` must equal the one given to save (the catalog's
    // state when the index was built); a different one, a missing file or a damaged one throws
    // sonavec::error, and the caller rebuilds. The file is mapped and its vectors searched in place, so
    // loading is about one read of the file; save() replaces a file by renaming a new one over it, which
    // leaves an index loaded from the old one intact (a file truncated in place would not).
    static vector_index load(const std::filesystem::path& file, const std::string& fingerprint);
    void save(const std::filesystem::path& file, const std::string& fingerprint) const;

    vector_index(vector_index&&) noexcept;
    vector_index& operator=(vector_index&&) noexcept;
    ~vector_index();

    // The k best hits, best first (equal scores: smaller id first). With `accept`, only ids it accepts are
    // returned (still k of them when that many exist): the approximate index widens its search, and falls
    // back to exact search over the accepted vectors, until it has them. `accept` is called on the calling
    // thread only, for candidates rather than for every id; an exception from it reaches the caller.
    // Throws sonavec::error on a query with a non-finite value.
    std::vector<search_hit> search(const float* query, int64_t k, const std::function<bool(int64_t)>& accept = nullptr,
                                   const index_search_options& options = {}) const;

    // Every pair of ids whose vectors' cosine is at least threshold (a range self-join, for duplicates):
    // all of them with exact search; with the IVF index, those found by comparing each vector with the
    // vectors of its nprobe nearest lists (similar_pairs.h). Each pair once, (smaller id, larger id).
    std::vector<std::pair<int64_t, int64_t>> pairs_above(float threshold, int64_t nprobe, int threads,
                                                         const std::atomic<bool>* cancel = nullptr) const;

    // Every vector's k nearest others (the kNN graph a map is laid out from): exactly with exact search,
    // else through the IVF lists at the tuned nprobe (one search per vector). Rows follow ids(); the
    // neighbours are ids, best first, and -1 where fewer than k others exist.
    struct neighbour_graph {
        std::vector<int64_t> ids;        // each row's own id
        int64_t k = 0;
        std::vector<int64_t> neighbour;  // ids.size() x k
        std::vector<float> score;        // their cosines
    };
    neighbour_graph neighbours(int64_t k, int threads, const std::atomic<bool>* cancel = nullptr) const;

    int64_t size() const;
    int64_t dim() const;
    bool approximate() const;      // true for the FAISS index
    std::string description() const;  // "exact, 1200 x 512" / "FAISS IVF2000,Flat (nprobe 8), 1000000 x 512"
    int64_t memory_bytes() const;

private:
    struct impl;
    explicit vector_index(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace sonavec
