#include "cli_run.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fstream>
#include <sstream>

#include "test_data.h"

namespace sonavec::test {

namespace fs = std::filesystem;

namespace {

bool scratch_made = false;

// Removes the scratch folder once every test of the program is done (only when one was made).
struct scratch_cleanup : ::testing::Environment {
    void TearDown() override {
        if (scratch_made) fs::remove_all(scratch_dir());
    }
};
const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new scratch_cleanup);

}  // namespace

const fs::path& scratch_dir() {
    static const fs::path dir = [] {
        const std::string program = fs::read_symlink("/proc/self/exe").filename().string();
        fs::path d = fs::temp_directory_path() / ("sonavec_" + program + "_" + std::to_string(getpid()));
        fs::remove_all(d);
        fs::create_directories(d);
        scratch_made = true;
        return d;
    }();
    return dir;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string quoted(const fs::path& path) {
    std::string q = "'";
    for (char c : path.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

cli_result run_shell(const std::string& command) {
    const auto out = scratch_dir() / "command.stdout";
    const auto err = scratch_dir() / "command.stderr";
    const int status = std::system((command + " >" + quoted(out) + " 2>" + quoted(err) + " </dev/null").c_str());
    cli_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

cli_result run_cli(const std::string& args) {
    // The scratch folder stands in for ~/.cache: a test must neither read vectors a user's text cache
    // holds nor leave its own there.
    return run_shell("XDG_CACHE_HOME=" + quoted(scratch_dir() / "cache") + " " + quoted(cli_path()) + " " + args);
}

std::string expected_model_id(const std::filesystem::path& model_dir) {
    std::string listing = "printf 'sonavec model 1\\n'";
    for (const char* name : {"config.json", "preprocessor_config.json", "model.safetensors"})
        listing += std::string("; printf '") + name + " %s\\n' \"$(sha256sum < " + quoted(model_dir / name) +
                   " | cut -c1-64)\"";
    // In a subshell: run_shell redirects standard input, which must not replace the pipe into cut.
    const cli_result r = run_shell("((" + listing + ") | sha256sum | cut -c1-16)");
    if (r.code != 0 || r.out.size() != 17) throw std::runtime_error("sha256sum failed: " + r.err);
    return model_dir.filename().string() + "@" + r.out.substr(0, 16);
}

}  // namespace sonavec::test

namespace sonavec::test {

namespace {

constexpr int nobody = 65534;

}  // namespace

void give_to_unprivileged_user(const fs::path& path) {
    if (geteuid() != 0) return;
    if (lchown(path.c_str(), nobody, nobody) != 0) ADD_FAILURE() << "cannot chown " << path;
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(path, ec))) return;
    for (const auto& e : fs::recursive_directory_iterator(path))
        if (lchown(e.path().c_str(), nobody, nobody) != 0) ADD_FAILURE() << "cannot chown " << e.path();
}

cli_result run_cli_unprivileged(const std::string& args) {
    static const fs::path cache = [] {
        const fs::path dir = scratch_dir() / "unprivileged_cache";
        fs::create_directories(dir);
        give_to_unprivileged_user(dir);
        return dir;
    }();
    const std::string user = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
    return run_shell(user + "env XDG_CACHE_HOME=" + quoted(cache) + " " + quoted(cli_path()) + " " + args);
}

bool have_tool(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace sonavec::test
