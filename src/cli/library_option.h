// --library PATH, shared by the commands that read or write a library (index, stats, prune, search, ...).
#pragma once
#include <filesystem>

#include "args.h"

namespace sonavec::cli {

option_spec library_option();
// --library when given, else catalog::default_library_dir() ($XDG_DATA_HOME/sonavec/library).
std::filesystem::path library_dir(const parsed_args& args);

}  // namespace sonavec::cli
