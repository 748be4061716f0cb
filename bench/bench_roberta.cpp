// Times the RoBERTa text tower at a config's real size with random weights (cost does not depend on values).
// usage: bench_roberta <config.json> [tokens=12] [runs=20] [threads=1]
//   e.g. bench_roberta tests/data/golden/full-architecture/config.json
// One BLAS thread is the default: at 12 rows two threads measured slower on the 2-core machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "models/roberta.h"
#include "nn/thread_pool.h"
#include "nn/safetensors_writer.h"
#include "sonavec/error.h"

using namespace sonavec;

namespace {

// Removes the temporary weights however the benchmark ends.
struct removed_on_exit {
    std::filesystem::path path;
    ~removed_on_exit() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <config.json> [tokens=12] [runs=20] [threads=1]\n", argv[0]);
        return 2;
    }
    const int64_t tokens = argc > 2 ? std::atoll(argv[2]) : 12;
    const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 20;
    thread_pool pool(std::max(1, argc > 4 ? std::atoi(argv[4]) : 1));
    const pool_scope scope(&pool);

    try {
        std::ifstream in(argv[1]);
        if (!in) throw error(error_kind::io, std::string("cannot read ") + argv[1]);
        const auto hp = roberta_hparams::from_json(nlohmann::json::parse(in).at("text_config"));

        const auto path = std::filesystem::temp_directory_path() /
                          ("sonavec_bench_roberta_" + std::to_string(::getpid()) + ".safetensors");
        removed_on_exit cleanup{path};
        // The recorder lists exactly the tensors the encoder asks for; the real loader then maps them.
        auto recorder = weight_store::recorder();
        roberta_encoder probe(hp, *recorder);
        std::vector<tensor_to_write> tensors;
        for (const auto& [name, shape] : recorder->recorded()) tensors.push_back({name, shape});
        std::mt19937 rng(1234);
        std::uniform_real_distribution<float> uniform(-0.05f, 0.05f);
        write_safetensors(path, tensors, [&](size_t i, float* out) {
            const int64_t n = tensor::count(tensors[i].shape);
            for (int64_t j = 0; j < n; j++) out[j] = uniform(rng);
        });
        weight_store weights(tensor_file::open(path));
        roberta_encoder encoder(hp, weights);

        // <s> ... </s> around ordinary token ids.
        std::vector<int64_t> ids(static_cast<size_t>(tokens)), mask(ids.size(), 1);
        for (size_t i = 0; i < ids.size(); i++) ids[i] = 100 + static_cast<int64_t>(i) * 37 % 1000;
        ids.front() = 0;
        ids.back() = 2;

        for (int i = 0; i < 3; i++) encoder.forward(ids, mask, 1, tokens);  // warm pages and BLAS buffers
        std::vector<double> ms;
        for (int i = 0; i < runs; i++) {
            const auto t0 = std::chrono::steady_clock::now();
            encoder.forward(ids, mask, 1, tokens);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        std::printf("roberta hidden %lld layers %lld, %lld tokens, %d threads: median %.2f ms, min %.2f ms, max %.2f ms\n",
                    static_cast<long long>(hp.hidden_size), static_cast<long long>(hp.num_hidden_layers),
                    static_cast<long long>(tokens), pool.size(), ms[ms.size() / 2], ms.front(), ms.back());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_roberta: %s\n", e.what());
        return 1;
    }
    return 0;
}
