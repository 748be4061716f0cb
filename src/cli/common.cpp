#include "cli/commands.h"
#include "hub/model_cache.h"

namespace sonavec::cli {

option_spec model_option() {
    return {"--model", "DIR", "model directory (default: $SONAVEC_MODEL, else the cached laion/clap-htsat-unfused)"};
}

option_spec threads_option() { return {"--threads", "N", "compute threads (default: all cores)"}; }

std::unique_ptr<engine> open_engine(const parsed_args& args) {
    engine_params p = engine_default_params();
    p.threads = args.get_int("--threads", 0);  // usage errors before any file is touched
    p.model_dir = resolve_model_dir(args.get("--model"));
    return engine::open(p);
}

}  // namespace sonavec::cli
