#include "commands.h"
#include <algorithm>
#include <cstdio>
#include <thread>

#include "sonavec/error.h"
#include "sonavec/library.h"
#include "sonavec/model.h"

namespace sonavec::cli {

option_spec model_option() {
    return {"--model", "DIR", "model directory (default: $SONAVEC_MODEL, else the cached laion/clap-htsat-unfused)"};
}

option_spec threads_option() {
    return {"--threads", "N", "compute threads, 1 to 4 per core (default: all cores)"};
}

int max_threads() { return 4 * std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

int threads_arg(const parsed_args& args, int fallback) {
    if (!args.has("--threads")) return fallback;
    const int n = args.get_int("--threads", fallback);
    if (n < 1 || n > max_threads())
        throw usage_error("--threads must be from 1 to " + std::to_string(max_threads()) + " (4 per core), got " +
                          std::to_string(n));
    return n;
}

option_spec precision_option() {
    return {"--precision", "P",
            "number format of the model's matrix products: fp32 (default, the reference), bf16 or int8 (faster; "
            "vectors within cosine 0.999 of fp32's)"};
}

precision products_precision(const parsed_args& args) {
    try {
        return parse_precision(args.get("--precision", "fp32"));
    } catch (const error& e) {
        throw usage_error(std::string("--precision: ") + e.what());
    }
}

namespace {

engine_params engine_params_for(const parsed_args& args) {
    engine_params p = engine_default_params();
    p.threads = threads_arg(args, 0);  // usage errors before any file is touched
    p.products = products_precision(args);
    p.model_dir = resolve_model_dir(args.get("--model"));
    return p;
}

}  // namespace

std::unique_ptr<engine> open_engine(const parsed_args& args) { return engine::open(engine_params_for(args)); }

option_spec no_text_cache_option() {
    return {"--no-cache", "", "always run the text tower: neither read nor fill the text cache "
                              "($XDG_CACHE_HOME/sonavec/text-cache.sqlite)"};
}

text_vectors embed_texts_for(const parsed_args& args, const std::vector<std::string>& texts) {
    const auto eng = open_engine(args);  // maps the weights; the towers load only on a miss
    return {embed_texts_cached(*eng, texts, !args.has("--no-cache")), eng->dim()};
}

}  // namespace sonavec::cli
