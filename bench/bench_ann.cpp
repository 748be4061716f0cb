// The vector index at library scale: the IVF index's build time, memory, recall@10 and query latency on
// clustered unit vectors, and exact search's latency by size (where exact_search_limit comes from).
// usage: bench_ann [--n N] [--queries Q] [--centres C] [--noise S] [--threads T] [--sizes a,b,...]
//   defaults: 1,000,000 vectors of dimension 512 around 1,000 centres, noise 1.0, 1,000 queries, 2 threads,
//   sizes 1000,2000,5000,10000,15000,20000,50000,100000,1000000 (those up to N).
// Data: each vector is a random unit centre plus Gaussian noise of total length S (S * N(0, I/512)),
// renormalised. With S = 1 a vector's cosine to its centre is 1/sqrt(2) = 0.71, two vectors of one
// cluster meet at about 0.5 and a vector's 10th neighbour at about 0.56, while vectors of different
// clusters sit near 0 (+-0.044): neighbourhoods like a library's tracks of one style. Queries are drawn the
// same way; "loose" queries use noise 2.5 (cosine 0.37 to their centre, like CLAP's text-to-audio scores).
// Queries run one at a time, as a user searches; recall@10 is against brute force.
// Prints a readable table on stderr and one JSON object on stdout.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <omp.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "library/exact_search.h"
#include "library/ivf_index.h"
#include "library/vector_index.h"
#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "sonavec/error.h"
#include "bench_args.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

constexpr int64_t dim = 512;
using bench::arg;
using bench::clock_type;
using bench::seconds_since;

double rss_mb(const char* field) {  // VmRSS (now) or VmHWM (peak) from /proc/self/status
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field) + 1)) / 1024.0;
    return 0;
}

// A small fast generator per row, so the data do not depend on the thread count.
struct row_random {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
    float normal() { return static_cast<float>(std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform())); }
};

std::vector<float> unit_centres(int centres) {
    std::vector<float> c(static_cast<size_t>(centres) * dim);
    for (int i = 0; i < centres; i++) {
        row_random rng{0xC0FFEEULL * 1000003 + static_cast<uint64_t>(i)};
        for (int64_t j = 0; j < dim; j++) c[i * dim + j] = rng.normal();
        l2_normalize(c.data() + i * dim, dim);
    }
    return c;
}

std::vector<float> around(const std::vector<float>& centres, int64_t n, float noise, uint64_t seed) {
    const int64_t count = static_cast<int64_t>(centres.size()) / dim;
    std::vector<float> v(static_cast<size_t>(n * dim));
    parallel_for(n, 1024, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            row_random rng{seed * 0x100000001b3ULL + static_cast<uint64_t>(r)};
            const float* c = centres.data() + static_cast<int64_t>(rng.next() % static_cast<uint64_t>(count)) * dim;
            for (int64_t j = 0; j < dim; j++) v[r * dim + j] = c[j] + noise * rng.normal() / std::sqrt(float(dim));
            l2_normalize(v.data() + r * dim, dim);
        }
    });
    return v;
}

struct latency {
    double p50 = 0, p90 = 0, p99 = 0, max = 0, recall = 0;
};

// Each query alone, timed; recall@10 against `truth` (rows) when given.
latency time_queries(const vector_index& idx, const std::vector<float>& queries, int64_t nq,
                     const std::vector<std::vector<int64_t>>* truth, const std::vector<int64_t>& ids,
                     const index_search_options& options, const std::function<bool(int64_t)>& accept = nullptr) {
    for (int64_t q = 0; q < std::min<int64_t>(nq, 20); q++) idx.search(queries.data() + q * dim, 10, accept, options);  // warm
    std::vector<double> ms;
    int64_t found = 0, expected = 0;
    for (int64_t q = 0; q < nq; q++) {
        const auto t0 = clock_type::now();
        const auto hits = idx.search(queries.data() + q * dim, 10, accept, options);
        ms.push_back(seconds_since(t0) * 1000);
        if (!truth) continue;
        for (int64_t row : (*truth)[q]) {
            expected++;
            for (const auto& h : hits) found += h.id == ids[row];
        }
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };
    return {at(0.5), at(0.9), at(0.99), ms.back(), expected ? double(found) / double(expected) : 1.0};
}

std::string json_map(const std::map<int64_t, double>& m) {
    std::string s = "{";
    for (const auto& [k, v] : m) {
        char b[64];
        std::snprintf(b, sizeof b, "%s\"%lld\": %.4g", s.size() > 1 ? ", " : "", static_cast<long long>(k), v);
        s += b;
    }
    return s + "}";
}

}  // namespace

int main(int argc, char** argv) try {
    const int64_t n = std::stoll(arg(argc, argv, "--n", "1000000"));
    const int64_t nq = std::stoll(arg(argc, argv, "--queries", "1000"));
    const int centres = std::stoi(arg(argc, argv, "--centres", "1000"));
    const float noise = std::stof(arg(argc, argv, "--noise", "1.0"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "2"));
    std::vector<int64_t> sizes;
    {
        std::string list = arg(argc, argv, "--sizes", "1000,2000,5000,10000,15000,20000,50000,100000,1000000");
        for (size_t at = 0; at < list.size();) {
            const size_t comma = std::min(list.find(',', at), list.size());
            const int64_t s = std::stoll(list.substr(at, comma - at));
            if (s <= n) sizes.push_back(s);
            at = comma + 1;
        }
    }
    // The test data and the brute-force truth split over a pool of their own; the index gets the count.
    thread_pool pool(threads);
    const pool_scope scope(&pool);
    const index_search_options on_threads{.threads = threads};

    std::fprintf(stderr, "bench_ann: %lld vectors x %lld around %d centres (noise %.2f), %lld queries, %d threads\n",
                 static_cast<long long>(n), static_cast<long long>(dim), centres, noise, static_cast<long long>(nq), threads);
    const auto c = unit_centres(centres);
    const auto vectors = around(c, n, noise, 1);
    const auto queries = around(c, nq, noise, 2);
    const auto loose = around(c, nq, 2.5f, 3);
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) ids[i] = i + 1;

    auto t0 = clock_type::now();
    const auto truth = exact_top_rows_batch(vectors.data(), ids.data(), n, dim, queries.data(), nq, 10, nullptr);
    const auto loose_truth = exact_top_rows_batch(vectors.data(), ids.data(), n, dim, loose.data(), nq, 10, nullptr);
    std::fprintf(stderr, "  brute-force truth for %lld queries: %.1f s\n", static_cast<long long>(2 * nq), seconds_since(t0));

    // The IVF index over all n.
    const double rss_before = rss_mb("VmRSS:");
    t0 = clock_type::now();
    auto ann = vector_index::build(vectors.data(), ids.data(), n, dim, index_choice::ann, threads);
    const double build_s = seconds_since(t0);
    const double rss_after = rss_mb("VmRSS:");
    const latency plain = time_queries(ann, queries, nq, &truth, ids, on_threads);
    // The same queries on one thread, for comparison.
    const latency one_thread = time_queries(ann, queries, nq, nullptr, ids, index_search_options{.threads = 1});
    // The peer: FAISS's own IndexIVFFlat, the same list count and nprobe, trained as ours is (spherical
    // k-means, 50 rows per list), each query alone on 1 thread, as the one-thread figure above.
    const std::string built = ann.description();
    const auto probe_at = built.find("nprobe ");
    const int64_t nprobe = probe_at == std::string::npos ? 8 : std::stoll(built.substr(probe_at + 7));
    latency faiss_one{};
    double faiss_build_s = 0;
    {
        const int64_t nlist = ivf_index::list_count(n);
        faiss::IndexFlatIP quantizer(dim);
        faiss::IndexIVFFlat peer(&quantizer, dim, static_cast<size_t>(nlist), faiss::METRIC_INNER_PRODUCT);
        peer.cp.spherical = true;
        peer.cp.max_points_per_centroid = 50;
        peer.cp.niter = 10;
        const auto f0 = clock_type::now();
        omp_set_num_threads(threads);
        peer.train(n, vectors.data());
        peer.add(n, vectors.data());
        faiss_build_s = seconds_since(f0);
        omp_set_num_threads(1);
        peer.nprobe = static_cast<size_t>(nprobe);
        std::vector<float> d(10);
        std::vector<faiss::Index::idx_t> l(10);
        for (int64_t q = 0; q < std::min<int64_t>(nq, 20); q++) peer.search(1, queries.data() + q * dim, 10, d.data(), l.data());
        std::vector<double> ms;
        int64_t found = 0, expected = 0;
        for (int64_t q = 0; q < nq; q++) {
            const auto q0 = clock_type::now();
            peer.search(1, queries.data() + q * dim, 10, d.data(), l.data());
            ms.push_back(seconds_since(q0) * 1000);
            for (int64_t row : truth[static_cast<size_t>(q)]) {
                expected++;
                found += std::count(l.begin(), l.end(), row);
            }
        }
        std::sort(ms.begin(), ms.end());
        auto at = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };
        faiss_one = {at(0.5), at(0.9), at(0.99), ms.back(), double(found) / double(std::max<int64_t>(expected, 1))};
        std::fprintf(stderr, "  FAISS IndexIVFFlat (nlist %lld, nprobe %lld), 1 thread: p50 %.3f ms, p99 %.3f ms, recall@10 %.4f; "
                             "built in %.1f s\n",
                     static_cast<long long>(nlist), static_cast<long long>(nprobe), faiss_one.p50, faiss_one.p99,
                     faiss_one.recall, faiss_build_s);
        std::fprintf(stderr, "  sonavec, 1 thread: p50 %.3f ms, p99 %.3f ms\n", one_thread.p50, one_thread.p99);
    }
    const latency off = time_queries(ann, loose, nq, &loose_truth, ids, on_threads);
    const latency filtered =
        time_queries(ann, queries, nq, nullptr, ids, on_threads, [](int64_t id) { return id % 10 == 0; });
    const double peak_after_queries = rss_mb("VmHWM:");
    const fs::path file = fs::temp_directory_path() / ("sonavec_bench_ann_" + std::to_string(getpid()) + ".index");
    t0 = clock_type::now();
    ann.save(file, "bench");
    const double save_s = seconds_since(t0);
    const auto file_bytes = static_cast<int64_t>(fs::file_size(file));
    const std::string description = ann.description();
    const int64_t index_bytes = ann.memory_bytes();
    ann = vector_index::build(nullptr, nullptr, 0, dim, index_choice::exact, threads);  // free it before loading
    t0 = clock_type::now();
    ann = vector_index::load(file, "bench");
    const double load_s = seconds_since(t0);
    fs::remove(file);
    ann = vector_index::build(nullptr, nullptr, 0, dim, index_choice::exact, threads);

    // Exact search and the IVF index by size: where the one overtakes the other.
    std::map<int64_t, double> exact_p50, exact_p99, ivf_p50, ivf_recall;
    for (int64_t s : sizes) {
        const int64_t q = s >= 500000 ? std::min<int64_t>(nq, 100) : std::min<int64_t>(nq, 300);
        const auto sub_truth = s == n ? truth : exact_top_rows_batch(vectors.data(), ids.data(), s, dim, queries.data(), q, 10, nullptr);
        {
            const auto exact = vector_index::build(vectors.data(), ids.data(), s, dim, index_choice::exact, threads);
            const latency l = time_queries(exact, queries, q, nullptr, ids, on_threads);
            exact_p50[s] = l.p50;
            exact_p99[s] = l.p99;
        }
        std::string ivf_name = description;
        if (s == n) {
            ivf_p50[s] = plain.p50;
            ivf_recall[s] = plain.recall;
        } else {
            const auto small = vector_index::build(vectors.data(), ids.data(), s, dim, index_choice::ann, threads);
            ivf_name = small.description();
            const latency l = time_queries(small, queries, q, &sub_truth, ids, on_threads);
            ivf_p50[s] = l.p50;
            ivf_recall[s] = l.recall;
        }
        std::fprintf(stderr, "  %8lld vectors: exact p50 %8.3f ms (p99 %8.3f)   IVF p50 %7.3f ms, recall@10 %.4f (%s)\n",
                     static_cast<long long>(s), exact_p50[s], exact_p99[s], ivf_p50[s], ivf_recall[s], ivf_name.c_str());
    }
    int64_t crossover = 0;  // the largest size measured where exact search is still as fast
    for (int64_t s : sizes)
        if (exact_p50[s] <= ivf_p50[s]) crossover = s;

    std::fprintf(stderr,
                 "\n  index                 %s\n"
                 "  build                 %.1f s\n"
                 "  index memory          %.0f MB (RSS %.0f -> %.0f MB; peak RSS %.0f MB with the benchmark's own copy)\n"
                 "  recall@10             %.4f (loose queries %.4f)\n"
                 "  latency, 1 query      p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms\n"
                 "  the same on 1 thread  p50 %.2f  p99 %.2f ms\n"
                 "  loose queries         p50 %.2f  p99 %.2f ms\n"
                 "  filter, 1 id in 10    p50 %.2f  p99 %.2f ms\n"
                 "  file                  %.0f MB, save %.1f s, load %.1f s\n"
                 "  exact <= IVF up to    %lld vectors (exact_search_limit %lld)\n",
                 description.c_str(), build_s, index_bytes / 1048576.0, rss_before, rss_after, peak_after_queries,
                 plain.recall, off.recall, plain.p50, plain.p90, plain.p99, plain.max, one_thread.p50, one_thread.p99, off.p50, off.p99, filtered.p50,
                 filtered.p99, file_bytes / 1048576.0, save_s, load_s, static_cast<long long>(crossover),
                 static_cast<long long>(vector_index::exact_search_limit()));

    std::printf("{\"n\": %lld, \"dim\": %lld, \"centres\": %d, \"noise\": %.2f, \"queries\": %lld, \"threads\": %d, "
                "\"index\": \"%s\", \"build_s\": %.1f, \"index_bytes\": %lld, \"rss_before_build_mb\": %.0f, "
                "\"rss_after_build_mb\": %.0f, \"peak_rss_mb\": %.0f, \"recall_at_10\": %.4f, \"p50_ms\": %.3f, "
                "\"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"p50_ms_1_thread\": %.3f, \"p99_ms_1_thread\": %.3f, "
                "\"loose_recall_at_10\": %.4f, "
                "\"loose_p50_ms\": %.3f, \"loose_p99_ms\": %.3f, \"filter_1_in_10_p50_ms\": %.3f, "
                "\"filter_1_in_10_p99_ms\": %.3f, \"file_bytes\": %lld, \"save_s\": %.2f, \"load_s\": %.2f, "
                "\"exact_p50_ms\": %s, \"exact_p99_ms\": %s, \"ivf_p50_ms\": %s, \"ivf_recall_at_10\": %s, "
                "\"exact_as_fast_up_to\": %lld, \"exact_search_limit\": %lld, \"faiss_p50_ms_1_thread\": %.3f, "
                "\"faiss_p99_ms_1_thread\": %.3f, \"faiss_recall_at_10\": %.4f}\n",
                static_cast<long long>(n), static_cast<long long>(dim), centres, noise, static_cast<long long>(nq), threads,
                description.c_str(), build_s, static_cast<long long>(index_bytes), rss_before, rss_after,
                peak_after_queries, plain.recall, plain.p50, plain.p90, plain.p99, plain.max, one_thread.p50, one_thread.p99, off.recall, off.p50,
                off.p99, filtered.p50, filtered.p99, static_cast<long long>(file_bytes), save_s, load_s,
                json_map(exact_p50).c_str(), json_map(exact_p99).c_str(), json_map(ivf_p50).c_str(),
                json_map(ivf_recall).c_str(), static_cast<long long>(crossover),
                static_cast<long long>(vector_index::exact_search_limit()), faiss_one.p50, faiss_one.p99, faiss_one.recall);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ann: %s\n", e.what());
    return 1;
}
