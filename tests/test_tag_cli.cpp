// `sonavec tag` as a user runs it, on a folder of files made with ffmpeg at test time: every file's
// tags are printed, --json parses and agrees with the library's scoring, and exit codes tell bad
// usage (2) from a bad file (1).
#include <nlohmann/json.hpp>
#include <sstream>
#include <gtest/gtest.h>

#include "cli_run.h"
#include "sonavec/tagging.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

std::string model_flag() { return "--model " + test::quoted(test::golden_dir() / "model"); }

// A folder of three short files of different kinds, made once.
const fs::path& audio_folder() {
    static const fs::path dir = [] {
        const fs::path d = test::scratch_dir() / "audio";
        fs::create_directories(d / "sub");
        const std::string ff = "ffmpeg -nostdin -loglevel error -y -f lavfi -i ";
        for (const std::string& cmd : {ff + "'sine=frequency=440:duration=3' " + test::quoted(d / "tone.wav"),
                                       ff + "'anoisesrc=d=2:c=pink' " + test::quoted(d / "noise.flac"),
                                       ff + "'sine=frequency=880:duration=4' -c:a libmp3lame " +
                                           test::quoted(d / "sub" / "high.mp3")}) {
            const auto r = test::run_shell(cmd);
            EXPECT_EQ(r.code, 0) << cmd << "\n" << r.err;
        }
        return d;
    }();
    return dir;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

TEST(tag_cli, prints_every_files_tags_for_every_taxonomy) {
    const auto r = test::run_cli("tag " + model_flag() + " --top 2 " + test::quoted(audio_folder()));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* f : {"tone.wav", "noise.flac", "sub/high.mp3"})
        EXPECT_NE(r.out.find((audio_folder() / f).string() + "\n"), std::string::npos) << f << "\n" << r.out;
    for (const char* t : {"  genre ", "  mood ", "  instrument ", "  vocals ", "  usecase "}) {
        size_t n = 0;
        for (size_t at = r.out.find(t); at != std::string::npos; at = r.out.find(t, at + 1)) n++;
        EXPECT_EQ(n, 3u) << t << "\n" << r.out;
    }
}

TEST(tag_cli, json_agrees_with_the_library_scoring) {
    const fs::path labels = test::scratch_dir() / "weather.txt";
    test::write_file(labels, "# my labels\nthunder\nrain\nbirdsong\nengine hum\n");
    const auto r = test::run_cli("tag " + model_flag() + " --json --top 4 --template '{}' --taxonomy sfx," +
                                 test::quoted(labels) + " " + test::quoted(audio_folder() / "tone.wav"));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 1u);
    const auto& j = lines[0];
    EXPECT_EQ(j["path"], (audio_folder() / "tone.wav").string());
    EXPECT_NEAR(j["duration_seconds"].get<double>(), 3.0, 0.05);
    ASSERT_EQ(j["tags"]["sfx"].size(), 4u);
    ASSERT_EQ(j["tags"]["weather"].size(), 4u);

    // The same numbers from the public API: embed the file, score it with the labels used as they are.
    engine_params p = engine_default_params();
    p.model_dir = test::golden_dir() / "model";
    auto eng = engine::open(p);
    const label_set set = prepare_labels(*eng, with_templates(load_taxonomy(labels), {"{}"}), false);
    const tagged_track t = tag_track(*eng, audio_folder() / "tone.wav", {set}, {}, tag_params{4, false, {}});
    double sum = 0;
    for (size_t i = 0; i < 4; i++) {
        EXPECT_EQ(j["tags"]["weather"][i]["label"], t.tags[0].tags[i].label);
        EXPECT_NEAR(j["tags"]["weather"][i]["probability"].get<double>(), t.tags[0].tags[i].probability, 1e-6);
        sum += j["tags"]["weather"][i]["probability"].get<double>();
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);  // all four labels: the whole distribution
}

TEST(tag_cli, multi_label_json_lists_are_bounded_by_the_rule) {
    const auto r = test::run_cli("tag " + model_flag() + " --json --multi --taxonomy mood,vocals " +
                                 test::quoted(audio_folder()));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = json_lines(r.out);
    ASSERT_EQ(lines.size(), 3u);
    for (const auto& j : lines) {
        const size_t moods = builtin_taxonomy("mood").labels.size();
        for (const auto& g : j["tags"]["mood"]) EXPECT_GE(g["probability"].get<double>(), 2.0 / moods - 1e-7);
        EXPECT_LE(j["tags"]["mood"].size(), 10u);
    }
}

TEST(tag_cli, a_bad_file_is_reported_and_the_others_are_still_tagged) {
    const fs::path dir = test::scratch_dir() / "mixed";
    fs::create_directories(dir);
    fs::copy_file(audio_folder() / "tone.wav", dir / "good.wav", fs::copy_options::overwrite_existing);
    test::write_file(dir / "broken.mp3", "this is not audio");
    const auto r = test::run_cli("tag " + model_flag() + " --taxonomy genre " + test::quoted(dir));
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.out.find((dir / "good.wav").string()), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("broken.mp3"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("broken.mp3"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1 of 2 files failed"), std::string::npos) << r.err;
}

TEST(tag_cli, bad_usage_exits_2_with_a_clear_message) {
    const std::string file = test::quoted(audio_folder() / "tone.wav");
    struct bad_case {
        std::string args, message;
    };
    const fs::path empty = test::scratch_dir() / "empty.txt";
    test::write_file(empty, "# nothing here\n");
    const fs::path binary = test::scratch_dir() / "binary.txt";
    test::write_file(binary, std::string("\x7f" "ELF\x02\x01\x01\x00\x00", 9));
    for (const bad_case& c : std::vector<bad_case>{
             {"--taxonomy colours", "no built-in taxonomy 'colours' (there are: genre"},
             {"--template 'no label here'", "has no {}"},
             {"--top 0", "--top expects 1 to 1000"},
             {"--taxonomy genre,genre", "names 'genre' twice"},
             {"--taxonomy " + test::quoted(empty), "no labels"},
             {"--taxonomy " + test::quoted(binary), "not a text file of labels"}}) {
        const auto r = test::run_cli("tag " + model_flag() + " " + c.args + " " + file);
        EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
        EXPECT_NE(r.err.find("usage: sonavec tag"), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    const auto missing = test::run_cli("tag " + model_flag() + " --taxonomy /no/such/labels.txt " + file);
    EXPECT_EQ(missing.code, 1) << missing.err;
    EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

TEST(tag_cli, help_has_an_example) {
    const auto r = test::run_cli("tag --help");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("sonavec tag --taxonomy genre,mood"), std::string::npos) << r.out;
}
