// The sonavec subcommands. Each is a spec (options + help) and a function that runs it; main.cpp
// dispatches on the command name and turns exceptions into messages and exit codes.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "sonavec/engine.h"
#include "sonavec/float_text.h"

namespace sonavec::cli {

struct command {
    command_spec spec;
    int (*run)(const parsed_args&);
};

command embed_command();
command embed_text_command();
command model_pull_command();
command model_info_command();
command model_random_command();
command bench_command();
command export_command();
command import_command();
command index_command();
command search_command();
command similar_command();
command stats_command();
command prune_command();
command retag_command();
command tag_command();
command write_tags_command();
command analyze_command();
command learn_command();
command recommend_command();
command path_command();
command duplicates_command();
command clusters_command();
command map_command();
command serve_command();
command find_command();
command recurring_command();
command timeline_command();

// Options most commands share.
option_spec model_option();    // --model DIR
option_spec threads_option();  // --threads N
// --threads N, checked: from 1 to max_threads() (more threads than 4 per core add only memory and
// contention); `fallback` when absent (0 = all cores, for the engine).
int threads_arg(const parsed_args& args, int fallback);
int max_threads();
option_spec precision_option();  // --precision fp32|bf16|int8
// The number format of the engine's matrix products that --precision names (default fp32); any other
// name is a usage error listing the accepted ones. Every command that embeds with the model takes it.
precision products_precision(const parsed_args& args);

// Opens the engine for --model / SONAVEC_MODEL / the cached default model, at --precision.
std::unique_ptr<engine> open_engine(const parsed_args& args);

option_spec no_text_cache_option();  // --no-cache
// One unit vector per text (rows of dim floats) from the engine args name, through the text cache
// unless --no-cache; cache trouble is a logged warning.
struct text_vectors {
    std::vector<float> rows;
    int64_t dim = 0;
};
text_vectors embed_texts_for(const parsed_args& args, const std::vector<std::string>& texts);

// format_float and json_vector (full-precision float text) come from util/float_text.h.

}  // namespace sonavec::cli
