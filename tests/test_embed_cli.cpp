// `sonavec embed` as a user runs it: reference vectors from files made with sox and ffmpeg, every common
// format, the three output formats, bad files in a batch, usage errors, and thread-count independence.
#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "sonavec/precision.h"
#include "cli_run.h"
#include "test_data.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using result = test::cli_result;
using test::quoted;

const fs::path& work_dir() { return test::scratch_dir(); }
std::string read_all(const fs::path& p) { return test::read_file(p); }
void write_bytes(const fs::path& p, const std::string& bytes) { test::write_file(p, bytes); }
result run(const std::string& args) { return test::run_cli(args); }

std::string model_flag() { return "--model " + quoted(test::golden_dir() / "model"); }

// Runs a signal-making tool (ffmpeg or sox); the test cannot go on without its file.
void make_file(const std::string& cmd) {
    const int status = std::system((cmd + " >/dev/null 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
}

void ffmpeg(const std::string& args) { make_file("ffmpeg -nostdin -hide_banner -loglevel error -y " + args); }

// The golden case's waveform as a 48 kHz mono float WAV, made by sox from the raw samples.
fs::path golden_wav(const std::string& name) {
    auto file = test::open_golden("audio/" + name + ".safetensors");
    const tensor_view* wave = file->find("waveform");
    EXPECT_NE(wave, nullptr) << name;
    if (!wave) return {};
    const auto raw = work_dir() / (name + ".f32");
    write_bytes(raw, std::string(reinterpret_cast<const char*>(wave->data), wave->nbytes));
    const auto wav = work_dir() / (name + ".wav");
    make_file("sox -t f32 -r 48000 -c 1 " + quoted(raw) + " -e floating-point " + quoted(wav));
    return wav;
}

// 12 s of a musical mix: a chord with a pulsing envelope, a rising chirp and a little noise, 48 kHz mono float.
const fs::path& mix_wav() {
    static const fs::path path = [] {
        const auto p = work_dir() / "mix.wav";
        ffmpeg("-f lavfi -i \"aevalsrc='(0.25*sin(2*PI*220*t)+0.2*sin(2*PI*277.2*t)+0.15*sin(2*PI*329.6*t))"
               "*(0.6+0.4*sin(2*PI*2*t))+0.2*sin(2*PI*(100*t+150*t*t))+0.03*(random(0)-0.5)':s=48000:d=12\" "
               "-c:a pcm_f32le " +
               quoted(p));
        return p;
    }();
    return path;
}

std::vector<float> vec(const json& j) { return j.get<std::vector<float>>(); }

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    return test::cosine(a.data(), b.data(), std::min(a.size(), b.size()));
}

std::vector<json> jsonl_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(json::parse(line));
    return out;
}

std::map<std::string, std::vector<float>> embeddings_by_filename(const std::string& jsonl) {
    std::map<std::string, std::vector<float>> out;
    for (const auto& j : jsonl_lines(jsonl)) out[j.at("filename").get<std::string>()] = vec(j.at("embedding"));
    return out;
}


}  // namespace

TEST(embed_cli, reproduces_the_reference_embedding_of_every_golden_case) {
    const std::vector<std::string> cases = {"chirp_10s",   "chord_7s",    "noise_3s",
                                            "blip_0p5s",   "silence_10s", "odd_4p321s"};
    std::string files;
    for (const auto& c : cases) {
        files += ' ';
        files += quoted(golden_wav(c));
    }
    auto r = run("embed " + model_flag() + " --windows first --format jsonl" + files);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto lines = jsonl_lines(r.out);
    ASSERT_EQ(lines.size(), cases.size()) << r.out;
    for (size_t i = 0; i < cases.size(); i++) {
        const auto& j = lines[i];
        EXPECT_EQ(j.at("filename"), cases[i] + ".wav");  // written in input order
        auto golden = test::open_golden("audio/" + cases[i] + ".safetensors");
        const double samples = static_cast<double>(golden->find("waveform")->numel());
        EXPECT_NEAR(j.at("duration_seconds").get<double>(), samples / 48000.0, 1e-6) << cases[i];
        EXPECT_EQ(j.at("sample_rate"), 48000);
        EXPECT_EQ(j.at("channels"), 1);
        EXPECT_EQ(j.at("windows"), 1);
        const auto e = vec(j.at("embedding"));
        test::expect_embedding_close(e.data(), *golden->find("embedding"), cases[i]);
    }
}

TEST(embed_cli, every_common_format_gives_the_float_wav_vector) {
    const fs::path& ref = mix_wav();
    const auto dir = work_dir() / "formats";
    fs::create_directories(dir);
    struct format_case {
        std::string file, ffmpeg_args;
        double min_cosine;
    };
    // Lossless encodings of the same samples must agree closely; lossy codecs and resampling less so.
    const std::vector<format_case> cases = {
        {"pcm_u8.wav", "-c:a pcm_u8", 0.999},
        {"pcm_s16.wav", "-c:a pcm_s16le", 0.9999},
        {"pcm_s24.wav", "-c:a pcm_s24le", 0.9999},
        {"pcm_s32.wav", "-c:a pcm_s32le", 0.9999},
        {"pcm_f64.wav", "-c:a pcm_f64le", 0.9999},
        {"flac.flac", "-c:a flac", 0.9999},
        {"flac24.flac", "-c:a flac -sample_fmt s32", 0.9999},
        {"alac.m4a", "-c:a alac", 0.9999},
        {"aiff.aiff", "-c:a pcm_s16be", 0.9999},
        {"aif24.aif", "-c:a pcm_s24be", 0.9999},
        {"mp3.mp3", "-c:a libmp3lame -b:a 192k", 0.99},
        {"aac.m4a", "-c:a aac -b:a 192k", 0.99},
        {"vorbis.ogg", "-c:a libvorbis -q:a 6", 0.99},
        {"opus.opus", "-c:a libopus -b:a 128k", 0.99},
        {"rate44k.wav", "-ar 44100 -c:a pcm_f32le", 0.999},
        {"rate96k.flac", "-ar 96000 -c:a flac -sample_fmt s32", 0.999},
        {"stereo.wav", "-af 'pan=stereo|FL=c0|FR=c0' -c:a pcm_f32le", 0.9999},
        {"surround51.flac", "-af 'pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0' -c:a flac -sample_fmt s32", 0.999},
        {"stereo.mp3", "-af 'pan=stereo|FL=c0|FR=c0' -c:a libmp3lame -b:a 192k", 0.99},
    };
    std::string files = quoted(ref);
    for (const auto& c : cases) {
        ffmpeg("-i " + quoted(ref) + " " + c.ffmpeg_args + " " + quoted(dir / c.file));
        files += " " + quoted(dir / c.file);
    }
    auto r = run("embed " + model_flag() + " --format jsonl " + files);
    ASSERT_EQ(r.code, 0) << r.err;
    auto vectors = embeddings_by_filename(r.out);
    ASSERT_EQ(vectors.size(), cases.size() + 1) << r.out;
    const auto& reference = vectors.at("mix.wav");
    for (const auto& c : cases) {
        const double cos = cosine(vectors.at(c.file), reference);
        EXPECT_GE(cos, c.min_cosine) << c.file;
        std::printf("  %-16s cosine %.9f (bound %g)\n", c.file.c_str(), cos, c.min_cosine);
    }
    for (const auto& j : jsonl_lines(r.out)) {
        const std::string f = j.at("filename");
        EXPECT_NEAR(j.at("duration_seconds").get<double>(), 12.0, 0.1) << f;
        EXPECT_EQ(j.at("windows"), 3) << f;
        const int channels = f.rfind("stereo", 0) == 0 ? 2 : f.rfind("surround51", 0) == 0 ? 6 : 1;
        EXPECT_EQ(j.at("channels"), channels) << f;
        const int rate = f.rfind("rate44k", 0) == 0 ? 44100 : f.rfind("rate96k", 0) == 0 ? 96000 : 48000;
        EXPECT_EQ(j.at("sample_rate"), rate) << f;
    }
}

TEST(embed_cli, json_jsonl_and_npy_hold_the_same_vectors) {
    const fs::path& mix = mix_wav();
    const auto chord = golden_wav("chord_7s");
    const std::string files = quoted(mix) + " " + quoted(chord);

    auto as_json = run("embed " + model_flag() + " " + files);
    ASSERT_EQ(as_json.code, 0) << as_json.err;
    const json array = json::parse(as_json.out);
    ASSERT_TRUE(array.is_array());
    ASSERT_EQ(array.size(), 2u);
    EXPECT_EQ(array[0].at("trackName"), "mix");
    EXPECT_EQ(array[1].at("trackName"), "chord_7s");

    auto as_jsonl = run("embed " + model_flag() + " --format jsonl " + files);
    ASSERT_EQ(as_jsonl.code, 0) << as_jsonl.err;
    const auto lines = jsonl_lines(as_jsonl.out);
    ASSERT_EQ(lines.size(), 2u);

    const auto npy = work_dir() / "vectors.npy";
    auto as_npy = run("embed " + model_flag() + " --format npy --out " + quoted(npy) + " " + files);
    ASSERT_EQ(as_npy.code, 0) << as_npy.err;
    const std::string bytes = read_all(npy);
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const auto byte_at = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(bytes[i])); };
    const size_t header_len = byte_at(8) | byte_at(9) << 8;
    const size_t data_at = 10 + header_len;
    EXPECT_EQ(data_at % 64, 0u);
    const std::string header = bytes.substr(10, header_len);
    const size_t dim = vec(array[0].at("vector")).size();
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, " + std::to_string(dim) + "), }";
    EXPECT_EQ(header.rfind(dict, 0), 0u) << header;
    EXPECT_EQ(header.find_first_not_of(' ', dict.size()), header.size() - 1) << "padding is spaces, then a newline";
    EXPECT_EQ(header.back(), '\n');
    ASSERT_EQ(bytes.size(), data_at + 2 * dim * 4);
    EXPECT_EQ(read_all(npy.string() + ".paths.txt"), mix.string() + "\n" + chord.string() + "\n");

    for (size_t row = 0; row < 2; row++) {
        const auto from_json = vec(array[row].at("vector"));
        const auto from_jsonl = vec(lines[row].at("embedding"));
        std::vector<float> from_npy(dim);
        for (size_t i = 0; i < dim; i++) {
            uint32_t bits = 0;  // little-endian, whatever this machine's order
            for (size_t b = 0; b < 4; b++)
                bits |= static_cast<uint32_t>(byte_at(data_at + (row * dim + i) * 4 + b) << (8 * b));
            std::memcpy(&from_npy[i], &bits, 4);
        }
        // Printed at full precision, so every format reads back the same bits.
        EXPECT_EQ(from_json, from_jsonl) << row;
        EXPECT_EQ(from_json, from_npy) << row;
        double norm = 0;
        for (float v : from_json) norm += static_cast<double>(v) * v;
        EXPECT_NEAR(norm, 1.0, 1e-5);
    }
    for (const auto& entry : fs::directory_iterator(work_dir()))
        EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << "left behind: " << entry.path();
}

TEST(embed_cli, per_window_output_follows_the_plan_and_averages_to_the_track_vector) {
    const fs::path& mix = mix_wav();  // 12 s
    struct plan_case {
        std::string flags;
        std::vector<double> starts, lengths;
    };
    const std::vector<plan_case> plans = {
        {"", {1.2, 5.0, 5.0}, {7, 7, 7}},  // seed: 45 % and 80 % of 12 s (5.4 s, 9.6 s) are clamped to 12 - 7
        {"--windows full --window 5", {0, 5, 10}, {5, 5, 2}},
        {"--windows full --window 4 --hop 3", {0, 3, 6, 9}, {4, 4, 4, 3}},
        {"--windows first", {0}, {10}},
        // 12 windows: more than one batch of the tower.
        {"--windows full --window 1", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, std::vector<double>(12, 1.0)},
        {"--max-seconds 6", {0}, {6}},
    };
    for (const auto& p : plans) {
        auto r = run("embed " + model_flag() + " --format jsonl --per-window " + p.flags + " " + quoted(mix));
        ASSERT_EQ(r.code, 0) << p.flags << r.err;
        const json j = json::parse(r.out);
        const auto& windows = j.at("windows");
        ASSERT_EQ(windows.size(), p.starts.size()) << p.flags << r.out;
        const auto track = vec(j.at("embedding"));
        std::vector<double> sum(track.size(), 0.0);
        for (size_t i = 0; i < windows.size(); i++) {
            const double start = windows[i].at("start_seconds"), length = windows[i].at("length_seconds");
            EXPECT_NEAR(start, p.starts[i], 1e-6) << p.flags << " window " << i;
            EXPECT_NEAR(length, p.lengths[i], 1e-3) << p.flags << " window " << i;
            const auto w = vec(windows[i].at("vector"));
            ASSERT_EQ(w.size(), track.size());
            for (size_t k = 0; k < w.size(); k++) sum[k] += w[k];
        }
        double norm = 0;
        for (double v : sum) norm += v * v;
        std::vector<float> mean(sum.size());
        for (size_t k = 0; k < sum.size(); k++) mean[k] = static_cast<float>(sum[k] / std::sqrt(norm));
        EXPECT_GE(cosine(mean, track), 0.999999) << p.flags;
        EXPECT_LE(test::max_abs_diff(mean.data(), track.data(), mean.size()), 1e-6) << p.flags;
    }
    // Windows at different places of a changing signal are different vectors.
    auto r = run("embed " + model_flag() + " --format jsonl --per-window --windows full --window 5 " + quoted(mix));
    const json j = json::parse(r.out);
    EXPECT_LT(cosine(vec(j["windows"][0]["vector"]), vec(j["windows"][2]["vector"])), 0.999999);
}

TEST(embed_cli, bad_files_are_reported_and_the_rest_still_embedded) {
    const auto dir = work_dir() / "batch";
    fs::create_directories(dir / "sub");
    ffmpeg("-i " + quoted(mix_wav()) + " -c:a flac " + quoted(dir / "good.flac"));
    ffmpeg("-i " + quoted(mix_wav()) + " -t 3 -c:a libmp3lame " + quoted(dir / "sub" / "good.mp3"));
    write_bytes(dir / "empty.wav", "");
    write_bytes(dir / "notes.mp3", "these are my notes, not an mp3\n");
    write_bytes(dir / "readme.txt", "not audio, and not named like audio: skipped\n");
    // A download cut off halfway: the m4a index (moov) is written at the end, so it is gone.
    ffmpeg("-i " + quoted(mix_wav()) + " -c:a aac " + quoted(work_dir() / "whole.m4a"));
    const std::string whole = read_all(work_dir() / "whole.m4a");
    write_bytes(dir / "sub" / "truncated.m4a", whole.substr(0, whole.size() / 2));
    ffmpeg("-f lavfi -i anullsrc=r=48000:cl=mono -t 0 -c:a pcm_s16le " + quoted(dir / "zero_length.wav"));
    const auto missing = work_dir() / "no_such_file.wav";

    auto r = run("embed " + model_flag() + " --format jsonl " + quoted(dir) + " " + quoted(missing));
    EXPECT_EQ(r.code, 1) << r.err;
    auto vectors = embeddings_by_filename(r.out);
    EXPECT_EQ(vectors.size(), 2u) << r.out;
    EXPECT_TRUE(vectors.count("good.flac"));
    EXPECT_TRUE(vectors.count("good.mp3"));
    EXPECT_EQ(r.err.find("readme.txt"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("5 of 7 files failed:"), std::string::npos) << r.err;
    const std::string summary = r.err.substr(r.err.find("files failed:"));
    for (const fs::path& bad : {dir / "empty.wav", dir / "notes.mp3", dir / "sub" / "truncated.m4a",
                                dir / "zero_length.wav", missing}) {
        // Reported as it failed, and again in the summary, each time with a reason after the path.
        const std::string report = "sonavec embed: " + bad.string() + ": ";
        EXPECT_NE(r.err.find(report), std::string::npos) << r.err;
        const size_t at = summary.find("  " + bad.string() + ": ");
        ASSERT_NE(at, std::string::npos) << summary;
        const size_t reason = at + bad.string().size() + 4;
        EXPECT_GT(summary.find('\n', at), reason + 2) << "no reason for " << bad << "\n" << summary;
    }
    // The good file's vector is the one it has alone.
    auto alone = run("embed " + model_flag() + " --format jsonl " + quoted(dir / "good.flac"));
    ASSERT_EQ(alone.code, 0) << alone.err;
    EXPECT_EQ(embeddings_by_filename(alone.out).at("good.flac"), vectors.at("good.flac"));
}

TEST(embed_cli, results_do_not_depend_on_the_thread_count) {
    const auto dir = work_dir() / "threads";
    fs::create_directories(dir);
    ffmpeg("-i " + quoted(mix_wav()) + " -c:a flac " + quoted(dir / "a.flac"));
    ffmpeg("-i " + quoted(mix_wav()) + " -ss 2 -c:a libvorbis " + quoted(dir / "b.ogg"));
    ffmpeg("-i " + quoted(mix_wav()) + " -t 4 -c:a pcm_s16le " + quoted(dir / "c.wav"));
    ffmpeg("-i " + quoted(mix_wav()) + " -af areverse -c:a libmp3lame " + quoted(dir / "d.mp3"));
    ffmpeg("-i " + quoted(mix_wav()) + " -af atempo=0.8 -c:a pcm_f32le " + quoted(dir / "e.wav"));
    const std::string base = "embed " + model_flag() + " --format jsonl --per-window --windows full --quiet ";
    auto serial = run(base + "--threads 1 " + quoted(dir));
    ASSERT_EQ(serial.code, 0) << serial.err;
    EXPECT_EQ(jsonl_lines(serial.out).size(), 5u);
    for (int threads : {2, 3, 8}) {
        auto parallel = run(base + "--threads " + std::to_string(threads) + " " + quoted(dir));
        ASSERT_EQ(parallel.code, 0) << parallel.err;
        EXPECT_EQ(parallel.out, serial.out) << threads << " threads";
    }
    // One file with more cores than files.
    auto one_serial = run(base + "--threads 1 " + quoted(dir / "a.flac"));
    auto one_parallel = run(base + "--threads 4 " + quoted(dir / "a.flac"));
    ASSERT_EQ(one_serial.code, 0) << one_serial.err;
    EXPECT_EQ(one_parallel.out, one_serial.out);
}

TEST(embed_cli, reduced_precisions_give_close_but_not_identical_vectors) {
    const std::string base = "embed " + model_flag() + " --format jsonl --quiet ";
    auto fp32 = run(base + quoted(mix_wav()));
    ASSERT_EQ(fp32.code, 0) << fp32.err;
    const auto reference = embeddings_by_filename(fp32.out).at("mix.wav");
    auto explicit_fp32 = run(base + "--precision fp32 " + quoted(mix_wav()));
    ASSERT_EQ(explicit_fp32.code, 0) << explicit_fp32.err;
    EXPECT_EQ(explicit_fp32.out, fp32.out);  // fp32 is the default
    for (const char* p : {"bf16", "int8"}) {
        auto r = run(base + "--precision " + p + " " + quoted(mix_wav()));
        if (!sonavec::precision_available(sonavec::parse_precision(p))) {  // a clear error, exit 1
            EXPECT_EQ(r.code, 1) << p << "\n" << r.err;
            EXPECT_NE(r.err.find("is not available on this CPU"), std::string::npos) << r.err;
            continue;
        }
        ASSERT_EQ(r.code, 0) << p << "\n" << r.err;
        const auto v = embeddings_by_filename(r.out).at("mix.wav");
        EXPECT_GE(cosine(v, reference), 0.999) << p;
        EXPECT_NE(v, reference) << p << " gave the fp32 vector bit for bit";
    }
}

TEST(embed_cli, an_unknown_precision_names_the_accepted_ones) {
    auto r = run("embed " + model_flag() + " --precision fp16 " + quoted(mix_wav()));
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.out.empty());
    for (const char* s : {"fp16", "fp32", "bf16", "int8", "usage: sonavec embed"})
        EXPECT_NE(r.err.find(s), std::string::npos) << s << " in: " << r.err;
}

TEST(embed_cli, help_documents_plans_formats_and_exit_codes) {
    auto r = run("embed --help");
    EXPECT_EQ(r.code, 0);
    for (const char* s : {"usage: sonavec embed", "--windows", "--per-window", "--format", "npy", "--out",
                          "--threads", "--precision", "exit codes", "2 bad usage"})
        EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

TEST(embed_cli, bad_usage_exits_2) {
    const std::string wav = quoted(mix_wav());
    const std::string m = model_flag();
    for (const std::string& args :
         {std::string("embed"), "embed " + m, "embed " + m + " --format xml " + wav,
          "embed " + m + " --windows every " + wav, "embed " + m + " --window 0 " + wav,
          "embed " + m + " --window -3 " + wav, "embed " + m + " --window 12 " + wav,
          "embed " + m + " --window ten " + wav, "embed " + m + " --windows full --hop 0 " + wav,
          "embed " + m + " --hop 2 " + wav, "embed " + m + " --max-seconds 0 " + wav,
          "embed " + m + " --threads 0 " + wav, "embed " + m + " --format npy " + wav,
          "embed " + m + " --per-window " + wav, "embed " + m + " --no-such-option " + wav,
          // the documented bounds: a 1e-300 s window once planned windows until memory ran out, and
          // 100000 threads took 2.4 GB before failing with a bare system error
          "embed " + m + " --window 1e-300 " + wav, "embed " + m + " --window 0.4 " + wav,
          "embed " + m + " --windows full --hop 1e-300 " + wav, "embed " + m + " --windows full --hop 0.05 " + wav,
          "embed " + m + " --windows full --hop 3601 " + wav, "embed " + m + " --max-seconds 604801 " + wav,
          "embed " + m + " --max-seconds inf " + wav, "embed " + m + " --threads 100000 " + wav}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
        EXPECT_NE(r.err.find("usage: sonavec embed"), std::string::npos) << args << "\n" << r.err;
        EXPECT_TRUE(r.out.empty()) << args;
    }
}

TEST(embed_cli, an_unwritable_output_fails_without_leaving_a_file) {
    const auto out = work_dir() / "no_such_dir" / "out.json";
    auto r = run("embed " + model_flag() + " --out " + quoted(out) + " " + quoted(mix_wav()));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find(out.string()), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out.parent_path()));
}

TEST(embed_cli, a_folder_without_audio_is_an_error) {
    const auto dir = work_dir() / "no_audio";
    fs::create_directories(dir);
    write_bytes(dir / "notes.txt", "nothing to hear\n");
    auto r = run("embed " + model_flag() + " " + quoted(dir));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no audio files"), std::string::npos) << r.err;
}
