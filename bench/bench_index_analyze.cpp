// What `index --analyze` costs on top of `index`: N stereo MP3s of S seconds (music-like: a drum
// pattern, a bass line and chords, made by ffmpeg here) indexed through the public library API, then
// their descriptors (library::analyze) and the zero-shot tags of five taxonomies (library::retag) timed
// apart. The peer, in the same run: ffmpeg decoding the same files to nothing (the floor of any pass
// that reads the audio again).
// usage: bench_index_analyze --model DIR [--files N] [--seconds S] [--threads T] [--excerpt S]
//   defaults: 8 files of 180 s, 2 threads, whole tracks; DIR: a full-size model (sonavec model random,
//   with a vocab.json and merges.txt copied in).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "bench_args.h"
#include "sonavec/engine.h"
#include "sonavec/library.h"
#include "sonavec/tagging.h"

using namespace sonavec;
using bench::arg;
using bench::clock_type;
using bench::seconds_since;
namespace fs = std::filesystem;

namespace {

void run_or_die(const std::string& command) {
    if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "bench_index_analyze: failed: %s\n", command.c_str());
        std::exit(1);
    }
}

// Kick and hats at `bpm`, a bass note and a triad: enough for every descriptor to have work to do.
void make_track(const fs::path& file, double seconds, int bpm, int variant) {
    const double beat = 60.0 / bpm;
    char expr[1024];
    std::snprintf(expr, sizeof expr,
                  "0.5*sin(2*PI*55*t)*exp(-30*mod(t\\,%.6f))"                  // kick
                  "+0.1*(random(0)-0.5)*exp(-80*mod(t+%.6f\\,%.6f))"          // off-beat hats
                  "+0.15*sin(2*PI*%d*t)+0.08*sin(2*PI*%d*t)+0.08*sin(2*PI*%d*t)",  // bass and chord
                  beat, beat / 2, beat, 110 + 5 * variant, 262 + 7 * variant, 330 + 9 * variant);
    run_or_die("ffmpeg -nostdin -v error -y -f lavfi -i \"aevalsrc=" + std::string(expr) + "|" + std::string(expr) +
               ":s=44100:d=" + std::to_string(seconds) + "\" -c:a libmp3lame -b:a 192k '" + file.string() + "'");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string model = arg(argc, argv, "--model", "");
    if (model.empty()) {
        std::fprintf(stderr, "usage: bench_index_analyze --model DIR [--files N] [--seconds S] [--threads T] [--excerpt S]\n");
        return 2;
    }
    const int files = std::stoi(arg(argc, argv, "--files", "8"));
    const double seconds = std::stod(arg(argc, argv, "--seconds", "180"));
    const int threads = std::stoi(arg(argc, argv, "--threads", "2"));
    const double excerpt = std::stod(arg(argc, argv, "--excerpt", "0"));

    const fs::path dir = fs::temp_directory_path() / ("sonavec-bench-index-analyze-" + std::to_string(::getpid()));
    const fs::path music = dir / "music";
    fs::create_directories(music);
    ::setenv("XDG_CACHE_HOME", (dir / "cache").c_str(), 1);  // an empty text cache of its own
    for (int i = 0; i < files; i++) make_track(music / ("track" + std::to_string(i) + ".mp3"), seconds, 90 + 7 * i, i);

    auto t0 = clock_type::now();
    run_or_die("for f in '" + music.string() + "'/*.mp3; do ffmpeg -nostdin -v error -threads 1 -i \"$f\" -f null - || exit 1; done");
    const double ffmpeg_s = seconds_since(t0);

    engine_params ep = engine_default_params();
    ep.model_dir = model;
    ep.threads = 1;  // index's workers, one core each, as the CLI runs them
    const auto eng = engine::open(ep);
    const auto lib = library::open(dir / "lib");
    index_params ip;
    ip.threads = threads;
    t0 = clock_type::now();
    const index_report indexed = lib->index({music}, *eng, ip);
    const double index_s = seconds_since(t0);

    analyze_params ap;
    ap.threads = threads;
    ap.descriptors.excerpt_seconds = excerpt;
    t0 = clock_type::now();
    const analyze_report analysed = lib->analyze(ap);
    const double analyze_s = seconds_since(t0);

    std::vector<taxonomy> taxonomies;
    for (const char* name : {"genre", "mood", "instrument", "vocals", "usecase"}) taxonomies.push_back(builtin_taxonomy(name));
    retag_params rp;
    rp.threads = threads;
    t0 = clock_type::now();
    const retag_report tagged = lib->retag(*eng, taxonomies, rp);  // the prompts through the text tower
    const double retag_s = seconds_since(t0);
    t0 = clock_type::now();
    lib->retag(*eng, taxonomies, rp);  // from the text cache, as every later run
    const double retag_cached_s = seconds_since(t0);
    fs::remove_all(dir);

    if (indexed.embedded != static_cast<size_t>(files) || analysed.analyzed != static_cast<size_t>(files)) {
        std::fprintf(stderr, "bench_index_analyze: %zu embedded, %zu analysed of %d\n", indexed.embedded,
                     analysed.analyzed, files);
        return 1;
    }
    std::printf("%d files x %.0f s, %d threads: index %.2f s, analyze %.2f s (+%.0f %%), retag %zu labels %.2f s "
                "(first, text tower) / %.2f s (cached); ffmpeg decode alone %.2f s\n",
                files, seconds, threads, index_s, analyze_s, 100 * analyze_s / index_s, tagged.labels, retag_s,
                retag_cached_s, ffmpeg_s);
    std::printf("{\"files\": %d, \"seconds\": %.0f, \"threads\": %d, \"excerpt\": %.0f, \"index_s\": %.3f, "
                "\"analyze_s\": %.3f, \"retag_first_s\": %.3f, \"retag_cached_s\": %.3f, \"labels\": %zu, "
                "\"ffmpeg_decode_s\": %.3f}\n",
                files, seconds, threads, excerpt, index_s, analyze_s, retag_s, retag_cached_s, tagged.labels, ffmpeg_s);
    return 0;
}
