// Decoding cost, and what `sonavec embed` does per second on 3-minute MP3s with the seed plan.
// usage: bench_decode [--sonavec PATH] [--model DIR] [--tracks N] [--threads N] [--reps N] [--precision P]
//   --sonavec  the CLI to time end to end (default: build/sonavec next to this program)
//   --model    the model to embed with (default: the full-size random model `sonavec bench` makes)
//   --tracks   how many 3-minute MP3s to embed (default 16); --threads  cores (default 2)
//   --precision  passed to `sonavec embed` (fp32, bf16 or int8; default fp32)
// Makes its MP3s with ffmpeg in a temporary folder (music-like: chords, a pulse and pink noise, 44.1 kHz
// stereo at 192 kb/s) and prints one JSON object:
//   mp3_5min_full_decode_ms / mp3_5min_seed_decode_ms: a 5-minute MP3 decoded whole, and only the
//     three 7 s seed windows (seeking), both to 48 kHz mono;
//   mp3_3min_seed_decode_ms: the seed windows of a 3-minute MP3 (one core);
//   tracks_per_second: `sonavec embed --threads N` over the 3-minute MP3s, wall clock, process start
//     and model load included;
//   decode_share: the seed decoding's part of that run's core time (tracks x decode ms / (wall x cores)).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "audio/audio_decoder.h"
#include "sonavec/window_plan.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

template <typename F>
double median_ms(int reps, F&& run) {
    run();  // warm the page cache
    std::vector<double> t;
    for (int i = 0; i < reps; i++) {
        const auto t0 = clock_type::now();
        run();
        t.push_back(ms_since(t0));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void shell(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw error(error_kind::io, "command failed: " + command);
}

void make_mp3(const fs::path& out, int seconds) {
    const std::string d = std::to_string(seconds);
    shell("ffmpeg -v error -y -f lavfi -i \"aevalsrc=exprs='0.2*sin(2*PI*220*t)*(1+0.5*sin(2*PI*0.5*t))+"
          "0.15*sin(2*PI*277.2*t)+0.12*sin(2*PI*329.6*t)+0.3*sin(2*PI*55*t)*lt(mod(t,0.5),0.1)|"
          "0.2*sin(2*PI*220*t)+0.15*sin(2*PI*330*t)*(1+0.5*sin(2*PI*0.3*t))':s=44100:d=" + d +
          "\" -f lavfi -i \"anoisesrc=c=pink:a=0.05:r=44100:d=" + d +
          "\" -filter_complex amix=inputs=2:normalize=0 -ac 2 -c:a libmp3lame -b:a 192k '" + out.string() + "'");
}

// Decoder open + the seed plan's three reads, as embed_track does them.
size_t decode_seed(const fs::path& file) {
    audio_decoder dec(file);
    window_plan_params plan;
    size_t samples = 0;
    for (const auto& w : plan_windows(plan, dec.info().duration_seconds))
        samples += dec.read(w.start_seconds, w.length_seconds).size();
    return samples;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 1; i + 1 < argc; i++)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

}  // namespace

int main(int argc, char** argv) try {
    const fs::path self = fs::canonical("/proc/self/exe");
    const std::string sonavec = arg(argc, argv, "--sonavec", (self.parent_path() / "sonavec").string());
    const char* home = std::getenv("HOME");
    const std::string model = arg(argc, argv, "--model",
                                  std::string(home ? home : "") + "/.cache/sonavec/bench/clap-htsat-unfused-random");
    const int tracks = std::stoi(arg(argc, argv, "--tracks", "16"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "2"));
    const int reps = std::stoi(arg(argc, argv, "--reps", "5"));
    const std::string precision = arg(argc, argv, "--precision", "fp32");
    if (!fs::exists(fs::path(model) / "config.json"))
        throw error(error_kind::not_found,
                    model + " holds no model: run `sonavec bench` once to make the full-size random model");

    const fs::path dir = fs::temp_directory_path() / ("sonavec_bench_decode_" + std::to_string(getpid()));
    struct cleanup {
        fs::path d;
        ~cleanup() { std::error_code ec; fs::remove_all(d, ec); }
    } remove_dir{dir};
    fs::create_directories(dir / "tracks");

    std::fprintf(stderr, "bench_decode: making a 5-minute and a 3-minute MP3 with ffmpeg\n");
    make_mp3(dir / "five_minutes.mp3", 300);
    make_mp3(dir / "tracks" / "track_000.mp3", 180);

    const double full_ms = median_ms(reps, [&] { audio_decoder(dir / "five_minutes.mp3").read_all(300); });
    const double seed_5min_ms = median_ms(reps, [&] { decode_seed(dir / "five_minutes.mp3"); });
    const double seed_3min_ms = median_ms(reps, [&] { decode_seed(dir / "tracks" / "track_000.mp3"); });

    // Copies: decoding and embedding cost do not depend on which music it is.
    for (int i = 1; i < tracks; i++) {
        char name[32];
        std::snprintf(name, sizeof name, "track_%03d.mp3", i);
        fs::copy_file(dir / "tracks" / "track_000.mp3", dir / "tracks" / name);
    }
    std::fprintf(stderr, "bench_decode: sonavec embed over %d tracks on %d threads\n", tracks, threads);
    const std::string embed = "'" + sonavec + "' embed --quiet --model '" + model + "' --threads " +
                              std::to_string(threads) + " --precision " + precision + " --format npy --out '" +
                              (dir / "out.npy").string() + "' '" +
                              (dir / "tracks").string() + "'";
    const auto t0 = clock_type::now();
    shell(embed);
    const double wall_s = ms_since(t0) / 1000;

    std::printf("{\"mp3_5min_full_decode_ms\": %.1f, \"mp3_5min_seed_decode_ms\": %.1f, \"seek_speedup\": %.1f, "
                "\"mp3_3min_seed_decode_ms\": %.1f, \"tracks\": %d, \"threads\": %d, \"embed_wall_s\": %.2f, "
                "\"precision\": \"%s\", \"tracks_per_second\": %.2f, \"decode_share\": %.3f}\n",
                full_ms, seed_5min_ms, full_ms / seed_5min_ms, seed_3min_ms, tracks, threads, wall_s, precision.c_str(),
                tracks / wall_s,
                tracks * seed_3min_ms / 1000 / (wall_s * threads));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_decode: %s\n", e.what());
    return 1;
}
