// What the benchmark programs share: "--name value" arguments and wall-clock seconds.
#pragma once
#include <chrono>
#include <string>

namespace sonavec::bench {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// The value after `name` on the command line, else fallback.
inline std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

}  // namespace sonavec::bench
