// Options shared by the commands that embed audio files (embed, index): the window plan, per-window
// vectors and how many files run at once. One declaration gives both the parsing and the --help lines.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "sonavec/track.h"

namespace sonavec::cli {

// --windows, --window, --hop, --max-seconds, --per-window (in that order).
std::vector<option_spec> track_option_specs(const std::string& per_window_help);

// The plan and per-window choice from those options; usage_error for a bad value. The plan is
// validated once the engine's window length is known (validate_track_params, sonavec/track.h).
track_embed_params parse_track_options(const parsed_args& args);

// A number of seconds, or nullopt when the option is absent.
std::optional<double> seconds_option(const parsed_args& args, const std::string& name);

// --threads N, default all cores: files embedded at once, one core each.
option_spec file_threads_option();
int file_threads(const parsed_args& args);

}  // namespace sonavec::cli
