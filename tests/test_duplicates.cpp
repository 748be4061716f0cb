// library::duplicates (sonavec/duplicates.h) on planted libraries. Tiers 1 and 2 on files made at test
// time: music-like signals (tests/support/music_signal.h), byte copies, ffmpeg re-encodes (mp3 128k and
// 320k, aac, flac), gain, resampling and trims, and a sox pitch shift that must not count as the same
// recording; distinct seeds of the one generator must never be grouped. Tier 3 on imported vectors with
// planted neighbours (its threshold cannot be calibrated without the real weights), including a chain
// a~b~c whose ends differ, which the keeper rule must not join. Then the CLI's faces of it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "library_fixtures.h"
#include "music_signal.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "test_data.h"

namespace fs = std::filesystem;
using namespace sonavec;
using json = nlohmann::json;

namespace {

using test::have_tool;

void shell(const std::string& cmd) {
    const auto r = test::run_shell(cmd);
    ASSERT_EQ(r.code, 0) << cmd << "\n" << r.err;
}

// name -> the seed it is a copy of (or a variant of, for the pitch shift).
struct planted_files {
    fs::path dir, music;
    std::map<std::string, uint32_t> seed_of;  // file name -> seed
};

const planted_files& planted() {
    static const planted_files p = [] {
        planted_files p;
        p.dir = test::scratch_dir() / "files";
        p.music = p.dir / "music";
        fs::create_directories(p.music);
        const auto orig = [&](uint32_t seed) {
            const std::string name = "orig" + std::to_string(seed) + ".wav";
            test::write_stereo_wav(p.music / name, test::music_signal(seed, 20, 48000), 48000);
            p.seed_of[name] = seed;
            return p.music / name;
        };
        const auto ff = [&](const fs::path& in, uint32_t seed, const std::string& name, const std::string& args) {
            shell("ffmpeg -v error -y -i " + test::quoted(in) + " " + args + " " + test::quoted(p.music / name));
            p.seed_of[name] = seed;
        };
        const fs::path a = orig(31);
        fs::copy_file(a, p.music / "copy31.wav");  // identical bytes
        p.seed_of["copy31.wav"] = 31;
        ff(a, 31, "31_128.mp3", "-c:a libmp3lame -b:a 128k");
        ff(a, 31, "31.flac", "-c:a flac");
        ff(a, 31, "31_trim_start.wav", "-ss 1");
        ff(a, 31, "31_plus6.wav", "-af volume=6dB");
        ff(a, 31, "31_44k.wav", "-ar 44100");
        const fs::path b = orig(32);
        ff(b, 32, "32.m4a", "-c:a aac -b:a 192k");
        ff(b, 32, "32_320.mp3", "-c:a libmp3lame -b:a 320k");
        ff(b, 32, "32_trim_end.wav", "-t 19 -af volume=-6dB");
        const fs::path c = orig(33);
        shell("sox " + test::quoted(c) + " " + test::quoted(p.music / "33_pitch.wav") + " pitch 100");
        p.seed_of["33_pitch.wav"] = 33;
        for (uint32_t other : {34u, 35u, 36u}) orig(other);  // distinct tracks, same generator
        return p;
    }();
    return p;
}

class duplicates_files_test : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_tool("ffmpeg") || !have_tool("sox")) GTEST_SKIP() << "ffmpeg and sox are needed";
        lib_dir_ = test::scratch_dir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::remove_all(lib_dir_);
    }
    index_report index(bool fingerprints) {
        index_params ip;
        ip.fingerprints = fingerprints;
        ip.threads = 2;
        return library::open(lib_dir_)->index({planted().music}, *engine_, ip);
    }
    static std::string name(const duplicate_member& m) { return fs::path(m.path).filename().string(); }
    static std::set<std::string> names(const duplicate_group& g) {
        std::set<std::string> out;
        for (const auto& m : g.members) out.insert(name(m));
        return out;
    }
    fs::path lib_dir_;
    std::unique_ptr<engine> engine_ = test::golden_engine(2);
};

}  // namespace

TEST_F(duplicates_files_test, tiers_one_and_two_find_every_planted_copy_and_nothing_else) {
    const index_report ir = index(true);
    ASSERT_TRUE(ir.complete());
    EXPECT_EQ(ir.fingerprinted, planted().seed_of.size());
    const auto lib = library::open(lib_dir_, library::open_mode::read_only);
    duplicate_params p;
    p.tiers = {duplicate_tier::identical, duplicate_tier::same_recording};
    const duplicate_report r = lib->duplicates(p);
    EXPECT_EQ(r.tracks, planted().seed_of.size());
    EXPECT_EQ(r.without_fingerprint, 0u);
    for (const auto& g : r.groups) {
        std::printf("%s:", duplicate_tier_name(g.tier));
        for (const auto& m : g.members) std::printf(" %s (%.3f, %+.2f s)", name(m).c_str(), m.score, m.offset_seconds);
        std::printf("\n");
    }
    // No group ever mixes two recordings.
    for (const auto& g : r.groups) {
        std::set<uint32_t> seeds;
        for (const auto& m : g.members) seeds.insert(planted().seed_of.at(name(m)));
        EXPECT_EQ(seeds.size(), 1u) << duplicate_tier_name(g.tier);
    }
    ASSERT_EQ(r.groups.size(), 3u);
    // Tier 1: the byte copy, the lower id kept (same bytes: nothing else to choose by).
    EXPECT_EQ(r.groups[0].tier, duplicate_tier::identical);
    EXPECT_EQ(names(r.groups[0]), (std::set<std::string>{"orig31.wav", "copy31.wav"}));
    EXPECT_EQ(r.groups[0].members[1].score, 1.0);
    const std::string kept31 = name(r.groups[0].members[0]);
    // Tier 2: every re-encode with one copy of the identical pair; a lossless full-length copy kept.
    std::map<std::string, const duplicate_group*> by_seed;
    for (const auto& g : r.groups)
        if (g.tier == duplicate_tier::same_recording) by_seed[std::to_string(planted().seed_of.at(name(g.members[0])))] = &g;
    ASSERT_EQ(by_seed.size(), 2u);
    const duplicate_group& g31 = *by_seed.at("31");
    EXPECT_EQ(names(g31), (std::set<std::string>{kept31 == "orig31.wav" ? "orig31.wav" : "copy31.wav", "31_128.mp3",
                                                 "31.flac", "31_trim_start.wav", "31_plus6.wav", "31_44k.wav"}));
    const duplicate_member& keep31 = g31.members[0];
    EXPECT_TRUE(keep31.lossless);
    EXPECT_NEAR(keep31.duration_seconds, 20, 0.05);
    EXPECT_GE(keep31.bitrate, 1'400'000);  // a 48 kHz (or 44.1 kHz) 16-bit stereo WAV, not the flac or mp3
    for (const auto& m : g31.members) {
        EXPECT_GE(m.score, same_recording_similarity) << name(m);
        // The trimmed copy starts 1 s into the kept one; the others line up.
        EXPECT_NEAR(m.offset_seconds, name(m) == "31_trim_start.wav" ? 1.0 : 0.0, 0.15) << name(m);
    }
    const duplicate_group& g32 = *by_seed.at("32");
    EXPECT_EQ(names(g32), (std::set<std::string>{"orig32.wav", "32.m4a", "32_320.mp3", "32_trim_end.wav"}));
    EXPECT_EQ(name(g32.members[0]), "orig32.wav");
    EXPECT_FALSE(g32.members[1].lossless && name(g32.members[1]) != "32_trim_end.wav");
    // The pitch-shifted copy is not the same recording.
    for (const auto& g : r.groups) EXPECT_EQ(names(g).count("33_pitch.wav"), 0u);
}

TEST_F(duplicates_files_test, a_library_indexed_without_fingerprints_gets_them_from_the_next_index_run) {
    ASSERT_TRUE(index(false).complete());
    {
        const auto lib = library::open(lib_dir_, library::open_mode::read_only);
        duplicate_params p;
        p.tiers = {duplicate_tier::same_recording};
        const duplicate_report r = lib->duplicates(p);
        EXPECT_EQ(r.without_fingerprint, planted().seed_of.size());
        EXPECT_TRUE(r.groups.empty());
        EXPECT_EQ(lib->stats().counts.fingerprinted, 0u);
    }
    const index_report again = index(true);
    EXPECT_EQ(again.embedded, 0u);  // nothing changed: only the fingerprints are computed
    EXPECT_EQ(again.fingerprinted, planted().seed_of.size());
    const auto lib = library::open(lib_dir_, library::open_mode::read_only);
    EXPECT_EQ(lib->stats().counts.fingerprinted, planted().seed_of.size());
    duplicate_params p;
    p.tiers = {duplicate_tier::same_recording};
    const duplicate_report r = lib->duplicates(p);
    EXPECT_EQ(r.without_fingerprint, 0u);
    EXPECT_EQ(r.groups.size(), 2u);  // 31's and 32's (with tier 1 off, the byte copy is in 31's)
    EXPECT_EQ(index(true).fingerprinted, 0u);  // and a third run has none left to compute
}

TEST_F(duplicates_files_test, the_command_prints_json_csv_and_playlists_and_refuses_bad_options) {
    ASSERT_TRUE(index(true).complete());
    const std::string lib = "--library " + test::quoted(lib_dir_);
    const auto j = test::run_cli("duplicates " + lib + " --tier 1,2 --json");
    ASSERT_EQ(j.code, 0) << j.err;
    const json doc = json::parse(j.out);
    ASSERT_EQ(doc["groups"].size(), 3u);
    EXPECT_EQ(doc["groups"][0]["tier"], "identical");
    EXPECT_TRUE(doc["groups"][0]["members"][0]["keep"].get<bool>());
    EXPECT_FALSE(doc["groups"][0]["members"][1]["keep"].get<bool>());
    const auto csv = test::run_cli("duplicates " + lib + " --tier same-recording --csv");
    ASSERT_EQ(csv.code, 0) << csv.err;
    EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
              "group,tier,keep,id,path,score,offset_seconds,format,lossless,bitrate,duration_seconds,size_bytes");
    EXPECT_NE(csv.out.find(",same-recording,1,"), std::string::npos);
    const fs::path review = test::scratch_dir() / "review";
    const auto m3u = test::run_cli("duplicates " + lib + " --tier identical --m3u " + test::quoted(review));
    ASSERT_EQ(m3u.code, 0) << m3u.err;
    const std::string playlist = test::read_file(review / "0001-identical.m3u8");
    EXPECT_EQ(playlist.rfind("#EXTM3U\n", 0), 0u);
    EXPECT_NE(playlist.find("orig31.wav"), std::string::npos);
    EXPECT_NE(playlist.find("copy31.wav"), std::string::npos);
    // Every file is still there: the command reports, it never deletes.
    for (const auto& [file, seed] : planted().seed_of) EXPECT_TRUE(fs::exists(planted().music / file)) << file;
    for (const std::string bad : {"--tier 4", "--tier same", "--min-cosine 1.5", "--json --csv", "--threads -1"}) {
        const auto r = test::run_cli("duplicates " + lib + " " + bad);
        EXPECT_EQ(r.code, 2) << bad << "\n" << r.err;
        EXPECT_FALSE(r.err.empty()) << bad;
    }
}

// --- Tier 3 on imported vectors ---

namespace {

constexpr int dim = 64;

std::vector<float> blend(const std::vector<float>& a, const std::vector<float>& b, double t) {
    std::vector<float> v(a.size());
    for (size_t i = 0; i < a.size(); i++) v[i] = static_cast<float>(std::cos(t) * a[i] + std::sin(t) * b[i]);
    test::normalise(v);
    return v;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); i++) d += static_cast<double>(a[i]) * b[i];
    return d;
}

}  // namespace

TEST(duplicates_similar_tier, planted_neighbours_are_grouped_gated_by_duration_and_chains_are_not_joined) {
    const fs::path dir = test::scratch_dir() / "similar";
    fs::remove_all(dir);
    std::string jsonl;
    std::map<std::string, std::vector<float>> vec;
    const auto add = [&](const std::string& path, const std::vector<float>& v, double seconds) {
        vec[path] = v;
        json rec{{"path", path}, {"model", "m"}, {"embedding", v}, {"duration_seconds", seconds}};
        jsonl += rec.dump() + "\n";
    };
    const std::vector<float> base = test::random_unit_vector(1, dim);
    // A variant family: cosines ~0.98 with base.
    add("/v/base.wav", base, 30);
    add("/v/near1.wav", blend(base, test::random_unit_vector(2, dim), 0.2), 28);
    add("/v/near2.wav", blend(base, test::random_unit_vector(3, dim), 0.2), 33);
    add("/v/short.wav", blend(base, test::random_unit_vector(4, dim), 0.1), 5);  // close, but 1/6 of the length
    // A chain: x~y and y~z above the threshold, x and z far below it.
    const std::vector<float> x = test::random_unit_vector(10, dim), z0 = test::random_unit_vector(11, dim);
    const std::vector<float> y = blend(x, z0, 0.35), z = blend(x, z0, 0.7);
    add("/c/x.wav", x, 10);
    add("/c/y.wav", y, 10);
    add("/c/z.wav", z, 10);
    for (uint32_t i = 0; i < 40; i++) add("/r/" + std::to_string(i) + ".wav", test::random_unit_vector(100 + i, dim), 20);
    ASSERT_GT(cosine(x, y), 0.92);
    ASSERT_GT(cosine(y, z), 0.92);
    ASSERT_LT(cosine(x, z), 0.92);
    const fs::path file = test::scratch_dir() / "similar.jsonl";
    test::write_file(file, jsonl);
    library::open(dir)->import_from(file, import_options{});
    const auto lib = library::open(dir, library::open_mode::read_only);

    duplicate_params p;
    p.tiers = {duplicate_tier::similar};
    const duplicate_report r = lib->duplicates(p);
    std::vector<std::set<std::string>> groups;
    for (const auto& g : r.groups) {
        EXPECT_EQ(g.tier, duplicate_tier::similar);
        std::set<std::string> s;
        for (const auto& m : g.members) {
            s.insert(m.path);
            if (m.path != g.members[0].path) {
                EXPECT_NEAR(m.score, cosine(vec.at(g.members[0].path), vec.at(m.path)), 1e-5);
            }
        }
        groups.push_back(s);
    }
    // The family without the short one; of the chain, one pair at most (never x with z).
    ASSERT_GE(groups.size(), 1u);
    EXPECT_TRUE(std::count(groups.begin(), groups.end(), std::set<std::string>{"/v/base.wav", "/v/near1.wav", "/v/near2.wav"}) == 1);
    for (const auto& g : groups) {
        EXPECT_FALSE(g.count("/c/x.wav") && g.count("/c/z.wav"));
        EXPECT_EQ(g.count("/v/short.wav"), 0u);
        for (const auto& path : g) EXPECT_NE(path.rfind("/r/", 0), 0u) << path;
    }
    EXPECT_EQ(groups.size(), 2u);  // the family and one pair of the chain
    // Without the duration gate the short one joins its family.
    p.min_duration_ratio = 0;
    bool joined = false;
    for (const auto& g : lib->duplicates(p).groups)
        for (const auto& m : g.members) joined = joined || m.path == "/v/short.wav";
    EXPECT_TRUE(joined);
    // A threshold above every planted cosine leaves nothing.
    p.similar_cosine = 0.9999;
    EXPECT_TRUE(lib->duplicates(p).groups.empty());
    // Bad parameters are refused before anything is read.
    p = duplicate_params{};
    p.similar_cosine = 0;
    EXPECT_THROW(lib->duplicates(p), error);
    p = duplicate_params{};
    p.tiers.clear();
    EXPECT_THROW(lib->duplicates(p), error);
    EXPECT_THROW(parse_duplicate_tier("4"), error);
    EXPECT_EQ(parse_duplicate_tier("2"), duplicate_tier::same_recording);
    EXPECT_EQ(parse_duplicate_tier("similar"), duplicate_tier::similar);
}

TEST(duplicates_keeper, lossless_then_bitrate_then_length) {
    EXPECT_TRUE(lossless_format("flac"));
    EXPECT_TRUE(lossless_format("wav"));
    EXPECT_TRUE(lossless_format("aiff"));
    EXPECT_FALSE(lossless_format("mp3"));
    EXPECT_FALSE(lossless_format("mov,mp4,m4a,3gp,3g2,mj2"));  // aac or alac: the container does not say
    EXPECT_FALSE(lossless_format(""));
    const auto member = [](int64_t id, const char* format, double seconds, int64_t bitrate, bool lossless) {
        duplicate_member m;
        m.id = id;
        m.format = format;
        m.duration_seconds = seconds;
        m.bitrate = bitrate;
        m.lossless = lossless;
        return m;
    };
    const duplicate_member flac = member(9, "flac", 20, 900'000, true), mp3 = member(1, "mp3", 20, 320'000, false);
    duplicate_member wav = flac;
    wav.id = 10;
    wav.bitrate = 1'536'000;
    duplicate_member wav_trimmed = wav;
    wav_trimmed.id = 2;
    wav_trimmed.duration_seconds = 19;
    wav_trimmed.bitrate = 1'536'100;  // a header over fewer seconds: within 5 %
    duplicate_member mp3_hi = mp3;
    mp3_hi.id = 3;
    mp3_hi.bitrate = 128'000;
    std::vector<duplicate_member> all = {mp3_hi, wav_trimmed, mp3, flac, wav};
    std::sort(all.begin(), all.end(), keep_before);
    std::vector<int64_t> order;
    for (const auto& m : all) order.push_back(m.id);
    EXPECT_EQ(order, (std::vector<int64_t>{10, 2, 9, 1, 3}));
}
