// Times the RoBERTa text tower at a config's real size with random weights (cost does not depend on values).
// usage: bench_roberta <config.json> [tokens=12] [runs=20] [threads=2]
//   e.g. bench_roberta tests/data/golden/full-architecture/config.json
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
#include "nn/ops.h"
#include "util/error.h"

using namespace sonavec;

namespace {

struct named_shape {
    std::string name;
    std::vector<int64_t> shape;
};

std::vector<named_shape> text_tower_tensors(const roberta_hparams& hp) {
    const int64_t H = hp.hidden_size, I = hp.intermediate_size;
    const std::string e = "text_model.embeddings.";
    std::vector<named_shape> t = {
        {e + "word_embeddings.weight", {hp.vocab_size, H}},
        {e + "position_embeddings.weight", {hp.max_position_embeddings, H}},
        {e + "token_type_embeddings.weight", {hp.type_vocab_size, H}},
        {e + "LayerNorm.weight", {H}},
        {e + "LayerNorm.bias", {H}},
        {"text_model.pooler.dense.weight", {H, H}},
        {"text_model.pooler.dense.bias", {H}},
    };
    for (int64_t l = 0; l < hp.num_hidden_layers; l++) {
        const std::string p = "text_model.encoder.layer." + std::to_string(l) + ".";
        for (const char* proj : {"attention.self.query.", "attention.self.key.", "attention.self.value.",
                                 "attention.output.dense."}) {
            t.push_back({p + proj + "weight", {H, H}});
            t.push_back({p + proj + "bias", {H}});
        }
        t.push_back({p + "attention.output.LayerNorm.weight", {H}});
        t.push_back({p + "attention.output.LayerNorm.bias", {H}});
        t.push_back({p + "intermediate.dense.weight", {I, H}});
        t.push_back({p + "intermediate.dense.bias", {I}});
        t.push_back({p + "output.dense.weight", {H, I}});
        t.push_back({p + "output.dense.bias", {H}});
        t.push_back({p + "output.LayerNorm.weight", {H}});
        t.push_back({p + "output.LayerNorm.bias", {H}});
    }
    return t;
}

// A safetensors file of small random weights, so the real loader (mapped, shape-checked) is what runs.
void write_random_safetensors(const std::filesystem::path& path, const std::vector<named_shape>& tensors) {
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        const uint64_t bytes = static_cast<uint64_t>(tensor::count(t.shape)) * 4;
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::ofstream out(path, std::ios::binary);
    const uint64_t header_len = text.size();
    out.write(reinterpret_cast<const char*>(&header_len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> uniform(-0.05f, 0.05f);
    std::vector<float> values;
    for (const auto& t : tensors) {
        values.resize(static_cast<size_t>(tensor::count(t.shape)));
        for (float& v : values) v = uniform(rng);
        out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
    }
    if (!out) throw error("cannot write " + path.string());
}

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
        std::fprintf(stderr, "usage: %s <config.json> [tokens=12] [runs=20] [threads=2]\n", argv[0]);
        return 2;
    }
    const int64_t tokens = argc > 2 ? std::atoll(argv[2]) : 12;
    const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 20;
    set_compute_threads(argc > 4 ? std::atoi(argv[4]) : 2);

    try {
        std::ifstream in(argv[1]);
        if (!in) throw error(std::string("cannot read ") + argv[1]);
        const auto hp = roberta_hparams::from_json(nlohmann::json::parse(in).at("text_config"));

        const auto path = std::filesystem::temp_directory_path() /
                          ("sonavec_bench_roberta_" + std::to_string(::getpid()) + ".safetensors");
        removed_on_exit cleanup{path};
        write_random_safetensors(path, text_tower_tensors(hp));
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
                    static_cast<long long>(tokens), compute_threads(), ms[ms.size() / 2], ms.front(), ms.back());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_roberta: %s\n", e.what());
        return 1;
    }
    return 0;
}
