// embed_tracks through the public headers alone, as a program linking the library would call it: files
// made with ffmpeg and sox, one that is not audio among them; every track equals embed_track's bit for
// bit, the bad file is reported with embed_track's reason and the others still come, and a cancelled
// run throws error_kind::cancelled.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <sys/wait.h>
#include <thread>

#include "cli_run.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/track.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

void make_file(const std::string& cmd) {
    const int status = std::system((cmd + " >/dev/null 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
}

// A short stereo tone (sox), a 12 s chirp (ffmpeg) and a text file named like audio, in that order
// with the bad one in the middle.
std::vector<fs::path> test_files() {
    const fs::path dir = test::scratch_dir();
    const fs::path tone = dir / "tone.wav", bad = dir / "not_audio.flac", chirp = dir / "chirp.flac";
    make_file("sox -n -r 44100 -c 2 -b 16 " + test::quoted(tone) + " synth 3 sine 440");
    test::write_file(bad, "this is not a FLAC file, only text\n");
    make_file("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
              "\"aevalsrc='0.4*sin(2*PI*(100*t+80*t*t))':s=48000:d=12\" " +
              test::quoted(chirp));
    return {tone, bad, chirp};
}

std::unique_ptr<engine> test_engine() {
    engine_params p = engine_default_params();
    p.model_dir = fs::path(SONAVEC_TEST_DATA) / "golden" / "model";
    p.threads = 1;
    return engine::open(p);
}

// Windows of 2 s every 1.5 s: the chirp spans several batches, spread over the workers.
track_embed_params full_plan() {
    track_embed_params t;
    t.plan.kind = window_plan_kind::full;
    t.plan.window_seconds = 2.0;
    t.plan.hop_seconds = 1.5;
    t.keep_window_vectors = true;
    return t;
}

void expect_same_track(const track_embedding& a, const track_embedding& b) {
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.vector, b.vector) << a.path;  // float ==: bit for bit (no NaN in a unit vector)
    EXPECT_EQ(a.info.duration_seconds, b.info.duration_seconds);
    EXPECT_EQ(a.info.sample_rate, b.info.sample_rate);
    EXPECT_EQ(a.info.channels, b.info.channels);
    EXPECT_EQ(a.info.codec, b.info.codec);
    ASSERT_EQ(a.windows.size(), b.windows.size()) << a.path;
    for (size_t w = 0; w < a.windows.size(); w++) {
        EXPECT_EQ(a.windows[w].start_seconds, b.windows[w].start_seconds);
        EXPECT_EQ(a.windows[w].length_seconds, b.windows[w].length_seconds);
        EXPECT_EQ(a.windows[w].vector, b.windows[w].vector) << a.path << " window " << w;
    }
}

}  // namespace

TEST(public_track_api, embed_tracks_gives_embed_tracks_bits_and_reports_the_bad_file) {
    const std::vector<fs::path> files = test_files();
    const auto eng = test_engine();
    embed_tracks_params params;
    params.track = full_plan();
    validate_track_params(params.track, *eng);
    params.workers = 3;

    std::map<size_t, track_embedding> done;
    std::map<size_t, std::string> failed;
    std::atomic<bool> inside{false};
    bool overlapped = false;
    embed_tracks(*eng, files, params, [&](size_t i, const track_embedding* t, const std::string& reason) {
        if (inside.exchange(true)) overlapped = true;
        // Long enough for another worker to finish a track meanwhile.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_FALSE(done.count(i) || failed.count(i)) << "file " << i << " reported twice";
        if (t) done[i] = *t;
        else failed[i] = reason;
        inside = false;
    });
    EXPECT_FALSE(overlapped) << "the callback was called concurrently";

    ASSERT_EQ(done.size(), 2u);
    ASSERT_EQ(failed.size(), 1u);
    ASSERT_EQ(failed.count(1), 1u) << "the text file should be the failure";
    try {
        embed_track(*eng, files[1], params.track);
        ADD_FAILURE() << "embed_track read a text file as audio";
    } catch (const error& e) {
        EXPECT_EQ(failed[1], e.what());
        EXPECT_FALSE(failed[1].empty());
    }
    for (size_t i : {size_t{0}, size_t{2}}) {
        ASSERT_EQ(done.count(i), 1u) << files[i];
        expect_same_track(done[i], embed_track(*eng, files[i], params.track));
    }
    EXPECT_EQ(done[0].info.channels, 2);
    EXPECT_GT(done[2].windows.size(), 4u) << "the chirp should span more than one batch";
}

TEST(public_track_api, a_run_cancelled_before_it_starts_throws_cancelled) {
    const std::vector<fs::path> files = test_files();
    const auto eng = test_engine();
    const std::atomic<bool> cancel{true};
    embed_tracks_params params;
    params.workers = 2;
    params.cancel = &cancel;
    validate_track_params(params.track, *eng);
    size_t calls = 0;
    try {
        embed_tracks(*eng, files, params, [&](size_t, const track_embedding*, const std::string&) { calls++; });
        ADD_FAILURE() << "a cancelled run returned normally";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::cancelled) << e.what();
        EXPECT_STREQ(error_kind_name(e.kind()), "cancelled");
    }
    EXPECT_EQ(calls, 0u);
}

TEST(public_track_api, a_flag_raised_after_the_last_file_cancels_nothing) {
    const std::vector<fs::path> files = test_files();
    const auto eng = test_engine();
    std::atomic<bool> cancel{false};
    embed_tracks_params params;
    params.cancel = &cancel;
    validate_track_params(params.track, *eng);
    size_t calls = 0;
    EXPECT_NO_THROW(embed_tracks(*eng, files, params, [&](size_t, const track_embedding*, const std::string&) {
        if (++calls == files.size()) cancel = true;
    }));
    EXPECT_EQ(calls, files.size());
}
