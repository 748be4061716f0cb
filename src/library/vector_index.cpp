#include "library/vector_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "library/exact_search.h"
#include "library/knn_rows.h"
#include "library/similar_pairs.h"
#include "library/vector_index_impl.h"
#include "util/enum_names.h"
#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr enum_name<index_choice> index_names[] = {
    {index_choice::automatic, "auto"}, {index_choice::exact, "exact"}, {index_choice::ann, "ann"}};

}  // namespace

index_choice parse_index_choice(const std::string& name) { return parse_name(index_names, name, "index type"); }

std::string index_choice_name(index_choice choice) { return name_of(index_names, choice); }

// Measured by bench/bench_ann (512-d, 2 cores; BENCHMARKS.md): with hundreds of vectors per cluster the IVF
// index's median query meets one exact pass at about 5,000 vectors (0.14 ms both) and halves it by 10,000.
// With a handful per cluster the tuned IVF index probes every list, and build() keeps exact search instead.
int64_t vector_index::exact_search_limit() { return 5000; }

namespace {

void check_vectors(const float* rows, const int64_t* ids, int64_t n, int64_t dim) {
    for (int64_t i = 0; i < n * dim; i++)
        if (!std::isfinite(rows[i]))
            throw error(error_kind::invalid_input,
                        "vector index: vector " + std::to_string(i / dim) + " has a non-finite value");
    std::vector<int64_t> sorted(ids, ids + n);
    std::sort(sorted.begin(), sorted.end());
    const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
    if (twice != sorted.end())
        throw error(error_kind::invalid_input, "vector index: id " + std::to_string(*twice) + " appears twice");
}

// Groups the rows by list into `rows` and `row_ids` (each list keeps the input order) and builds the IVF
// index over them.
std::unique_ptr<ivf_index> build_ivf(const float* vectors, const int64_t* ids, int64_t n, int64_t dim,
                                     std::vector<float>& rows, std::vector<int64_t>& row_ids) {
    const int64_t nlist = ivf_index::list_count(n);
    std::vector<float> centroids = ivf_index::train_centroids(vectors, n, dim, nlist);
    const std::vector<int64_t> lists = ivf_index::assign_lists(centroids.data(), nlist, vectors, n, dim);
    std::vector<int64_t> offsets(static_cast<size_t>(nlist + 1), 0);
    for (int64_t l : lists) offsets[l + 1]++;
    for (int64_t l = 0; l < nlist; l++) offsets[l + 1] += offsets[l];
    std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
    rows.resize(static_cast<size_t>(n * dim));
    row_ids.resize(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; r++) {
        const int64_t to = next[lists[r]]++;
        std::memcpy(rows.data() + to * dim, vectors + r * dim, static_cast<size_t>(dim) * sizeof(float));
        row_ids[to] = ids[r];
    }
    auto ivf = std::make_unique<ivf_index>(rows.data(), n, dim, std::move(centroids), std::move(offsets), 1);
    ivf->set_nprobe(ivf->tune_nprobe(row_ids.data(), 0.98));
    return ivf;
}

// The IVF index's k best, widening the probed lists until k rows (accepted ones, with a filter) are found;
// a filter that accepts too few rows for that to pay is answered by exact search over what it accepts.
std::vector<scored_row> approximate_search(const ivf_index& ivf, const float* rows, const int64_t* ids, int64_t n,
                                           int64_t dim, const float* query, int64_t k,
                                           const std::function<bool(int64_t)>& accept, int64_t first_nprobe,
                                           int threads) {
    const int64_t want = std::min(k, n);
    std::function<bool(int64_t)> accept_row;
    if (accept) accept_row = [&](int64_t row) { return accept(ids[row]); };
    int64_t nprobe = std::clamp<int64_t>(first_nprobe, 1, ivf.nlist());
    for (;;) {
        ivf_index::scan_result r = ivf.search(query, want, nprobe, accept_row, threads);
        if (static_cast<int64_t>(r.hits.size()) >= want || nprobe >= ivf.nlist()) return std::move(r.hits);
        // Rows to scan for about 1.5 x want accepted ones, at the rate seen so far.
        const double rate = r.scanned > 0 ? static_cast<double>(r.accepted) / static_cast<double>(r.scanned) : 0.0;
        const double rows_needed = rate > 0 ? 1.5 * static_cast<double>(want) / rate
                                            : 8.0 * static_cast<double>(std::max<int64_t>(r.scanned, 1));
        if (accept && rows_needed > static_cast<double>(n) / 4)
            return exact_top_rows(rows, ids, n, dim, query, k, accept, threads);
        const double grow = rows_needed / static_cast<double>(std::max<int64_t>(r.scanned, 1));
        nprobe = std::min(ivf.nlist(), std::max(2 * nprobe, static_cast<int64_t>(std::ceil(static_cast<double>(nprobe) * grow))));
    }
}

}  // namespace

void vector_index::impl::check_rows() const { check_vectors(rows, ids.data(), n, dim); }

vector_index vector_index::build(const float* vectors, const int64_t* ids, int64_t n, int64_t dim, index_choice choice,
                                 int threads) {
    if (n < 0) throw error(error_kind::invalid_input, "vector index: negative vector count");
    // An empty library may not know its dimension yet.
    if (dim < (n > 0 ? 1 : 0) || dim > max_vector_dim)
        throw error(error_kind::invalid_input, "vector index: dimension " + std::to_string(dim) + " out of range");
    if (n > 0 && (!vectors || !ids)) throw error(error_kind::invalid_input, "vector index: no vectors given");
    check_vectors(vectors, ids, n, dim);
    auto ix = std::make_unique<impl>();
    ix->n = n;
    ix->dim = dim;
    const bool ann = n > 0 && (choice == index_choice::ann || (choice == index_choice::automatic && n > exact_search_limit()));
    if (ann) {
        // k-means, list assignment and tuning split over a pool of the threads asked for, whatever the
        // calling thread's own (an engine's call, a serial scope).
        single_threaded_blas();
        thread_pool pool(threads_or_all_cores(threads));
        pool_scope scope(&pool, pool_scope::inside_serial::use_pool);
        ix->ivf = build_ivf(vectors, ids, n, dim, ix->own_rows, ix->ids);
        // Lists that must mostly be probed to find the neighbours (vectors without clusters at this size)
        // make the IVF index slower than one exact pass: automatic then searches the same rows exactly.
        if (choice == index_choice::automatic && ix->ivf->nprobe() * 4 > ix->ivf->nlist()) ix->ivf.reset();
    } else {
        ix->own_rows.assign(vectors, vectors + n * dim);
        ix->ids.assign(ids, ids + n);
    }
    ix->rows = ix->own_rows.data();
    return vector_index(std::move(ix));
}

vector_index::vector_index(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
vector_index::vector_index(vector_index&&) noexcept = default;
vector_index& vector_index::operator=(vector_index&&) noexcept = default;
vector_index::~vector_index() = default;

std::vector<search_hit> vector_index::search(const float* query, int64_t k, const std::function<bool(int64_t)>& accept,
                                             const index_search_options& options) const {
    if (!impl_ || impl_->n == 0 || k <= 0) return {};
    const impl& ix = *impl_;
    if (!query) throw error(error_kind::invalid_input, "vector index: no query vector");
    for (int64_t j = 0; j < ix.dim; j++)
        if (!std::isfinite(query[j])) throw error(error_kind::invalid_input, "vector index: the query has a non-finite value");
    const int threads = threads_or_all_cores(options.threads);
    const std::vector<scored_row> rows =
        ix.ivf ? approximate_search(*ix.ivf, ix.rows, ix.ids.data(), ix.n, ix.dim, query, k, accept,
                                    options.nprobe > 0 ? options.nprobe : ix.ivf->nprobe(), threads)
               : exact_top_rows(ix.rows, ix.ids.data(), ix.n, ix.dim, query, k, accept, threads);
    std::vector<search_hit> hits;
    hits.reserve(rows.size());
    for (const scored_row& r : rows) hits.push_back(search_hit{ix.ids[r.row], r.score});
    // FAISS orders equal scores as it likes; exact search puts the smaller id first, and so do we.
    std::stable_sort(hits.begin(), hits.end(), [](const search_hit& a, const search_hit& b) {
        return a.score != b.score ? a.score > b.score : a.id < b.id;
    });
    return hits;
}

std::vector<std::pair<int64_t, int64_t>> vector_index::pairs_above(float threshold, int64_t nprobe, int threads,
                                                                    const std::atomic<bool>* cancel) const {
    if (!impl_ || impl_->n < 2) return {};
    const impl& ix = *impl_;
    const int t = threads_or_all_cores(threads);
    std::vector<std::pair<int64_t, int64_t>> rows =
        ix.ivf ? similar_row_pairs_ivf(ix.rows, ix.n, ix.dim, ix.ivf->centroids(), ix.ivf->list_offsets(), nprobe,
                                       threshold, t, cancel)
               : similar_row_pairs(ix.rows, ix.n, ix.dim, threshold, t, cancel);
    for (auto& [a, b] : rows) {
        a = ix.ids[static_cast<size_t>(a)];
        b = ix.ids[static_cast<size_t>(b)];
        if (a > b) std::swap(a, b);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

vector_index::neighbour_graph vector_index::neighbours(int64_t k, int threads, const std::atomic<bool>* cancel) const {
    neighbour_graph g;
    if (!impl_ || impl_->n == 0) return g;
    const impl& ix = *impl_;
    const int t = threads_or_all_cores(threads);
    knn_rows_result r = ix.ivf ? knn_rows_ivf(ix.rows, ix.n, ix.dim, ix.ivf->centroids(), ix.ivf->list_offsets(), k,
                                              ix.ivf->nprobe(), t, cancel)
                               : knn_rows_exact(ix.rows, ix.n, ix.dim, k, t, cancel);
    g.ids = ix.ids;
    g.k = r.k;
    for (int64_t& row : r.neighbour)
        if (row >= 0) row = ix.ids[static_cast<size_t>(row)];
    g.neighbour = std::move(r.neighbour);
    g.score = std::move(r.score);
    return g;
}

int64_t vector_index::size() const { return impl_ ? impl_->n : 0; }
int64_t vector_index::dim() const { return impl_ ? impl_->dim : 0; }
bool vector_index::approximate() const { return impl_ && impl_->ivf; }

std::string vector_index::description() const {
    const std::string shape = std::to_string(size()) + " x " + std::to_string(dim());
    if (!approximate()) return "exact, " + shape;
    return "FAISS IVF" + std::to_string(impl_->ivf->nlist()) + ",Flat (nprobe " + std::to_string(impl_->ivf->nprobe()) +
           "), " + shape;
}

int64_t vector_index::memory_bytes() const {
    if (!impl_) return 0;
    return static_cast<int64_t>(impl_->n * impl_->dim * sizeof(float) + impl_->ids.size() * sizeof(int64_t)) +
           (impl_->ivf ? impl_->ivf->memory_bytes() : 0);
}

}  // namespace sonavec
