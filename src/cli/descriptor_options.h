// --tempo, --excerpt and --bpm-range, shared by the commands that compute descriptors (analyze, index --analyze).
#pragma once
#include "args.h"
#include "sonavec/descriptors.h"

namespace sonavec::cli {

option_spec tempo_method_option();  // --tempo qm|aubio
option_spec excerpt_option();       // --excerpt S
option_spec bpm_range_option();     // --bpm-range MIN-MAX
// The three options as descriptor_params; usage_error on a bad value.
descriptor_params descriptor_params_arg(const parsed_args& args);

}  // namespace sonavec::cli
