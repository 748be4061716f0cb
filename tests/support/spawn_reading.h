// A child process whose standard output this process reads (a `sonavec serve` started by a test or a
// benchmark, whose first line says where it listens). Header-only: the benchmarks include it too.
#pragma once
#include <spawn.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace sonavec::test {

// Starts argv[0] with argv; its stdout is *read_fd (the caller closes it). Returns the pid.
inline pid_t spawn_reading_stdout(std::vector<std::string> argv, int* read_fd) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    const int failed = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (failed != 0) {
        close(out[0]);
        throw std::runtime_error("cannot start " + argv[0]);
    }
    *read_fd = out[0];
    return pid;
}

}  // namespace sonavec::test
