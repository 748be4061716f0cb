// The one exception type sonavec throws; the CLI turns it into a message and an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace sonavec {

struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An error whose message is several lines (instructions, a list of URLs): its outside parts (paths,
// names, server text) are escaped for a terminal where it is made (util/escaped_text.h), so the CLI
// keeps its line breaks. Every other message is escaped whole when printed, line breaks included.
struct multiline_error : error {
    using error::error;
};

}  // namespace sonavec
