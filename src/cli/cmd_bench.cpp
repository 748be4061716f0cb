// sonavec bench: speed and memory of the towers, by default on the full-size architecture with random
// weights (cost does not depend on weight values). Prints one JSON object with --json.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sys/resource.h>
#include <thread>

#include "commands.h"
#include "full_architecture.h"
#include "sonavec/escaped_text.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

double peak_rss_mb() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    return "unknown";
}

// The random-weight full-size model, made once and kept in the cache.
std::filesystem::path full_size_random_model() {
    const auto dir = default_cache_root().parent_path() / "bench" / "clap-htsat-unfused-random";
    if (std::filesystem::exists(dir / "model.safetensors")) return dir;
    const auto config_dir = dir.string() + ".config";
    std::filesystem::create_directories(config_dir);
    std::ofstream(config_dir + "/config.json") << full_architecture_config_json;
    std::ofstream(config_dir + "/preprocessor_config.json") << full_architecture_preprocessor_json;
    std::fprintf(stderr, "bench: writing a random-weight full-size model to %s (once)\n",
                 for_terminal(dir.string()).c_str());
    write_random_model(config_dir, dir);
    return dir;
}

// Median milliseconds of `reps` runs after one warm-up run.
template <typename F>
double median_ms(int reps, F&& run) {
    run();
    std::vector<double> t;
    for (int i = 0; i < reps; i++) {
        auto t0 = clock_type::now();
        run();
        t.push_back(ms_since(t0));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

// Lowest cosine between matching rows of two sets of unit vectors.
double lowest_cosine(const std::vector<float>& a, const std::vector<float>& b, int64_t dim) {
    double lowest = 1.0;
    for (size_t r = 0; r + static_cast<size_t>(dim) <= std::min(a.size(), b.size()); r += static_cast<size_t>(dim)) {
        double dot = 0;
        for (int64_t i = 0; i < dim; i++) dot += static_cast<double>(a[r + i]) * b[r + i];
        lowest = std::min(lowest, dot);
    }
    return lowest;
}

int run(const parsed_args& args) {
    const std::filesystem::path model = args.has("--model") ? std::filesystem::path(args.get("--model"))
                                                            : full_size_random_model();
    const int threads = threads_arg(args, 2);
    const int reps = std::max(1, args.get_int("--reps", 5));

    engine_params p = engine_default_params();
    p.model_dir = model;
    p.threads = threads;
    auto t0 = clock_type::now();
    auto eng = engine::open(p);
    eng->preload(true, false);
    const double load_audio_ms = ms_since(t0);

    // Log-mel-like random input: what the tower costs does not depend on the values.
    const int64_t per_window = 1001 * 64;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> db(-90.0f, 0.0f);
    std::vector<float> features(static_cast<size_t>(8 * per_window));
    for (auto& x : features) x = db(rng);

    std::vector<float> wave(static_cast<size_t>(eng->window_samples()));
    std::uniform_real_distribution<float> amp(-0.5f, 0.5f);
    for (auto& x : wave) x = amp(rng);

    t0 = clock_type::now();
    eng->embed_audio_windows({std::span<const float>(wave)});
    const double first_audio_ms = ms_since(t0);

    const double b1 = median_ms(reps, [&] { eng->embed_audio_features(features.data(), 1); });
    std::vector<float> audio_fp32;
    const double b8 = median_ms(reps, [&] { audio_fp32 = eng->embed_audio_features(features.data(), 8); }) / 8;
    const double window_ms = median_ms(reps, [&] { eng->embed_audio_windows({std::span<const float>(wave)}); });
    const double rss_audio = peak_rss_mb();

    t0 = clock_type::now();
    eng->preload(false, true);
    const double load_text_ms = ms_since(t0);
    // A 12-token query: <s>, ten word pieces, </s>.
    std::vector<int64_t> ids = {0}, mask(12, 1);
    std::uniform_int_distribution<int64_t> word(4, 50000);
    for (int i = 0; i < 10; i++) ids.push_back(word(rng));
    ids.push_back(2);
    std::vector<float> text_fp32;
    const double text_ms = median_ms(reps * 4, [&] { text_fp32 = eng->embed_token_ids(ids, mask, 1, 12); });
    const double rss_total = peak_rss_mb();
    eng.reset();

    // Each reduced precision: speed at batch 8 and the lowest cosine against the fp32 vectors above.
    std::string reduced_json, reduced_text;
    for (precision prec : {precision::bf16, precision::int8}) {
        if (!precision_available(prec)) {  // an AVX2-only CPU: say so rather than fail the whole bench
            reduced_text += std::string(precision_name(prec)) + ": not available on this CPU\n";
            continue;
        }
        p.products = prec;
        auto reduced = engine::open(p);
        reduced->preload(true, true);
        std::vector<float> audio, text;
        const double ms = median_ms(reps, [&] { audio = reduced->embed_audio_features(features.data(), 8); }) / 8;
        const double tms = median_ms(reps * 4, [&] { text = reduced->embed_token_ids(ids, mask, 1, 12); });
        const double acos = lowest_cosine(audio, audio_fp32, reduced->dim());
        const double tcos = lowest_cosine(text, text_fp32, reduced->dim());
        const std::string name = precision_name(prec);
        char line[512];
        std::snprintf(line, sizeof line,
                      ", \"audio_ms_per_window_b8_%s\": %.1f, \"audio_cosine_vs_fp32_%s\": %.6f, "
                      "\"text_ms_per_query_%s\": %.2f, \"text_cosine_vs_fp32_%s\": %.6f",
                      name.c_str(), ms, name.c_str(), acos, name.c_str(), tms, name.c_str(), tcos);
        reduced_json += line;
        std::snprintf(line, sizeof line,
                      "audio tower, batch 8, %s      %8.1f ms/window (lowest cosine vs fp32 %.6f)\n"
                      "text query, %s               %8.2f ms (cosine vs fp32 %.6f)\n",
                      name.c_str(), ms, acos, name.c_str(), tms, tcos);
        reduced_text += line;
    }

    char json[2048];
    std::snprintf(json, sizeof json,
                  "{\"model\": \"%s\", \"threads\": %d, \"cpu\": \"%s\", \"load_ms\": %.1f, \"load_text_ms\": %.1f, "
                  "\"first_audio_embedding_ms\": %.1f, \"audio_ms_per_window_b1\": %.1f, "
                  "\"audio_ms_per_window_b8\": %.1f, \"audio_ms_per_window_with_features\": %.1f, "
                  "\"text_ms_per_query\": %.2f, \"peak_rss_mb_audio_only\": %.0f, \"peak_rss_mb\": %.0f%s}",
                  model.string().c_str(), threads, cpu_model().c_str(), load_audio_ms, load_text_ms, first_audio_ms,
                  b1, b8, window_ms, text_ms, rss_audio, rss_total, reduced_json.c_str());
    if (args.has("--json")) {
        std::printf("%s\n", json);
    } else {
        std::printf("model                         %s (%d threads)\n", for_terminal(model.string()).c_str(), threads);
        std::printf("load (audio tower)            %8.1f ms\n", load_audio_ms);
        std::printf("load (text tower)             %8.1f ms\n", load_text_ms);
        std::printf("first audio embedding         %8.1f ms\n", first_audio_ms);
        std::printf("audio tower, batch 1          %8.1f ms/window\n", b1);
        std::printf("audio tower, batch 8          %8.1f ms/window\n", b8);
        std::printf("features + audio tower        %8.1f ms/window\n", window_ms);
        std::printf("text query (12 tokens)        %8.2f ms\n", text_ms);
        std::printf("peak RSS, audio only          %8.0f MB\n", rss_audio);
        std::printf("peak RSS                      %8.0f MB\n", rss_total);
        std::printf("%s", reduced_text.c_str());
    }
    return 0;
}

}  // namespace

command bench_command() {
    return {{"bench", "[--model DIR] [--threads N] [--reps N] [--json]",
             "Measure load time, audio tower ms per 10 s window (batch 1 and 8), text query ms and peak memory, "
             "then the bf16 and int8 products: ms per window at batch 8, ms per query and the lowest cosine "
             "against the fp32 vectors. "
             "Default model: the full-size laion/clap-htsat-unfused architecture with random weights (made once in "
             "the cache).",
             "example:\n  sonavec bench --json",
             {{"--model", "DIR", "benchmark this model directory instead"},
              {"--threads", "N", "compute threads (default 2)"},
              {"--reps", "N", "timed repetitions per measurement (default 5)"},
              {"--json", "", "print one JSON object"}},
             0, 0},
            run};
}

}  // namespace sonavec::cli
