// FAISS's inverted-file index (IndexIVFFlat, inner product) over rows that the caller owns, stored grouped
// by list: FAISS scans them in place, so a million 512-d vectors are held once (2 GB), not twice.
// k-means, list assignment and tuning run FAISS's code with the products split over the calling thread's
// current pool (src/nn/thread_pool.h), FAISS's OpenMP team sized to match.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "library/exact_search.h"

namespace sonavec {

class ivf_index {
public:
    // Lists for n rows: about 2 sqrt(n), with at least 39 rows per list (FAISS's k-means minimum).
    static int64_t list_count(int64_t n);
    // Spherical k-means centroids (nlist x dim) of rows (n x dim), trained on a sample of at most 50 per list.
    static std::vector<float> train_centroids(const float* rows, int64_t n, int64_t dim, int64_t nlist);
    // Each row's list: its centroid of largest inner product.
    static std::vector<int64_t> assign_lists(const float* centroids, int64_t nlist, const float* rows, int64_t n,
                                             int64_t dim);

    // rows (n x dim) are grouped by list: list l holds rows [offsets[l], offsets[l + 1]). They are borrowed
    // and must outlive the index. Throws sonavec::error when the parts do not fit together.
    ivf_index(const float* rows, int64_t n, int64_t dim, std::vector<float> centroids, std::vector<int64_t> offsets,
              int64_t nprobe);
    ~ivf_index();
    ivf_index(const ivf_index&) = delete;
    ivf_index& operator=(const ivf_index&) = delete;

    struct scan_result {
        std::vector<scored_row> hits;  // best first
        int64_t scanned = 0;           // rows in the probed lists
        int64_t accepted = 0;          // of those, rows accept_row took (all of them without it)
    };
    // The k best rows of the nprobe lists nearest the query. A scan of many rows splits over `threads`
    // OpenMP threads. With accept_row (given a row), only rows it accepts; the scan then runs on the
    // calling thread, the only one to call accept_row.
    scan_result search(const float* query, int64_t k, int64_t nprobe, const std::function<bool(int64_t)>& accept_row,
                       int threads) const;

    // Twice the smallest nprobe whose recall@10 over a sample of the rows, each searched for with itself
    // left out, reaches `target`; at least 8 (capped at nlist). Queries from text lie further from the lists'
    // centres than the library's own vectors, hence the margin.
    int64_t tune_nprobe(const int64_t* ids, double target) const;

    int64_t nlist() const { return static_cast<int64_t>(offsets_.size()) - 1; }
    int64_t nprobe() const { return nprobe_; }
    void set_nprobe(int64_t nprobe);
    const std::vector<float>& centroids() const { return centroids_; }
    const std::vector<int64_t>& list_offsets() const { return offsets_; }
    int64_t memory_bytes() const;  // beyond the borrowed rows

private:
    struct faiss_parts;
    const float* rows_;
    int64_t n_, dim_, nprobe_;
    std::vector<float> centroids_;
    std::vector<int64_t> offsets_;
    std::vector<int64_t> positions_;  // 0..n-1: the "ids" FAISS reports, so results are rows
    std::unique_ptr<faiss_parts> faiss_;
};

}  // namespace sonavec
