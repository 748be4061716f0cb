// Transitional until the log callback lands (sonavec/error.h): the default's behaviour only.
#include <cstdio>

#include "sonavec/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec {

void log_message(log_level level, const std::string& m) {
    std::fprintf(stderr, "sonavec: %s: %s\n", level == log_level::warning ? "warning" : "note", for_terminal(m).c_str());
}

}  // namespace sonavec
