// `retag` end to end at library scale: a catalog of N stored vectors (random unit vectors of the
// model's size, under the model's id) retagged against one taxonomy of L labels through the public
// library::retag: the label prompts (from the text cache after the first, untimed run), the scoring
// (one sgemm per row block plus softmaxes) and the writing of the inferred tags in one transaction.
// The peer, in the same run: numpy (Debian's, on OpenBLAS) doing the same product and softmax.
// usage: bench_retag --model DIR [--n N] [--labels L] [--threads T]
//   defaults: 100,000 vectors, 500 labels, 2 threads; DIR: a full-size model (sonavec model random, with
//   a vocab.json and merges.txt copied in: tests/data/golden/model's will do for timing).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_args.h"
#include "library/catalog.h"
#include "sonavec/engine.h"
#include "sonavec/library.h"
#include "sonavec/tagging.h"

using namespace sonavec;
using bench::arg;
using bench::clock_type;
using bench::seconds_since;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
    const std::string model = arg(argc, argv, "--model", "");
    if (model.empty()) {
        std::fprintf(stderr, "usage: bench_retag --model DIR [--n N] [--labels L] [--threads T]\n");
        return 2;
    }
    const int64_t n = std::stoll(arg(argc, argv, "--n", "100000"));
    const int labels = std::stoi(arg(argc, argv, "--labels", "500"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "2"));
    engine_params ep = engine_default_params();
    ep.model_dir = model;
    ep.threads = threads;
    const auto eng = engine::open(ep);
    const int64_t dim = eng->dim();

    const fs::path dir = fs::temp_directory_path() / ("sonavec-bench-retag-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    {
        catalog cat(dir);
        std::mt19937 rng(1);
        std::normal_distribution<float> g;
        std::vector<catalog_entry> batch;
        for (int64_t i = 0; i < n; i++) {
            catalog_entry e;
            e.path = "/bench/track" + std::to_string(i) + ".wav";
            e.model_id = eng->model_id();
            e.window_plan = "import";
            e.vector.resize(static_cast<size_t>(dim));
            double s = 0;
            for (auto& x : e.vector) {
                x = g(rng);
                s += static_cast<double>(x) * x;
            }
            for (auto& x : e.vector) x = static_cast<float>(x / std::sqrt(s));
            batch.push_back(std::move(e));
            if (batch.size() == 5000 || i + 1 == n) {
                cat.put_many(batch);
                batch.clear();
            }
        }
    }
    std::string text = "# template: {}\n";
    for (int i = 0; i < labels; i++) text += "label number " + std::to_string(i) + "\n";
    const taxonomy tax = parse_taxonomy(text, "bench");
    const auto lib = library::open(dir, library::open_mode::existing);
    retag_params rp;
    rp.threads = threads;
    auto t0 = clock_type::now();
    lib->retag(*eng, {tax}, rp);  // fills the text cache with the prompts
    const double first = seconds_since(t0);
    t0 = clock_type::now();
    const retag_report r = lib->retag(*eng, {tax}, rp);
    const double total = seconds_since(t0);

    // The peer: the same product and softmax in numpy, timed inside Python (best of 3).
    char cmd[1024];
    std::snprintf(cmd, sizeof cmd,
                  "OPENBLAS_NUM_THREADS=%d /usr/bin/python3 -c \"import numpy as np, time\n"
                  "a=np.random.default_rng(1).standard_normal((%lld,%lld),dtype=np.float32); a/=np.linalg.norm(a,axis=1,keepdims=True)\n"
                  "l=np.random.default_rng(2).standard_normal((%d,%lld),dtype=np.float32); l/=np.linalg.norm(l,axis=1,keepdims=True)\n"
                  "best=1e9\n"
                  "for _ in range(3):\n"
                  "  t=time.perf_counter(); z=%f*(a@l.T); z-=z.max(axis=1,keepdims=True); np.exp(z,out=z); z/=z.sum(axis=1,keepdims=True); best=min(best,time.perf_counter()-t)\n"
                  "print(best)\"",
                  threads, static_cast<long long>(n), static_cast<long long>(dim), labels, static_cast<long long>(dim),
                  static_cast<double>(eng->logit_scale()));
    double numpy_s = -1;
    if (FILE* p = ::popen(cmd, "r")) {
        if (std::fscanf(p, "%lf", &numpy_s) != 1) numpy_s = -1;
        ::pclose(p);
    }
    std::fprintf(stderr,
                 "retag %lld vectors x %d labels (dim %lld, %d threads): %.2f s in all (scoring %.2f s, the rest "
                 "prompts from the cache and writing %zu tags); first run with the text tower %.2f s; numpy "
                 "product + softmax %.2f s\n",
                 static_cast<long long>(n), labels, static_cast<long long>(dim), threads, total, r.scoring_seconds,
                 r.stored, first, numpy_s);
    std::printf("{\"n\": %lld, \"labels\": %d, \"threads\": %d, \"retag_s\": %.3f, \"scoring_s\": %.3f, \"stored\": %zu, "
                "\"first_run_s\": %.3f, \"numpy_s\": %.3f}\n",
                static_cast<long long>(n), labels, threads, total, r.scoring_seconds, r.stored, first, numpy_s);
    fs::remove_all(dir);
    return 0;
}
