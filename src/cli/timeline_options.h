// What timeline and find --within share: the options that say how a recording's timeline is made.
#pragma once
#include <vector>

#include "args.h"
#include "sonavec/engine.h"
#include "sonavec/timeline.h"

namespace sonavec::cli {

// --example KIND=FILE (repeatable), --silence-db DB, --min-silence S.
std::vector<option_spec> timeline_options();
// The timeline_params they give; with --example, the kinds' vectors are made here (eng embeds the examples).
timeline_params timeline_from(const parsed_args& args, const engine& eng);

}  // namespace sonavec::cli
