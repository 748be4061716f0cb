// A small command-line parser: each command declares its options once, and the same declaration
// produces its --help text.
#pragma once
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sonavec/error.h"

namespace sonavec::cli {

// Bad command-line usage: reported with the command's usage line, exit code 2, as is every
// sonavec::error of kind invalid_input.
struct usage_error : error {
    explicit usage_error(const std::string& message) : error(error_kind::invalid_input, message) {}
};

struct option_spec {
    std::string name;        // "--model"
    std::string value_name;  // "DIR"; empty for a flag
    std::string help;
};

struct command_spec {
    std::string name;     // "embed-text"
    std::string usage;    // "[--model DIR] TEXT..."
    std::string summary;  // one line
    std::string details;  // paragraphs after the options (examples, notes)
    std::vector<option_spec> options;
    size_t min_positional = 0;
    size_t max_positional = static_cast<size_t>(-1);
};

struct parsed_args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;  // options with values, and flags (value "1")
    std::map<std::string, std::vector<std::string>> repeated;  // every value of each option, in order (--set A --set B)
    bool help = false;

    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::string get(const std::string& name, const std::string& fallback = "") const;
    int get_int(const std::string& name, int fallback) const;
    // A number from lo to hi (usage error otherwise), or nothing when the option is not given.
    std::optional<double> get_number(const std::string& name, double lo, double hi) const;
    // A number from 0 to 1 (usage error otherwise), or fallback when the option is not given.
    double get_fraction(const std::string& name, double fallback) const;
};

parsed_args parse_args(const command_spec& spec, const std::vector<std::string>& args);
std::string help_text(const command_spec& spec);

}  // namespace sonavec::cli
