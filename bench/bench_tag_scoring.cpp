// Zero-shot scoring at library scale (what `retag` does): N stored unit vectors against L label vectors,
// softmax(logit_scale * cosine) per row, through score_batch (OpenBLAS sgemm in row blocks on T threads)
// beside the peer measured in the same run: a plain loop (dot products, then the same softmax) on one thread.
// usage: bench_tag_scoring [--n N] [--labels L] [--threads T] [--repeats R] [--peer-rows M]
//   defaults: 100,000 vectors, 500 labels, dimension 512, 2 threads, best of 3 repeats; the naive peer
//   runs on all N rows unless --peer-rows M (its time is then scaled by N / M).
// Prints a readable summary on stderr and one JSON object on stdout.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "sonavec/tagging.h"
#include "bench_args.h"

using namespace sonavec;

namespace {

constexpr int64_t dim = 512;
using bench::arg;
using bench::clock_type;
using bench::seconds_since;

std::vector<float> random_unit_rows(int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g;
    std::vector<float> v(static_cast<size_t>(n * dim));
    for (int64_t r = 0; r < n; r++) {
        float* row = v.data() + r * dim;
        double s = 0;
        for (int64_t d = 0; d < dim; d++) { row[d] = g(rng); s += static_cast<double>(row[d]) * row[d]; }
        const float inv = static_cast<float>(1.0 / std::sqrt(s));
        for (int64_t d = 0; d < dim; d++) row[d] *= inv;
    }
    return v;
}

// The peer: what one would write without a matrix product.
std::vector<float> naive_scores(const std::vector<float>& audio, int64_t n, const label_set& set, float scale) {
    const int64_t nl = static_cast<int64_t>(set.labels.size());
    std::vector<float> out(static_cast<size_t>(n * nl));
    for (int64_t r = 0; r < n; r++) {
        float* p = out.data() + r * nl;
        float top = -INFINITY;
        for (int64_t l = 0; l < nl; l++) {
            float dot = 0;
            for (int64_t d = 0; d < dim; d++) dot += audio[r * dim + d] * set.vectors[l * dim + d];
            top = std::max(top, p[l] = scale * dot);
        }
        float sum = 0;
        for (int64_t l = 0; l < nl; l++) sum += p[l] = std::exp(p[l] - top);
        for (int64_t l = 0; l < nl; l++) p[l] /= sum;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t n = std::stoll(arg(argc, argv, "--n", "100000"));
    const int64_t nl = std::stoll(arg(argc, argv, "--labels", "500"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "2"));
    const int repeats = std::stoi(arg(argc, argv, "--repeats", "3"));
    const float scale = 33.37f;  // laion/clap-htsat-unfused's exp(logit_scale_a) is of this order

    label_set set;
    set.name = "bench";
    for (int64_t l = 0; l < nl; l++) set.labels.push_back("label " + std::to_string(l));
    set.vectors = random_unit_rows(nl, 1);
    set.dim = dim;
    const std::vector<float> audio = random_unit_rows(n, 2);

    // Wall time, and the process's CPU time beside it: on a machine shared with other jobs the wall time
    // of T threads is not T cores' worth, and CPU time / T is what T free cores would take.
    double best = 1e30, best_cpu = 1e30;
    std::vector<float> p;
    for (int i = 0; i < repeats; i++) {
        const auto t0 = clock_type::now();
        const std::clock_t c0 = std::clock();
        p = score_batch(audio, n, set, scale, threads);
        best = std::min(best, seconds_since(t0));
        best_cpu = std::min(best_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    const auto t1 = clock_type::now();
    const int64_t peer_rows = std::min<int64_t>(n, std::stoll(arg(argc, argv, "--peer-rows", std::to_string(n))));
    const std::vector<float> q = naive_scores(audio, peer_rows, set, scale);
    const double naive = seconds_since(t1) * static_cast<double>(n) / static_cast<double>(std::max<int64_t>(1, peer_rows));
    double diff = 0;
    for (size_t i = 0; i < q.size(); i++) diff = std::max(diff, static_cast<double>(std::abs(p[i] - q[i])));

    std::fprintf(stderr,
                 "%lld vectors x %lld labels (dim %lld): score_batch %.3f s on %d threads (best of %d; %.3f s of "
                 "CPU), naive loop %.3f s on 1 thread (%.1fx); max |diff| %.2g\n",
                 static_cast<long long>(n), static_cast<long long>(nl), static_cast<long long>(dim), best, threads,
                 repeats, best_cpu, naive, naive / best, diff);
    std::printf("{\"n\": %lld, \"labels\": %lld, \"dim\": %lld, \"threads\": %d, \"score_batch_s\": %.4f, "
                "\"score_batch_cpu_s\": %.4f, \"naive_s\": %.4f, \"max_abs_diff\": %.3g}\n",
                static_cast<long long>(n), static_cast<long long>(nl), static_cast<long long>(dim), threads, best,
                best_cpu, naive, diff);
    return 0;
}
