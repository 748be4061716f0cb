// --taxonomy and --template, shared by the commands that score labels (tag, retag).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "args.h"
#include "sonavec/tagging.h"

namespace sonavec::cli {

inline constexpr const char* default_taxonomies = "genre,mood,instrument,vocals,usecase";

option_spec taxonomy_option();  // --taxonomy NAMES|FILE
option_spec template_option();  // --template T
// --taxonomy: comma-separated built-in names and taxonomy files (find_taxonomy), with --template applied.
// Resolved before the model loads, so a typo costs nothing.
std::vector<taxonomy> taxonomies_arg(const parsed_args& args);

// "calm 0.412, dreamy 0.187": one taxonomy's tags as a line of text (empty when there are none).
std::string tags_line(const std::vector<tag>& tags);
// {TAXONOMY: [{label, probability}]}, taxonomies in the order given.
nlohmann::ordered_json tags_json(const std::vector<taxonomy_tags>& tags);

}  // namespace sonavec::cli
