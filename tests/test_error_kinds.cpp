// Every failure reaches the caller as a sonavec::error of the right kind, through the real code paths
// (files made with ffmpeg or cut at test time), and the library's notes go to the log callback, whose
// default is a line on stderr escaped for a terminal.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli_run.h"
#include "library/catalog.h"
#include "library/import_formats.h"
#include "library/library_index.h"
#include "library/library_lock.h"
#include "library_fixtures.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/export.h"
#include "sonavec/track.h"
#include "sonavec/window_plan.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

// The kind of the sonavec::error that f throws, with its message (fails the test when none is thrown).
template <class F>
std::pair<error_kind, std::string> failure_of(F f) {
    try {
        f();
    } catch (const error& e) {
        return {e.kind(), e.what()};
    }
    ADD_FAILURE() << "no sonavec::error thrown";
    return {error_kind::cancelled, ""};
}

#define EXPECT_KIND(expr, expected_kind, fragment)                                                  \
    do {                                                                                            \
        const auto [kind_, message_] = failure_of([&] { (void)(expr); });                           \
        EXPECT_EQ(error_kind_name(kind_), std::string(error_kind_name(expected_kind))) << message_; \
        EXPECT_NE(message_.find(fragment), std::string::npos) << message_;                          \
    } while (0)

fs::path scratch(const std::string& name) {
    const fs::path dir = test::scratch_dir() / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// A 6 s stereo tone written by ffmpeg.
fs::path make_wav(const fs::path& file) {
    const std::string command =
        "ffmpeg -v error -y -f lavfi -i sine=frequency=440:duration=6 -ac 2 -c:a pcm_s16le -bitexact ";
    const test::cli_result r = test::run_shell(command + test::quoted(file));
    EXPECT_EQ(r.code, 0) << r.err;
    return file;
}

// What reaches stderr (file descriptor 2) while f runs.
template <class F>
std::string stderr_of(F f) {
    const fs::path file = test::scratch_dir() / "stderr.txt";
    std::fflush(stderr);
    const int saved = dup(2);
    const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    f();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return test::read_file(file);
}

}  // namespace

TEST(error_kinds, kind_names) {
    EXPECT_STREQ(error_kind_name(error_kind::invalid_input), "invalid input");
    EXPECT_STREQ(error_kind_name(error_kind::not_found), "not found");
    EXPECT_STREQ(error_kind_name(error_kind::corrupt_file), "corrupt file");
    EXPECT_STREQ(error_kind_name(error_kind::io), "I/O");
    EXPECT_STREQ(error_kind_name(error_kind::unsupported), "unsupported");
    EXPECT_STREQ(error_kind_name(error_kind::busy), "busy");
    EXPECT_STREQ(error_kind_name(error_kind::cancelled), "cancelled");
}

TEST(error_kinds, audio_files_through_embed_track) {
    const auto eng = test::golden_engine(1);
    const fs::path dir = scratch("audio");
    const track_embed_params params;
    EXPECT_KIND(embed_track(*eng, dir / "missing.wav", params), error_kind::not_found, "no such file");

    // Half of a WAV whose header declares all of it.
    const std::string wav = test::read_file(make_wav(dir / "tone.wav"));
    test::write_file(dir / "truncated.wav", wav.substr(0, wav.size() / 2));
    EXPECT_KIND(embed_track(*eng, dir / "truncated.wav", params), error_kind::corrupt_file, "truncated");
    test::write_file(dir / "notes.mp3", "This is a text file, not audio.\n");
    EXPECT_KIND(embed_track(*eng, dir / "notes.mp3", params), error_kind::corrupt_file, "notes.mp3");

    // The same WAV with a format tag that names no codec: a well-formed file we cannot decode.
    ASSERT_EQ(wav.substr(12, 4), "fmt ");
    std::string unknown = wav;
    unknown[20] = '\x34';
    unknown[21] = '\x12';
    test::write_file(dir / "unknown_codec.wav", unknown);
    EXPECT_KIND(embed_track(*eng, dir / "unknown_codec.wav", params), error_kind::unsupported,
                "unsupported audio codec");
}

TEST(error_kinds, bad_window_plans_are_invalid_input) {
    const auto eng = test::golden_engine(1);
    track_embed_params params;
    params.plan.window_seconds = 0.01;
    EXPECT_KIND(validate_track_params(params, *eng), error_kind::invalid_input, "window length must be at least");

    // A hop on the seed plan, found when the track is planned.
    const fs::path wav = make_wav(scratch("plan") / "tone.wav");
    track_embed_params hop;
    hop.plan.hop_seconds = 2;
    EXPECT_KIND(embed_track(*eng, wav, hop), error_kind::invalid_input, "a hop applies only to the full and segments window plans");
    EXPECT_KIND(parse_window_plan_kind("every"), error_kind::invalid_input, "unknown window plan 'every'");
    EXPECT_KIND(parse_export_format("xml"), error_kind::invalid_input, "unknown export format 'xml'");
}

TEST(error_kinds, model_folders) {
    engine_params p = engine_default_params();
    p.model_dir = test::scratch_dir() / "no_such_model";
    EXPECT_KIND(engine::open(p), error_kind::not_found, "config.json");

    // The golden model with its weights cut in half: the header promises bytes that are not there.
    const fs::path model = scratch("truncated_model");
    const fs::path golden = test::golden_dir() / "model";
    for (const char* name : {"config.json", "preprocessor_config.json"}) fs::copy_file(golden / name, model / name);
    const std::string weights = test::read_file(golden / "model.safetensors");
    test::write_file(model / "model.safetensors", weights.substr(0, weights.size() / 2));
    p.model_dir = model;
    EXPECT_KIND(engine::open(p), error_kind::corrupt_file, "model.safetensors");
}

TEST(error_kinds, imported_records) {
    EXPECT_KIND(read_vectors_file(test::scratch_dir() / "no_such_vectors.jsonl", {}), error_kind::not_found,
                "no_such_vectors.jsonl");
    std::istringstream bad_record("{\"path\": \"/a.wav\", \"vector\": \"not numbers\"}\n");
    EXPECT_KIND(read_vectors(bad_record, "vectors.jsonl", {}), error_kind::corrupt_file, "vectors.jsonl: line 1");
}

TEST(error_kinds, a_second_writer_is_busy) {
    const fs::path library = scratch("busy_library");
    const library_lock first(library, "index");
    EXPECT_KIND(library_lock(library, "import"), error_kind::busy, "is using this library");
    EXPECT_THROW(library_lock(library, "import"), library_busy);
}

// The library's note when it cannot save the index it rebuilt (here vectors.index is a folder the
// rename cannot replace) goes to the callback, and to stderr again once the callback is cleared.
TEST(log_callback, receives_the_library_index_note_and_defaults_to_stderr) {
    const fs::path library = scratch("unsaved_index");
    catalog cat(library);
    catalog_entry e;
    e.path = "/music/a.wav";
    e.model_id = "m";
    e.window_plan = "seed";
    e.vector = test::random_unit_vector(1, 8);
    cat.put(e);
    fs::create_directories(library_index_file(cat));
    test::write_file(library_index_file(cat) / "keep", "");

    std::vector<std::pair<log_level, std::string>> logged;
    set_log_callback([&](log_level level, const std::string& message) { logged.emplace_back(level, message); });
    const std::string quiet = stderr_of([&] {
        bool rebuilt = false;
        const vector_index idx = open_library_index(cat, index_choice::automatic, "m", 1, &rebuilt);
        EXPECT_TRUE(rebuilt);
        EXPECT_EQ(idx.size(), 1);
    });
    EXPECT_EQ(quiet, "");
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_EQ(logged[0].first, log_level::note);
    EXPECT_NE(logged[0].second.find("the index could not be saved"), std::string::npos) << logged[0].second;
    EXPECT_NE(logged[0].second.find("vectors.index"), std::string::npos) << logged[0].second;

    set_log_callback({});
    const std::string printed = stderr_of([&] { open_library_index(cat, index_choice::automatic, "m", 1); });
    EXPECT_EQ(logged.size(), 1u);
    EXPECT_EQ(printed.rfind("sonavec: note: the index could not be saved (", 0), 0u) << printed;
    EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 1) << printed;
}

TEST(log_callback, default_escapes_the_message_for_a_terminal) {
    set_log_callback({});
    const std::string printed = stderr_of([] { log_message(log_level::warning, "a \x1b[31mred\x1b[0m\nname"); });
    EXPECT_EQ(printed, "sonavec: warning: a \\x1b[31mred\\x1b[0m\\nname\n");
}

// Calls from several threads never overlap: the callback sees itself running alone every time.
TEST(log_callback, calls_are_serialised) {
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    int calls = 0;  // unsynchronised on purpose: the log's lock is what protects it
    set_log_callback([&](log_level, const std::string&) {
        if (inside.fetch_add(1) != 0) overlaps++;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        calls++;
        inside.fetch_sub(1);
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++)
        threads.emplace_back([] {
            for (int i = 0; i < 25; i++) log_message(log_level::note, "message");
        });
    for (auto& t : threads) t.join();
    set_log_callback({});
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(calls, 100);
}
