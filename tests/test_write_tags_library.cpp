// write-tags --library: the values index --analyze computed, written into the files. The files are a
// 120 BPM click track and an A minor triad made by sox, one with a title tag of its own; what is
// written is read back with TagLib and the audio is compared with ffmpeg's MD5 of the decoded samples.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "test_data.h"
#include "sonavec/file_tags.h"
#include "sonavec/library.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;
using test::quoted;

namespace {

std::string first(const std::map<std::string, std::vector<std::string>>& tags, const std::string& key) {
    const auto it = tags.find(key);
    return it == tags.end() || it->second.empty() ? std::string() : it->second.front();
}

std::string audio_md5(const fs::path& file) {
    const test::cli_result r =
        test::run_shell("ffmpeg -nostdin -hide_banner -loglevel error -i " + quoted(file) + " -map 0:a -f md5 -");
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
}

}  // namespace

TEST(computed_tag_fields, spells_what_the_library_computed_as_file_tags) {
    catalog_entry e;
    track_descriptors d;
    d.bpm = 119.6;
    d.key = "F# minor";
    d.loudness_lufs = -9.25;
    d.true_peak_dbtp = -6.0;
    e.descriptors = d;
    e.inferred = {{"genre", "electronic/deep house", 0.6}, {"genre", "electronic/techno", 0.3},
                  {"mood", "dark", 0.5},                   {"mood", "driving", 0.3},
                  {"mood", "hypnotic", 0.1},               {"mood", "calm", 0.05},
                  {"vocals", "instrumental", 0.9}};
    const tag_fields f = computed_tag_fields(e);
    EXPECT_EQ(f.at("bpm"), "120");
    EXPECT_EQ(f.at("key"), "F#m");
    EXPECT_EQ(f.at("replaygain_track_gain"), "-8.75 dB");     // -18 - (-9.25)
    EXPECT_EQ(f.at("replaygain_track_peak"), "0.501187");     // 10^(-6/20)
    EXPECT_EQ(f.at("genre"), "deep house");                   // the most probable, by its own name
    EXPECT_EQ(f.at("mood"), "dark; driving; hypnotic");       // three at most
    EXPECT_EQ(f.count("vocals"), 0u);
    // Silence has no loudness to correct and no beat or key: none of those fields.
    d.bpm = 0;
    d.key.clear();
    d.loudness_lufs = -INFINITY;
    d.true_peak_dbtp = -INFINITY;
    e.descriptors = d;
    e.inferred.clear();
    EXPECT_TRUE(computed_tag_fields(e).empty());
    e.descriptors.reset();
    EXPECT_TRUE(computed_tag_fields(e).empty());
    d.key = "C major";
    e.descriptors = d;
    EXPECT_EQ(computed_tag_fields(e).at("key"), "C");
}

TEST(write_tags_library, writes_the_analysed_values_and_keeps_the_rest) {
    const fs::path music = test::scratch_dir() / "music", lib = test::scratch_dir() / "lib";
    fs::create_directories(music);
    const fs::path clicks = music / "clicks.flac", chord = music / "chord.mp3";
    ASSERT_EQ(test::run_shell("sox -n -r 44100 " + quoted(clicks) + " synth 0.03 sine 1000 pad 0 0.47 repeat 29").code, 0);
    const fs::path chord_wav = test::scratch_dir() / "chord.wav";
    ASSERT_EQ(test::run_shell("sox -n -r 44100 " + quoted(chord_wav) + " synth 12 sine 220 sine 261.63 sine 329.63 remix -").code, 0);
    ASSERT_EQ(test::run_shell("ffmpeg -nostdin -loglevel error -i " + quoted(chord_wav) +
                              " -metadata title='My chord' -metadata genre=Mine " + quoted(chord))
                  .code,
              0);
    const std::string model = "--model " + quoted(test::golden_dir() / "model");
    const std::string library = " --library " + quoted(lib) + " ";
    const test::cli_result indexed = test::run_cli("index --quiet --analyze" + library + model + " " + quoted(music));
    ASSERT_EQ(indexed.code, 0) << indexed.err;
    const json analysed = json::parse(test::run_cli("analyze --json --no-tags " + quoted(music)).out);
    std::map<std::string, json> want;
    for (const auto& a : analysed) want[a.at("path")] = a;
    const std::string md5_clicks = audio_md5(clicks), md5_chord = audio_md5(chord);

    // A dry run (the default) names every field and writes nothing.
    const std::string before = test::read_file(chord);
    const test::cli_result dry = test::run_cli("write-tags" + library);
    ASSERT_EQ(dry.code, 0) << dry.err;
    EXPECT_NE(dry.out.find("would write 2 of 2 files"), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("TBPM"), std::string::npos) << dry.out;
    EXPECT_EQ(test::read_file(chord), before);

    const test::cli_result applied = test::run_cli("write-tags --apply" + library);
    ASSERT_EQ(applied.code, 0) << applied.err << applied.out;
    const auto c = read_file_tags(clicks);
    EXPECT_EQ(first(c, "BPM"), std::to_string(std::lround(want[clicks.string()].at("bpm").get<double>())));
    EXPECT_EQ(first(c, "BPM"), "120");
    char gain[32];
    std::snprintf(gain, sizeof gain, "%+.2f dB", -18 - want[clicks.string()].at("loudness_lufs").get<double>());
    EXPECT_EQ(first(c, "REPLAYGAIN_TRACK_GAIN"), gain);
    EXPECT_NEAR(std::stod(first(c, "REPLAYGAIN_TRACK_PEAK")),
                std::pow(10, want[clicks.string()].at("true_peak_dbtp").get<double>() / 20), 1e-6);
    EXPECT_FALSE(first(c, "GENRE").empty());  // an inferred genre
    EXPECT_FALSE(first(c, "MOOD").empty());

    const auto m = read_file_tags(chord);
    EXPECT_EQ(first(m, "INITIALKEY"), "Am");
    EXPECT_EQ(first(m, "TITLE"), "My chord");  // the file's own tags are kept
    EXPECT_EQ(first(m, "GENRE"), "Mine");      // kept: --overwrite does not name it
    EXPECT_EQ(audio_md5(clicks), md5_clicks);  // the audio is untouched
    EXPECT_EQ(audio_md5(chord), md5_chord);

    // --fields picks, --overwrite replaces, and a file the library does not hold is reported.
    const test::cli_result genre = test::run_cli("write-tags --apply --fields genre --overwrite genre" + library + quoted(chord));
    ASSERT_EQ(genre.code, 0) << genre.err;
    EXPECT_NE(first(read_file_tags(chord), "GENRE"), "Mine");
    const fs::path stranger = test::scratch_dir() / "stranger.wav";
    fs::copy_file(chord_wav, stranger);
    const test::cli_result unknown = test::run_cli("write-tags" + library + quoted(stranger));
    EXPECT_EQ(unknown.code, 1);
    EXPECT_NE(unknown.err.find("not in the library"), std::string::npos) << unknown.err;
    // No files and no library is a usage error.
    EXPECT_EQ(test::run_cli("write-tags --set bpm=120").code, 2);
}

// A full disk: a tmpfs with room for one file's copy but not the other's, mounted in a mount namespace
// of the command's own (unshare -m), so nothing outlives it. The file that does not fit is reported and
// left exactly as it was, with no copy left behind; the batch goes on and the other file is written.
TEST(write_tags_full_disk, a_file_that_does_not_fit_is_reported_and_the_batch_goes_on) {
    const fs::path src = test::scratch_dir() / "full-src";
    fs::create_directories(src);
    // big: about 420 KB of FLAC (noise does not compress); small: about 40 KB of MP3.
    ASSERT_EQ(test::run_shell("sox -n -r 44100 -c 2 " + quoted(src / "big.flac") + " synth 2.5 whitenoise").code, 0);
    ASSERT_EQ(test::run_shell("ffmpeg -nostdin -v error -f lavfi -i sine=d=2 -b:a 128k " + quoted(src / "small.mp3")).code, 0);
    const uintmax_t big = fs::file_size(src / "big.flac"), small = fs::file_size(src / "small.mp3");
    ASSERT_GT(big, 5 * small);
    // Room for both files and a copy of the small one, not for a copy of the big one.
    const uintmax_t size_kb = (big + 3 * small) / 1024 + 64;
    const fs::path mnt = test::scratch_dir() / "full-disk";
    fs::create_directories(mnt);
    const std::string d = quoted(mnt);
    const std::string script =
        "mount -t tmpfs -o size=" + std::to_string(size_kb) + "k tmpfs " + d + " || exit 77; cp " +
        quoted(src / "big.flac") + " " + quoted(src / "small.mp3") + " " + d + " || exit 78; before=$(md5sum < " + d +
        "/big.flac); " + quoted(test::cli_path()) + " write-tags --set mood=calm --apply " + d + "/big.flac " + d +
        "/small.mp3; echo \"exit=$?\"; after=$(md5sum < " + d + "/big.flac); [ \"$before\" = \"$after\" ] && echo big-unchanged; "
        "ls -A " + d + " | grep -c sonavec-tags | sed 's/^/leftovers=/'; " +
        "ffprobe -v error -show_entries format_tags=mood -of csv=p=0 " + d + "/small.mp3 | sed 's/^/small-mood=/'";
    const test::cli_result r = test::run_shell("unshare -m sh -c " + quoted(fs::path(script)));
    if (r.code == 77 || r.err.find("unshare:") != std::string::npos)
        GTEST_SKIP() << "cannot mount a small tmpfs here (needs root and mount namespaces): " << r.err;
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("exit=1"), std::string::npos) << r.out;        // a failure: exit code 1
    EXPECT_NE(r.err.find("big.flac: I/O"), std::string::npos) << r.err;  // named, with the reason
    EXPECT_NE(r.err.find("No space left"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("big-unchanged"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("leftovers=0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("small-mood=calm"), std::string::npos) << r.out;  // the batch went on
    EXPECT_NE(r.out.find("wrote 1 of 2 files, 1 failed"), std::string::npos) << r.out;
}
