// Running the sonavec command from tests as a user would: captured output and exit code, in a scratch
// folder of the test program's own that is removed when its tests end.
//
//   const auto r = test::run_cli("index --library " + test::quoted(test::scratch_dir() / "lib") + " DIR");
//   EXPECT_EQ(r.code, 0) << r.err;
#pragma once
#include <filesystem>
#include <string>

namespace sonavec::test {

struct cli_result {
    int code = -1;  // the exit status, -1 when killed by a signal
    std::string out, err;
};

// /tmp/sonavec_<program>_<pid>, made on first use; removed after the last test.
const std::filesystem::path& scratch_dir();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

// A single-quoted shell word.
std::string quoted(const std::filesystem::path& path);

// `sonavec ARGS` with standard input from /dev/null and XDG_CACHE_HOME in the scratch folder.
cli_result run_cli(const std::string& args);

// `sonavec ARGS` as a user whom file permissions bind: the tests' own user, or nobody (uid and gid
// 65534, by setpriv) when the tests run as root, who may read and write any file. Its XDG_CACHE_HOME
// is a folder of its own in the scratch folder.
cli_result run_cli_unprivileged(const std::string& args);
// Makes path, and everything under it, that user's (nothing to do when it is the tests' own user).
void give_to_unprivileged_user(const std::filesystem::path& path);
// Any shell command line, captured the same way.
cli_result run_shell(const std::string& command);
// Whether a program is on PATH (ffmpeg, sox: tests that need one skip without it).
bool have_tool(const std::string& tool);

// The id sonavec records for the model in model_dir ("NAME@" and 16 hex digits of a SHA-256 over the
// digests of config.json, preprocessor_config.json and model.safetensors), computed with sha256sum.
std::string expected_model_id(const std::filesystem::path& model_dir);

}  // namespace sonavec::test
