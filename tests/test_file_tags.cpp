// Writing tags back into audio files (sonavec/file_tags.h, sonavec write-tags): for every format, files
// made with ffmpeg at test time with title, artist and a genre already set. After a write the decoded
// samples (ffmpeg, native rate and channels) are identical, the other tags are still there, the new
// ones read back through TagLib and through ffprobe, and an existing tag is kept unless overwritten.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <random>
#include <string>

#include "cli_run.h"
#include "test_data.h"
#include "sonavec/error.h"
#include "sonavec/file_tags.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

const std::vector<std::string> formats = {"mp3", "flac", "ogg", "opus", "m4a", "aiff", "wav"};

std::string codec_args(const std::string& ext) {
    if (ext == "ogg") return "-c:a libvorbis";
    if (ext == "opus") return "-c:a libopus";
    if (ext == "m4a") return "-c:a aac";
    if (ext == "aiff") return "-write_id3v2 1";  // an ID3 chunk, so the existing genre is in it
    return "";
}

// A stereo file with title, artist and genre, `seconds` long.
fs::path make_audio(const std::string& name, const std::string& ext, double seconds = 2) {
    const fs::path path = test::scratch_dir() / (name + "." + ext);
    fs::remove(path);
    const auto r = test::run_shell("ffmpeg -v error -f lavfi -i 'sine=f=440:d=" + std::to_string(seconds) +
                                   "' -f lavfi -i 'sine=f=660:d=" + std::to_string(seconds) +
                                   "' -filter_complex amerge -ac 2 " + codec_args(ext) +
                                   " -metadata title='Night Walk' -metadata artist='The Band' -metadata genre=Rock " +
                                   test::quoted(path));
    if (r.code != 0) throw std::runtime_error("ffmpeg: " + r.err);
    return path;
}

// Every sample as ffmpeg decodes it, at the file's own rate and channels.
std::string decoded(const fs::path& path) {
    const auto r = test::run_shell("ffmpeg -v error -i " + test::quoted(path) + " -map 0:a -f f32le -");
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
}

// ffprobe's tags (format and stream), keys lower-cased.
std::map<std::string, std::string> ffprobe_tags(const fs::path& path) {
    const auto r = test::run_shell("ffprobe -v error -show_entries format_tags:stream_tags -of default=nw=1 " + test::quoted(path));
    EXPECT_EQ(r.code, 0) << r.err;
    std::map<std::string, std::string> out;
    size_t start = 0;
    while (start < r.out.size()) {
        size_t end = r.out.find('\n', start);
        if (end == std::string::npos) end = r.out.size();
        const std::string line = r.out.substr(start, end - start);
        start = end + 1;
        if (line.rfind("TAG:", 0) != 0) continue;
        const size_t eq = line.find('=');
        std::string key = line.substr(4, eq - 4);
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out[key] = line.substr(eq + 1);
    }
    return out;
}

std::string first(const std::map<std::string, std::vector<std::string>>& tags, const std::string& key) {
    const auto it = tags.find(key);
    return it == tags.end() || it->second.empty() ? "" : it->second.front();
}

const tag_fields computed = {{"bpm", "124"},
                             {"key", "Am"},
                             {"genre", "Ambient"},
                             {"mood", "calm"},
                             {"replaygain_track_gain", "-6.50 dB"},
                             {"replaygain_track_peak", "0.891251"}};

class every_format : public testing::TestWithParam<std::string> {};

TEST_P(every_format, writes_new_tags_keeps_the_rest_and_the_audio) {
    const std::string ext = GetParam();
    const fs::path path = make_audio("every_" + ext, ext);
    const std::string pcm_before = decoded(path);
    ASSERT_GT(pcm_before.size(), 100000u);

    const tag_plan dry = plan_tag_write(path, computed, {});
    EXPECT_TRUE(dry.changes_file());
    for (const auto& c : dry.changes)
        if (c.field == "genre") {
            EXPECT_EQ(c.action, tag_action::keep) << ext;
            EXPECT_EQ(c.old_value, "Rock") << ext;
        } else {
            EXPECT_EQ(c.action, tag_action::add) << ext << " " << c.field;
        }

    const tag_plan done = apply_tag_write(path, computed, {});
    EXPECT_TRUE(done.written);
    EXPECT_EQ(decoded(path), pcm_before) << ext << ": the audio changed";

    const auto tags = read_file_tags(path);  // TagLib
    EXPECT_EQ(first(tags, "TITLE"), "Night Walk") << ext;
    EXPECT_EQ(first(tags, "ARTIST"), "The Band") << ext;
    EXPECT_EQ(first(tags, "GENRE"), "Rock") << ext << ": an existing genre must be kept";
    EXPECT_EQ(first(tags, "BPM"), "124") << ext;
    EXPECT_EQ(first(tags, "INITIALKEY"), "Am") << ext;
    EXPECT_EQ(first(tags, "MOOD"), "calm") << ext;
    EXPECT_EQ(first(tags, "REPLAYGAIN_TRACK_GAIN"), "-6.50 dB") << ext;
    EXPECT_EQ(first(tags, "REPLAYGAIN_TRACK_PEAK"), "0.891251") << ext;

    auto probed = ffprobe_tags(path);  // an independent reader
    EXPECT_EQ(probed["title"], "Night Walk") << ext;
    EXPECT_EQ(probed["artist"], "The Band") << ext;
    EXPECT_EQ(probed["genre"], "Rock") << ext;
    // ffprobe ignores a WAV's ID3 chunk when it has an INFO list, and does not read MP4's tmpo.
    if (ext != "wav") {
        EXPECT_EQ(probed["mood"], "calm") << ext;
        EXPECT_EQ(probed["replaygain_track_gain"], "-6.50 dB") << ext;
        EXPECT_EQ(probed[ext == "m4a" ? "initialkey" : (ext == "mp3" || ext == "aiff") ? "tkey" : "initialkey"], "Am") << ext;
        if (ext != "m4a") {
            EXPECT_EQ(probed[(ext == "mp3" || ext == "aiff") ? "tbpm" : "bpm"], "124") << ext;
        }
    }

    // Overwrite names genre: replaced; the rest already there.
    tag_write_options overwrite;
    overwrite.overwrite = {"genre"};
    const tag_plan again = apply_tag_write(path, computed, overwrite);
    for (const auto& c : again.changes) EXPECT_EQ(c.action, c.field == "genre" ? tag_action::replace : tag_action::same) << ext << " " << c.field;
    EXPECT_EQ(first(read_file_tags(path), "GENRE"), "Ambient") << ext;
    if (ext != "wav") {
        EXPECT_EQ(ffprobe_tags(path)["genre"], "Ambient") << ext;
    }
    EXPECT_EQ(first(read_file_tags(path), "TITLE"), "Night Walk") << ext;
    EXPECT_EQ(decoded(path), pcm_before) << ext;
}

INSTANTIATE_TEST_SUITE_P(formats, every_format, testing::ValuesIn(formats));

TEST(file_tags, free_form_fields_and_mode_are_kept) {
    const fs::path path = make_audio("freeform", "flac");
    fs::permissions(path, fs::perms(0640));
    apply_tag_write(path, {{"sonavec_cluster", "7"}}, {});
    EXPECT_EQ(first(read_file_tags(path), "SONAVEC_CLUSTER"), "7");
    EXPECT_EQ(ffprobe_tags(path)["sonavec_cluster"], "7");
    EXPECT_EQ(static_cast<int>(fs::status(path).permissions() & fs::perms::all), 0640);
}

TEST(file_tags, bad_field_names_and_values_are_invalid_input) {
    const fs::path path = make_audio("badvalues", "mp3");
    for (const tag_fields& f : std::vector<tag_fields>{{{"bpm", "fast"}}, {{"bpm", "-3"}}, {{"ge=nre", "x"}}, {{"mood", ""}}, {{"mood", "a\nb"}}}) {
        try {
            plan_tag_write(path, f, {});
            ADD_FAILURE() << f.begin()->first << "=" << f.begin()->second << " accepted";
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
        }
    }
}

TEST(write_tags_cli, dry_run_changes_nothing) {
    const fs::path path = make_audio("dryrun", "mp3");
    const std::string before = test::read_file(path);
    const auto mtime = fs::last_write_time(path);
    const auto r = test::run_cli("write-tags --set bpm=120 --set genre=House " + test::quoted(path));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("kept: Rock"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(none) -> 120"), std::string::npos) << r.out;
    EXPECT_EQ(test::read_file(path), before);
    EXPECT_EQ(fs::last_write_time(path), mtime);
}

TEST(write_tags_cli, read_only_file_is_reported_and_the_batch_goes_on) {
    const fs::path dir = test::scratch_dir() / "readonly_batch";
    fs::create_directories(dir);
    const fs::path locked = make_audio("readonly_batch/a_locked", "flac");
    const fs::path open = make_audio("readonly_batch/b_open", "ogg");
    test::give_to_unprivileged_user(dir);
    fs::permissions(locked, fs::perms(0444));
    const std::string before = test::read_file(locked);
    const auto r = test::run_cli_unprivileged("write-tags --set mood=dark --apply " + test::quoted(dir));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_file(locked), before);
    EXPECT_EQ(first(read_file_tags(open), "MOOD"), "dark");
}

TEST(write_tags_cli, from_json_and_fields) {
    const fs::path path = make_audio("fromjson", "m4a");
    const fs::path json = test::scratch_dir() / "values.json";
    test::write_file(json, "{\"" + path.string() + "\": {\"bpm\": 98, \"mood\": \"dark\", \"key\": \"C\"}}");
    const auto r = test::run_cli("write-tags --from-json " + test::quoted(json) + " --fields bpm,mood --apply " + test::quoted(path));
    EXPECT_EQ(r.code, 0) << r.err;
    const auto tags = read_file_tags(path);
    EXPECT_EQ(first(tags, "BPM"), "98");
    EXPECT_EQ(first(tags, "MOOD"), "dark");
    EXPECT_EQ(first(tags, "INITIALKEY"), "") << "--fields leaves key out";
}

// Killed at each step of a write: the file is the original byte for byte, or fully written with the
// original's audio; the next run removes the dead run's copy.
TEST(write_tags_cli, kill_at_every_step_loses_nothing) {
    for (const std::string ext : {"flac", "mp3", "m4a"}) {
        for (const std::string step : {"after_copy", "after_write", "after_verify", "before_rename", "after_rename"}) {
            const fs::path path = make_audio("crash_" + ext, ext);
            const std::string before = test::read_file(path), pcm = decoded(path);
            const auto r = test::run_shell("SONAVEC_WRITE_TAGS_CRASH_AT=" + step + " " + test::quoted(test::cli_path()) +
                                           " write-tags --set bpm=99 --apply " + test::quoted(path));
            EXPECT_NE(r.code, 0) << step << ": the crash hook did not fire";
            const bool renamed = step == "after_rename";
            if (renamed) {
                EXPECT_EQ(first(read_file_tags(path), "BPM"), "99") << ext << " " << step;
                EXPECT_EQ(decoded(path), pcm) << ext << " " << step;
            } else {
                EXPECT_EQ(test::read_file(path), before) << ext << " " << step;
            }
            size_t stale = 0;
            for (const auto& e : fs::directory_iterator(test::scratch_dir()))
                if (e.path().filename().string().find(".sonavec-tags-") != std::string::npos) ++stale;
            EXPECT_EQ(stale, renamed ? 0u : 1u) << ext << " " << step;
            const auto again = test::run_cli("write-tags --set bpm=99 --apply " + test::quoted(path));
            EXPECT_EQ(again.code, 0) << again.err;
            for (const auto& e : fs::directory_iterator(test::scratch_dir()))
                EXPECT_EQ(e.path().filename().string().find(".sonavec-tags-"), std::string::npos) << "left: " << e.path();
            EXPECT_EQ(decoded(path), pcm);
        }
    }
}

// SIGKILL at random moments of a write of a longer file.
TEST(write_tags_cli, sigkill_at_random_moments_loses_nothing) {
    std::mt19937 rng(12);
    const fs::path path = make_audio("sigkill", "flac", 120);
    const std::string pcm = decoded(path);
    std::string current = test::read_file(path);
    for (int round = 0; round < 12; ++round) {
        const int delay_ms = std::uniform_int_distribution<int>(1, 120)(rng);
        const std::string value = std::to_string(60 + round);
        test::run_shell("timeout -s KILL " + std::to_string(delay_ms / 1000.0) + " " + test::quoted(test::cli_path()) +
                        " write-tags --set bpm=" + value + " --overwrite bpm --apply " + test::quoted(path));
        const std::string now = test::read_file(path);
        if (now != current) {
            EXPECT_EQ(first(read_file_tags(path), "BPM"), value) << "round " << round << ": neither old nor fully written";
            current = now;
        }
        EXPECT_EQ(decoded(path), pcm) << "round " << round;
    }
}

TEST(write_tags_cli, corrupt_inputs_are_clear_errors) {
    const fs::path dir = test::scratch_dir() / "corrupt";
    fs::create_directories(dir);
    test::write_file(dir / "empty.mp3", "");
    test::write_file(dir / "garbage.flac", std::string(5000, 'x'));
    const std::string mp3 = test::read_file(make_audio("whole", "mp3"));
    test::write_file(dir / "truncated.mp3", mp3.substr(0, 200));
    test::write_file(dir / "notes.txt.wav", "RIFF\x10\0\0\0WAVEfmt ");
    const auto r = test::run_cli("write-tags --set bpm=120 --apply " + test::quoted(dir));
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("empty.mp3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("garbage.flac"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("notes.txt.wav"), std::string::npos) << r.err;
    EXPECT_EQ(test::read_file(dir / "garbage.flac"), std::string(5000, 'x'));
}

// Mutated files fed to the tag reader and planner: sonavec::error or a result, never a crash.
TEST(file_tags, mutated_files_never_crash_the_reader) {
    std::mt19937 rng(7);
    for (const auto& ext : formats) {
        const std::string original = test::read_file(make_audio("fuzz_src_" + ext, ext, 1));
        const fs::path path = test::scratch_dir() / ("fuzz." + ext);
        for (int i = 0; i < 60; ++i) {
            std::string bytes = original;
            const int edits = std::uniform_int_distribution<int>(1, 16)(rng);
            // Mostly the first 4 KiB, where the headers and tags are.
            for (int e = 0; e < edits; ++e) {
                const size_t limit = std::min<size_t>(bytes.size(), i % 3 ? 4096 : bytes.size());
                bytes[std::uniform_int_distribution<size_t>(0, limit - 1)(rng)] = static_cast<char>(rng());
            }
            if (i % 7 == 0) bytes.resize(std::uniform_int_distribution<size_t>(0, bytes.size())(rng));
            test::write_file(path, bytes);
            try {
                read_file_tags(path);
                plan_tag_write(path, computed, {});
            } catch (const error&) {
            }
        }
    }
}

}  // namespace
