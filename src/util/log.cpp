#include <cstdio>
#include <mutex>

#include "sonavec/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec {

namespace {

// One lock for the callback and its calls, so that messages never interleave. Recursive: a callback
// may itself log or replace the callback (it runs as a copy) without deadlocking its own thread.
std::recursive_mutex& log_mutex() {
    static std::recursive_mutex mutex;
    return mutex;
}

log_callback& current_callback() {
    static log_callback callback;
    return callback;
}

void write_to_stderr(log_level level, const std::string& message) {
    const char* label = level == log_level::warning ? "warning" : "note";
    std::fprintf(stderr, "sonavec: %s: %s\n", label, for_terminal(message).c_str());
}

}  // namespace

void set_log_callback(log_callback callback) {
    std::lock_guard lock(log_mutex());
    current_callback() = std::move(callback);
}

void log_message(log_level level, const std::string& message) {
    std::lock_guard lock(log_mutex());
    const log_callback callback = current_callback();
    if (callback) callback(level, message);
    else write_to_stderr(level, message);
}

}  // namespace sonavec
