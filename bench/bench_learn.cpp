// Training a linear probe (train_probe: 5-fold cross-validation and the final fit) on two Gaussian clouds
// of unit vectors, and the same in numpy as the peer (bench/learn_peer.py: dense Newton, the exact
// Hessian solved by LAPACK), on the same data in the same run; the two final fits' weights are compared.
// usage: bench_learn [--pos P] [--neg N] [--dim D] [--l2 X]   (defaults: 100, 900, 512, 1)
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_args.h"
#include "sonavec/linear_probe.h"

using namespace sonavec;
using bench::arg;
using bench::clock_type;
using bench::seconds_since;

namespace {

std::vector<float> cloud(const std::vector<float>& center, size_t n, float sigma, std::mt19937& rng) {
    std::normal_distribution<float> g(0.0f, sigma);
    std::vector<float> out;
    for (size_t i = 0; i < n; i++) {
        std::vector<float> v = center;
        double s = 0;
        for (float& x : v) {
            x += g(rng);
            s += static_cast<double>(x) * x;
        }
        for (float& x : v) out.push_back(static_cast<float>(x / std::sqrt(s)));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const size_t n_pos = std::stoul(arg(argc, argv, "--pos", "100")), n_neg = std::stoul(arg(argc, argv, "--neg", "900"));
    const size_t dim = std::stoul(arg(argc, argv, "--dim", "512"));
    probe_params pp;
    pp.l2 = std::stod(arg(argc, argv, "--l2", "1"));
    std::mt19937 rng(7);
    // Two unit centres and noise of norm 10 per point (0.44 per coordinate in 512 dimensions): the clouds
    // overlap (a few % of points lie past the midway plane), so the fit takes real Newton steps.
    std::vector<float> a(dim), b(dim);
    std::normal_distribution<float> g(0.0f, 1.0f);
    double na = 0, nb = 0;
    for (size_t d = 0; d < dim; d++) {
        a[d] = g(rng);
        b[d] = g(rng);
        na += static_cast<double>(a[d]) * a[d];
        nb += static_cast<double>(b[d]) * b[d];
    }
    for (size_t d = 0; d < dim; d++) {
        a[d] = static_cast<float>(a[d] / std::sqrt(na));
        b[d] = static_cast<float>(b[d] / std::sqrt(nb));
    }
    const float sigma = 10.0f / std::sqrt(static_cast<float>(dim));
    const std::vector<float> pos = cloud(a, n_pos, sigma, rng), neg = cloud(b, n_neg, sigma, rng);

    double best = 1e9;
    linear_probe p;
    for (int rep = 0; rep < 3; rep++) {
        const auto t0 = clock_type::now();
        p = train_probe(pos, n_pos, neg, n_neg, dim, pp);
        best = std::min(best, seconds_since(t0));
    }

    const std::string file = (std::filesystem::temp_directory_path() / ("sonavec-bench-learn-" + std::to_string(::getpid()))).string();
    {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(pos.data()), static_cast<std::streamsize>(pos.size() * sizeof(float)));
        out.write(reinterpret_cast<const char*>(neg.data()), static_cast<std::streamsize>(neg.size() * sizeof(float)));
    }
    const std::string cmd = "OPENBLAS_NUM_THREADS=1 /usr/bin/python3 " + std::string(SONAVEC_SOURCE_DIR) + "/bench/learn_peer.py " +
                            file + " " + std::to_string(n_pos) + " " + std::to_string(n_neg) + " " + std::to_string(dim) +
                            " " + std::to_string(pp.l2);
    double numpy_s = -1, max_diff = -1;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
        std::string text;
        char buf[4096];
        while (size_t k = std::fread(buf, 1, sizeof buf, f)) text.append(buf, k);
        ::pclose(f);
        std::istringstream in(text);
        std::vector<double> theta;
        if (in >> numpy_s)
            for (double v; in >> v;) theta.push_back(v);
        if (theta.size() == dim + 1) {
            max_diff = std::abs(theta[dim] - p.bias);
            for (size_t d = 0; d < dim; d++) max_diff = std::max(max_diff, std::abs(theta[d] - p.weights[d]));
        }
    }
    std::filesystem::remove(file);
    std::fprintf(stderr,
                 "train_probe %zu + %zu examples, dim %zu, l2 %g (%d folds + final fit): %.3f s (best of 3), "
                 "cv accuracy %.3f; numpy dense Newton, same work: %.3f s; max |weight difference| %.2e\n",
                 n_pos, n_neg, dim, pp.l2, p.folds, best, p.cv_accuracy, numpy_s, max_diff);
    std::printf("{\"positives\": %zu, \"negatives\": %zu, \"dim\": %zu, \"train_s\": %.4f, \"cv_accuracy\": %.4f, "
                "\"numpy_s\": %.4f, \"max_weight_diff\": %.3e}\n",
                n_pos, n_neg, dim, best, p.cv_accuracy, numpy_s, max_diff);
    return 0;
}
