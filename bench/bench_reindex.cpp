// What `sonavec index` costs on a folder that has not changed (issue target: 1,000 files under 2 s).
// usage: bench_reindex [--sonavec PATH] [--model DIR] [--files N] [--reps N]
//   --sonavec  the CLI to time (default: sonavec next to this program)
//   --model    the model to index with (default: tests/data/golden/model above this program's folder; the
//              model does not matter to an unchanged run, which opens no audio and no model)
//   --files    how many files (default 1000), 100 to a folder; --reps  timed re-runs (default 5)
// Makes one 5 s WAV with ffmpeg and copies it N times, indexes the folder once, then times `sonavec index`
// over it again, wall clock with process start (page cache warm). Prints one JSON object:
//   first_run_seconds: the first run (copies of one file: one embedding, the rest reuse its vectors);
//   reindex_seconds: the median re-run, and reindex_seconds_each: every re-run.
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

void shell(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw error(error_kind::io, "command failed: " + command);
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

std::string shell_word(const fs::path& p) { return std::string(1, '\'') + p.string() + '\''; }

// Runs the index command; its --json summary and the wall-clock seconds.
nlohmann::json timed_index(const std::string& command, const fs::path& out, double& seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    const int status = std::system((command + " >" + shell_word(out)).c_str());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
    if (status != 0 || j.is_discarded())
        throw error(error_kind::io, "sonavec index failed: " + command + "\n" + text.str());
    return j;
}

}  // namespace

int main(int argc, char** argv) try {
    const fs::path self = fs::canonical("/proc/self/exe");
    const std::string sonavec = arg(argc, argv, "--sonavec", (self.parent_path() / "sonavec").string());
    const std::string model =
        arg(argc, argv, "--model", (self.parent_path().parent_path() / "tests/data/golden/model").string());
    const int files = std::stoi(arg(argc, argv, "--files", "1000"));
    const int reps = std::stoi(arg(argc, argv, "--reps", "5"));
    if (files < 1 || reps < 1) throw error(error_kind::invalid_input, "--files and --reps must be at least 1");

    const fs::path dir = fs::temp_directory_path() / ("sonavec_bench_reindex_" + std::to_string(getpid()));
    fs::remove_all(dir);
    const fs::path music = dir / "music", library = dir / "library";
    fs::create_directories(music);
    const fs::path source = dir / "source.wav";
    shell("ffmpeg -v error -y -f lavfi -i \"aevalsrc=0.3*sin(2*PI*220*t)+0.1*sin(2*PI*1250*t):s=48000:d=5\" " +
          shell_word(source));
    for (int i = 0; i < files; i++) {
        char name[64];
        std::snprintf(name, sizeof name, "folder%03d/track%04d.wav", i / 100, i);
        fs::create_directories((music / name).parent_path());
        fs::copy_file(source, music / name);
    }

    const std::string command = shell_word(sonavec) + " index --quiet --json --model " + shell_word(model) + " --library " +
                                shell_word(library) + " " + shell_word(music);
    double first = 0;
    const nlohmann::json first_summary = timed_index(command, dir / "summary.json", first);
    if (first_summary.value("found", 0) != files) throw error(error_kind::io, "the first run did not find every file");

    std::vector<double> each;
    for (int r = 0; r < reps; r++) {
        double seconds = 0;
        const nlohmann::json j = timed_index(command, dir / "summary.json", seconds);
        if (j.value("unchanged", 0) != files || j.value("embedded", -1) != 0 || j.value("reused", -1) != 0)
            throw error(error_kind::io, "a re-run embedded something: " + j.dump());
        each.push_back(seconds);
    }
    std::vector<double> sorted = each;
    std::sort(sorted.begin(), sorted.end());
    const nlohmann::json out = {{"files", files},
                                {"first_run_seconds", first},
                                {"reindex_seconds", sorted[sorted.size() / 2]},
                                {"reindex_seconds_each", each},
                                {"command", "sonavec index --quiet --json --model MODEL --library LIBRARY MUSIC"}};
    std::printf("%s\n", out.dump(2).c_str());
    fs::remove_all(dir);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_reindex: %s\n", e.what());
    return 1;
}
