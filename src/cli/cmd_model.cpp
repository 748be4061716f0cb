// sonavec model pull | info | random
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "commands.h"
#include "sonavec/escaped_text.h"
#include "sonavec/hub.h"
#include "sonavec/model.h"

namespace sonavec::cli {

namespace {

int run_pull(const parsed_args& args) {
    pull_options opts;
    if (!args.positional.empty()) opts.repo = args.positional[0];
    opts.revision = args.get("--revision", opts.revision);
    if (args.has("--cache")) opts.cache_root = args.get("--cache");
    if (!args.has("--quiet"))
        opts.progress = [](const download_event& e) {
            if (e.what == download_event::kind::status) std::fprintf(stderr, "%s\n", for_terminal(e.message).c_str());
        };
    const auto dir = pull_model(opts);
    std::printf("%s\n", for_terminal(dir.string()).c_str());
    return 0;
}

int run_random(const parsed_args& args) {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t params =
        write_random_model(args.positional[0], args.positional[1], static_cast<uint64_t>(args.get_int("--seed", 42)));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s: %lld parameters with random values in %.1f s\n",
                 for_terminal(args.positional[1]).c_str(), static_cast<long long>(params), s);
    return 0;
}

int run_info(const parsed_args& args) {
    const auto dir = resolve_model_dir(args.get("--model"));
    engine_params p = engine_default_params();
    p.model_dir = dir;
    p.threads = threads_arg(args, 0);
    auto eng = engine::open(p);
    std::printf("model      %s\n", for_terminal(dir.string()).c_str());
    std::printf("id         %s (what the library records; another checkpoint has another id)\n",
                for_terminal(model_identity(dir)).c_str());
    std::printf("embedding  %lld dimensions, audio %lld Hz, %lld samples per window\n",
                static_cast<long long>(eng->dim()), static_cast<long long>(eng->sample_rate()),
                static_cast<long long>(eng->window_samples()));
    int64_t total = 0;
    for (auto& t : eng->describe()) {
        std::printf("%-15s %s; %.2f M parameters\n", for_terminal(t.name).c_str(), t.shape.c_str(), t.parameters / 1e6);
        total += t.parameters;
    }
    std::printf("total           %.2f M parameters\n\nself-check:\n", total / 1e6);

    int failures = 0;
    auto check = [&](bool ok, const std::string& what) {
        std::printf("  [%s] %s\n", ok ? " ok " : "FAIL", for_terminal(what).c_str());
        if (!ok) failures++;
    };
    const auto unknown = eng->unknown_tensors();  // builds both towers: every shape is checked here
    check(true, "every tensor both towers need is present with the shape config.json implies");
    check(unknown.empty(), std::to_string(unknown.size()) + " checkpoint tensors unknown to the model" +
                               (unknown.empty() ? "" : " (first: " + unknown.front() + ")"));
    const int64_t bad = count_non_finite_weights(dir);
    check(bad == 0, std::to_string(bad) + " non-finite weight values");

    std::vector<float> tone(static_cast<size_t>(eng->sample_rate()));
    for (size_t i = 0; i < tone.size(); i++)
        tone[i] = 0.5f * static_cast<float>(std::sin(2 * std::numbers::pi * 440.0 * static_cast<double>(i) /
                                                     static_cast<double>(eng->sample_rate())));
    auto norm_of = [&](const std::vector<float>& v) {
        double ss = 0;
        bool finite = true;
        for (float x : v) {
            ss += static_cast<double>(x) * x;
            finite = finite && std::isfinite(x);
        }
        return finite ? std::sqrt(ss) : NAN;
    };
    const double audio_norm = norm_of(eng->embed_audio_windows({std::span<const float>(tone)}));
    check(std::fabs(audio_norm - 1.0) < 1e-4, "audio embedding of a 1 s 440 Hz tone is finite with norm " +
                                                  format_float(static_cast<float>(audio_norm)));
    const double text_norm = norm_of(eng->embed_texts({"a dog barking at night"}));
    check(std::fabs(text_norm - 1.0) < 1e-4,
          "text embedding is finite with norm " + format_float(static_cast<float>(text_norm)));
    return failures == 0 ? 0 : 1;
}

}  // namespace

command model_pull_command() {
    return {{"model pull", "[--revision REV] [--cache DIR] [--quiet] [REPO]",
             "Download a model (default laion/clap-htsat-unfused) from the Hugging Face Hub into the per-user cache; "
             "resumes an interrupted download. Prints the model directory.",
             "The cache is $XDG_CACHE_HOME/sonavec/models (default ~/.cache/sonavec/models).\n"
             "SONAVEC_HF_ENDPOINT (or HF_ENDPOINT) selects another Hub address; HF_TOKEN is sent if set.\n"
             "example:\n  sonavec model pull",
             {{"--revision", "REV", "branch, tag or commit (default main)"},
              {"--cache", "DIR", "cache root instead of the per-user default"},
              {"--quiet", "", "no progress output"}},
             0, 1},
            run_pull};
}

command model_info_command() {
    return {{"model info", "[--model DIR]",
             "Print the model's architecture and parameter counts, then a self-check: every tensor present with the "
             "right shape, no unknown tensors, finite weights, unit-norm audio and text embeddings. Exit 1 if a check "
             "fails.",
             "example:\n  sonavec model info --model ./clap-htsat-unfused",
             {model_option(), threads_option()}, 0, 0},
            run_info};
}

command model_random_command() {
    return {{"model random", "[--seed N] CONFIG_DIR OUT_DIR",
             "Write a model directory with random weights of the architecture in CONFIG_DIR/config.json, for speed "
             "and memory benchmarks (cost does not depend on weight values).",
             "example:\n  sonavec model random configs/clap-htsat-unfused /tmp/clap-random",
             {{"--seed", "N", "random seed (default 42)"}}, 2, 2},
            run_random};
}

}  // namespace sonavec::cli
