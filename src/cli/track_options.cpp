#include "track_options.h"

#include "sonavec/seconds.h"

#include <algorithm>
#include <thread>

#include "commands.h"
#include "sonavec/error.h"

namespace sonavec::cli {

std::vector<option_spec> track_option_specs(const std::string& per_window_help) {
    return {{"--windows", "PLAN",
             "seed (default), full, first, or segments: 10 s windows every 5 s over whole recordings, kept for "
             "`sonavec find`"},
            {"--window", "S", "window length in seconds, from 0.5 to the model's input (10 s)"},
            {"--hop", "S", "full and segments plans: seconds from one window's start to the next, 0.1 to 3600 "
                           "(default: the window length; 5 s for segments); at most 100000 windows per track"},
            {"--max-seconds", "S", "analyse only the first S seconds of each track (default 300; segments: 604800, a week, the most)"},
            {"--per-window", "", per_window_help}};
}

std::optional<double> seconds_option(const parsed_args& args, const std::string& name) {
    if (!args.has(name)) return std::nullopt;
    const std::string text = args.get(name);
    try {
        return parse_seconds(text);
    } catch (const error&) {
        throw usage_error(name + " expects a number of seconds (>= 0), got '" + text + "'");  // names the option
    }
}

track_embed_params parse_track_options(const parsed_args& args) {
    track_embed_params p;
    try {
        p.plan.kind = parse_window_plan_kind(args.get("--windows", "seed"));
    } catch (const error& e) {
        throw usage_error(std::string("--windows: ") + e.what());
    }
    if (p.plan.kind == window_plan_kind::segments) p.plan = segments_plan();
    p.plan.window_seconds = seconds_option(args, "--window");
    p.plan.hop_seconds = seconds_option(args, "--hop");
    if (auto m = seconds_option(args, "--max-seconds")) p.plan.max_seconds = *m;
    p.keep_window_vectors = args.has("--per-window");
    return p;
}

option_spec file_threads_option() {
    return {"--threads", "N",
            "worker threads, one core each, 1 to 4 per core: each decodes or embeds up to 4 windows of one file at "
            "a time (default: all cores); the vectors do not depend on N"};
}

int file_threads(const parsed_args& args) {
    return threads_arg(args, std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
}

}  // namespace sonavec::cli
