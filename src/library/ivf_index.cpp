#include "library/ivf_index.h"

#include <algorithm>
#include <cblas.h>
#include <cmath>
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
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
    // Our own scan, not FAISS's: Debian's FAISS is built without AVX2, so its distance loops ran at about
    // 1.3 GFLOP/s, while OpenBLAS's sgemv uses this CPU's widest vectors (BENCHMARKS.md, "Vector index").
    // The lists' rows are contiguous (grouped by list), so each list is one matrix-vector product.
    scan_result out;
    k = std::min(k, n_);
    if (k <= 0) return out;
    nprobe = std::clamp<int64_t>(nprobe, 1, nlist());
    single_threaded_blas();
    const int64_t nl = nlist();
    std::vector<float> centre_scores(static_cast<size_t>(nl));
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(nl), static_cast<blasint>(dim_), 1.0f,
                centroids_.data(), static_cast<blasint>(dim_), query, 1, 0.0f, centre_scores.data(), 1);
    std::vector<int64_t> lists(static_cast<size_t>(nl));
    for (int64_t l = 0; l < nl; l++) lists[l] = l;
    std::partial_sort(lists.begin(), lists.begin() + nprobe, lists.end(), [&](int64_t a, int64_t b) {
        return centre_scores[a] != centre_scores[b] ? centre_scores[a] > centre_scores[b] : a < b;
    });
    lists.resize(static_cast<size_t>(nprobe));
    for (int64_t l : lists) out.scanned += offsets_[l + 1] - offsets_[l];

    // The k best of the probed lists' rows, ties to the smaller row; accept_row (on this thread) sees every
    // row scanned, so that its share of them says how selective it is (vector_index grows nprobe by it).
    const auto scan = [&](const std::vector<int64_t>& mine, const std::function<bool(int64_t)>& accept, int64_t& accepted) {
        std::vector<scored_row> best;  // a min-heap on (score, -row): the worst kept on top
        const auto worse = [](const scored_row& a, const scored_row& b) {
            return a.score != b.score ? a.score > b.score : a.row < b.row;
        };
        std::vector<float> scores;
        for (int64_t l : mine) {
            const int64_t first = offsets_[l], m = offsets_[l + 1] - first;
            if (m == 0) continue;
            scores.resize(static_cast<size_t>(m));
            cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(dim_), 1.0f,
                        rows_ + first * dim_, static_cast<blasint>(dim_), query, 1, 0.0f, scores.data(), 1);
            for (int64_t j = 0; j < m; j++) {
                const scored_row c{first + j, scores[j]};
                if (accept) {
                    if (!accept(c.row)) continue;
                    accepted++;
                }
                if (static_cast<int64_t>(best.size()) < k) {
                    best.push_back(c);
                    std::push_heap(best.begin(), best.end(), worse);
                } else if (worse(c, best.front())) {
                    std::pop_heap(best.begin(), best.end(), worse);
                    best.back() = c;
                    std::push_heap(best.begin(), best.end(), worse);
                }
            }
        }
        return best;
    };
    std::vector<scored_row> hits;
    if (!accept_row && out.scanned >= parallel_scan_rows && threads > 1) {
        // A long scan (a high nprobe) splits its lists over the threads, each keeping its own k best.
        const auto parts = static_cast<size_t>(std::min<int64_t>(threads, nprobe));
        std::vector<std::vector<int64_t>> share(parts);
        for (size_t i = 0; i < lists.size(); i++) share[i % parts].push_back(lists[i]);
        std::vector<std::vector<scored_row>> found(parts);
        thread_pool pool(static_cast<int>(parts));
        pool.parallel_for(static_cast<int64_t>(parts), 1, [&](int64_t p0, int64_t p1) {
            for (int64_t p = p0; p < p1; p++) {
                int64_t unused = 0;
                found[static_cast<size_t>(p)] = scan(share[static_cast<size_t>(p)], {}, unused);
            }
        });
        for (const auto& f : found) hits.insert(hits.end(), f.begin(), f.end());
    } else {
        hits = scan(lists, accept_row, out.accepted);
    }
    std::sort(hits.begin(), hits.end(), [](const scored_row& a, const scored_row& b) {
        return a.score != b.score ? a.score > b.score : a.row < b.row;
    });
    if (static_cast<int64_t>(hits.size()) > k) hits.resize(static_cast<size_t>(k));
    if (!accept_row) out.accepted = out.scanned;
    out.hits = std::move(hits);
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
