#include "library/ivf_index.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/invlists/InvertedLists.h>
#include <omp.h>
#include <string>

#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

using faiss_id = faiss::Index::idx_t;

// Below this many rows to scan (64 MB at 512-d), one query stays on one thread. A split query waits for its
// slower half: measured on 2 busy cores, splitting 8k-row scans took p50 from 1.7 to 1.4 ms but p99 from
// a few ms to over 100 ms whenever other work took a core (bench/bench_ann).
constexpr int64_t parallel_scan_rows = 32768;

// The calling thread's OpenMP team size for FAISS, put back afterwards (the setting is per thread).
class omp_threads {
public:
    explicit omp_threads(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(std::max(1, n)); }
    ~omp_threads() { omp_set_num_threads(saved_); }
    omp_threads(const omp_threads&) = delete;
    omp_threads& operator=(const omp_threads&) = delete;

private:
    int saved_;
};

// A flat inner-product index whose batch searches (k-means assignment) are split over the current pool,
// each chunk on one thread with single-threaded BLAS, so FAISS's k-means never starts threads of its own.
struct pooled_flat_ip : faiss::IndexFlatIP {
    explicit pooled_flat_ip(int64_t dim) : faiss::IndexFlatIP(dim) {}
    void search(faiss_id n, const float* x, faiss_id k, float* distances, faiss_id* labels,
                const faiss::SearchParameters* params = nullptr) const override {
        parallel_for(n, 1024, [&](int64_t q0, int64_t q1) {
            omp_threads one(1);
            faiss::IndexFlatIP::search(q1 - q0, x + q0 * d, k, distances + q0 * k, labels + q0 * k, params);
        });
    }
};

// FAISS's view of our grouped rows: list l is rows [offsets[l], offsets[l + 1]), read in place.
struct borrowed_lists : faiss::InvertedLists {
    borrowed_lists(const float* rows, int64_t dim, const std::vector<int64_t>& offsets, const faiss_id* positions)
        : faiss::InvertedLists(offsets.size() - 1, static_cast<size_t>(dim) * sizeof(float)),
          rows_(rows), dim_(dim), offsets_(offsets), positions_(positions) {}

    size_t list_size(size_t l) const override { return static_cast<size_t>(offsets_[l + 1] - offsets_[l]); }
    const uint8_t* get_codes(size_t l) const override {
        return reinterpret_cast<const uint8_t*>(rows_ + offsets_[l] * dim_);
    }
    const faiss_id* get_ids(size_t l) const override { return positions_ + offsets_[l]; }

    // Read-only: the rows belong to vector_index.
    size_t add_entries(size_t, size_t, const faiss_id*, const uint8_t*) override { throw read_only(); }
    void update_entries(size_t, size_t, size_t, const faiss_id*, const uint8_t*) override { throw read_only(); }
    void resize(size_t, size_t) override { throw read_only(); }

private:
    static faiss::FaissException read_only() { return faiss::FaissException("sonavec's inverted lists are read-only"); }
    const float* rows_;
    int64_t dim_;
    const std::vector<int64_t>& offsets_;
    const faiss_id* positions_;
};

// Passes FAISS's candidate rows through accept_row, counting them. An exception must not cross FAISS's
// OpenMP region, so it is kept and rethrown after the search.
struct counting_selector : faiss::IDSelector {
    explicit counting_selector(const std::function<bool(int64_t)>& accept) : accept_row(accept) {}
    bool is_member(faiss_id row) const override {
        if (failure) return false;
        calls++;
        try {
            if (!accept_row(row)) return false;
        } catch (...) {
            failure = std::current_exception();
            return false;
        }
        accepted++;
        return true;
    }
    const std::function<bool(int64_t)>& accept_row;
    mutable int64_t calls = 0, accepted = 0;
    mutable std::exception_ptr failure;
};

error faiss_error(const std::string& what, const faiss::FaissException& e) {
    return error(error_kind::io, "FAISS " + what + " failed: " + e.what());
}

}  // namespace

struct ivf_index::faiss_parts {
    faiss::IndexFlatIP quantizer;  // declared first: the IVF index points at it
    std::unique_ptr<faiss::IndexIVFFlat> index;
    explicit faiss_parts(int64_t dim) : quantizer(dim) {}
};

int64_t ivf_index::list_count(int64_t n) {
    const auto by_size = static_cast<int64_t>(std::llround(2.0 * std::sqrt(static_cast<double>(std::max<int64_t>(n, 0)))));
    return std::max<int64_t>(1, std::min(by_size, n / 39));
}

std::vector<float> ivf_index::train_centroids(const float* rows, int64_t n, int64_t dim, int64_t nlist) {
    if (nlist < 1 || n < nlist)
        throw error(error_kind::invalid_input,
                    "cannot train " + std::to_string(nlist) + " lists on " + std::to_string(n) + " vectors");
    if (nlist == 1) {
        // One list holds everything; its centre only has to be finite.
        std::vector<float> mean(static_cast<size_t>(dim), 0.0f);
        for (int64_t r = 0; r < n; r++)
            for (int64_t j = 0; j < dim; j++) mean[j] += rows[r * dim + j];
        if (l2_normalize(mean.data(), dim) == 0.0f) mean[0] = 1.0f;
        return mean;
    }
    faiss::ClusteringParameters cp;
    cp.niter = 10;
    cp.spherical = true;  // centres on the unit sphere, like the vectors
    cp.max_points_per_centroid = 50;
    cp.verbose = false;
    faiss::Clustering kmeans(static_cast<int>(dim), static_cast<int>(nlist), cp);
    pooled_flat_ip assigner(dim);
    omp_threads threads(current_threads());
    try {
        kmeans.train(n, rows, assigner);
    } catch (const faiss::FaissException& e) {
        throw faiss_error("k-means", e);
    }
    for (float c : kmeans.centroids)
        if (!std::isfinite(c)) throw error(error_kind::io, "k-means produced a non-finite centroid");
    return kmeans.centroids;
}

std::vector<int64_t> ivf_index::assign_lists(const float* centroids, int64_t nlist, const float* rows, int64_t n,
                                             int64_t dim) {
    std::vector<int64_t> lists(static_cast<size_t>(n));
    pooled_flat_ip quantizer(dim);
    omp_threads threads(current_threads());
    try {
        quantizer.add(nlist, centroids);
        quantizer.assign(n, rows, lists.data());
    } catch (const faiss::FaissException& e) {
        throw faiss_error("list assignment", e);
    }
    for (int64_t& l : lists)
        if (l < 0 || l >= nlist) l = 0;  // only a row of NaNs matches no centroid
    return lists;
}

ivf_index::ivf_index(const float* rows, int64_t n, int64_t dim, std::vector<float> centroids,
                     std::vector<int64_t> offsets, int64_t nprobe)
    : rows_(rows), n_(n), dim_(dim), nprobe_(1), centroids_(std::move(centroids)), offsets_(std::move(offsets)) {
    if (dim_ < 1 || n_ < 0) throw error(error_kind::invalid_input, "IVF index: bad shape");
    if (offsets_.size() < 2) throw error(error_kind::invalid_input, "IVF index: no lists");
    const int64_t nl = nlist();
    if (static_cast<int64_t>(centroids_.size()) / dim_ != nl || static_cast<int64_t>(centroids_.size()) % dim_ != 0)
        throw error(error_kind::invalid_input,
                    "IVF index: " + std::to_string(centroids_.size()) + " centroid values for " + std::to_string(nl) +
                        " lists");
    if (offsets_.front() != 0 || offsets_.back() != n_)
        throw error(error_kind::invalid_input, "IVF index: lists do not cover the rows");
    for (int64_t l = 0; l < nl; l++)
        if (offsets_[l] > offsets_[l + 1])
            throw error(error_kind::invalid_input, "IVF index: list offsets go backwards");
    positions_.resize(static_cast<size_t>(n_));
    for (int64_t r = 0; r < n_; r++) positions_[r] = r;
    set_nprobe(nprobe);

    faiss_ = std::make_unique<faiss_parts>(dim_);
    try {
        faiss_->quantizer.add(nl, centroids_.data());
        faiss_->index = std::make_unique<faiss::IndexIVFFlat>(&faiss_->quantizer, dim_, nl, faiss::METRIC_INNER_PRODUCT);
        faiss_->index->replace_invlists(new borrowed_lists(rows_, dim_, offsets_, positions_.data()), true);
        faiss_->index->ntotal = n_;
        faiss_->index->parallel_mode = 1;  // one query's lists split over the threads
    } catch (const faiss::FaissException& e) {
        throw faiss_error("IVF index construction", e);
    }
}

ivf_index::~ivf_index() = default;

void ivf_index::set_nprobe(int64_t nprobe) { nprobe_ = std::clamp<int64_t>(nprobe, 1, nlist()); }

int64_t ivf_index::memory_bytes() const {
    return static_cast<int64_t>(2 * centroids_.size() * sizeof(float) + offsets_.size() * sizeof(int64_t) +
                                positions_.size() * sizeof(faiss_id));
}

ivf_index::scan_result ivf_index::search(const float* query, int64_t k, int64_t nprobe,
                                         const std::function<bool(int64_t)>& accept_row, int threads) const {
    scan_result out;
    k = std::min(k, n_);
    if (k <= 0) return out;
    nprobe = std::clamp<int64_t>(nprobe, 1, nlist());
    std::vector<faiss_id> lists(static_cast<size_t>(nprobe));
    std::vector<float> list_scores(static_cast<size_t>(nprobe));
    std::vector<faiss_id> rows(static_cast<size_t>(k));
    std::vector<float> scores(static_cast<size_t>(k));
    counting_selector selector(accept_row);
    faiss::SearchParametersIVF params;
    params.nprobe = static_cast<size_t>(nprobe);
    if (accept_row) params.sel = &selector;
    try {
        omp_threads team(1);  // the quantizer, and a small scan, on this thread
        faiss_->quantizer.search(1, query, nprobe, list_scores.data(), lists.data());
        for (faiss_id l : lists)
            if (l >= 0 && l < nlist()) out.scanned += offsets_[l + 1] - offsets_[l];
        if (!accept_row && out.scanned >= parallel_scan_rows) omp_set_num_threads(std::max(1, threads));
        faiss_->index->search_preassigned(1, query, k, lists.data(), list_scores.data(), scores.data(), rows.data(),
                                          false, &params);
    } catch (const faiss::FaissException& e) {
        if (selector.failure) std::rethrow_exception(selector.failure);
        throw faiss_error("search", e);
    }
    if (selector.failure) std::rethrow_exception(selector.failure);
    out.accepted = accept_row ? selector.accepted : out.scanned;
    for (int64_t j = 0; j < k; j++)
        if (rows[j] >= 0 && rows[j] < n_) out.hits.push_back(scored_row{rows[j], scores[j]});
    return out;
}

int64_t ivf_index::tune_nprobe(const int64_t* ids, double target) const {
    const int64_t nl = nlist();
    const int64_t nq = std::min<int64_t>(n_, 256);
    const int64_t k = std::min<int64_t>(10, n_ - 1);
    if (k < 1) return std::min<int64_t>(nl, 8);
    std::vector<int64_t> sample(static_cast<size_t>(nq));
    std::vector<float> queries(static_cast<size_t>(nq * dim_));
    for (int64_t q = 0; q < nq; q++) {
        sample[q] = q * n_ / nq;
        std::copy(rows_ + sample[q] * dim_, rows_ + (sample[q] + 1) * dim_, queries.begin() + q * dim_);
    }
    const auto truth = exact_top_rows_batch(rows_, ids, n_, dim_, queries.data(), nq, k, sample.data());

    std::vector<faiss_id> rows(static_cast<size_t>(nq * (k + 1)));
    std::vector<float> scores(rows.size());
    int64_t enough = nl;
    for (int64_t p = 1;; p = std::min(nl, 2 * p)) {
        faiss::SearchParametersIVF params;
        params.nprobe = static_cast<size_t>(p);
        try {
            omp_threads threads(current_threads());
            faiss_->index->search(nq, queries.data(), k + 1, scores.data(), rows.data(), &params);
        } catch (const faiss::FaissException& e) {
            throw faiss_error("search", e);
        }
        int64_t found = 0;
        for (int64_t q = 0; q < nq; q++) {
            const faiss_id* got = rows.data() + q * (k + 1);
            for (int64_t t : truth[q]) found += std::count(got, got + k + 1, t);
        }
        if (static_cast<double>(found) >= target * static_cast<double>(nq * k) || p == nl) {
            enough = p;
            break;
        }
    }
    return std::min(nl, std::max<int64_t>(8, 2 * enough));
}

}  // namespace sonavec
