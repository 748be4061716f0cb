#include "hub_server.h"

#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"

namespace fs = std::filesystem;

namespace sonavec::test {

temp_dir::temp_dir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("sonavec-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
}

temp_dir::~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

hub_server::hub_server(const fs::path& root, std::vector<std::string> flags) : log_(root.parent_path() / "server.log") {
    int in_pipe[2], out_pipe[2];
    if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
    const std::string script = std::string(SONAVEC_SOURCE_DIR) + "/tests/support/http_test_server.py";
    std::vector<std::string> args = {"python3", script, "--root", root.string(), "--log", log_.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    pid_ = fork();
    if (pid_ == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        close(in_pipe[1]);
        close(out_pipe[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp("python3", argv.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    stdin_ = in_pipe[1];
    // The server prints its port once it is listening.
    std::string line;
    pollfd pfd{out_pipe[0], POLLIN, 0};
    char c;
    while (poll(&pfd, 1, 15000) == 1 && read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
    close(out_pipe[0]);
    port_ = std::atoi(line.c_str());
    if (port_ <= 0) throw std::runtime_error("the test server did not start");
}

hub_server::~hub_server() {
    close(stdin_);
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
}

std::string hub_server::log() const { return read_file(log_); }

}  // namespace sonavec::test
