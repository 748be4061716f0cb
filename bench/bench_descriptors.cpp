// Accuracy and cost of the acoustic descriptors (sonavec/descriptors.h) on signals this program makes,
// against essentia.js (an independent implementation, run by node) on the same files.
// usage: bench_descriptors [--peer DIR] [--quick]
//   --peer   the folder of essentia_peer.js with essentia.js installed (default: bench/descriptors_peer
//            beside the source; `npm install` there first); "none" skips the peer
//   --quick  fewer tempi and keys (a smoke run); --only tempo|key|loudness|cost  one part
// Prints markdown tables (the ones in BENCHMARKS.md):
//   tempo: drum patterns (four-on-the-floor, backbeat, breakbeat, sixteenth hats) at 60-200 BPM (every 20), 20 s,
//          44.1 kHz: Acc1 (within 4 %) and Acc2 (also x2, x3, /2, /3), for QM and aubio, the whole clip and
//          a 10 s excerpt, and essentia.js RhythmExtractor2013;
//   key:   I-IV-V-I (major) and i-iv-V-i (minor, harmonic V) in all 24 keys with three timbres (sine,
//          sawtooth, piano-like decaying harmonics), 16 s: exact and MIREX-weighted scores;
//   loudness: files made by ffmpeg (levels, 1/2/6 channels, 44.1/48 kHz) against ffmpeg's ebur128 filter;
//   cost: ms per 3-minute stereo MP3 (decode included), whole track against excerpts, and decode alone.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "audio/audio_decoder.h"
#include "bench_args.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

using bench::run;
using bench::run_output;
using bench::shell_quote;

constexpr int rate = 44100;
constexpr double pi = 3.14159265358979323846;

// Mono float samples to a 32-bit float WAV, written by ffmpeg.
void write_wav(const fs::path& path, const std::vector<float>& x) {
    const std::string cmd = "ffmpeg -loglevel error -y -f f32le -ar " + std::to_string(rate) +
                            " -ac 1 -i - -c:a pcm_f32le " + shell_quote(path.string());
    FILE* p = popen(cmd.c_str(), "w");
    if (!p) throw error(error_kind::io, "cannot run ffmpeg");
    std::fwrite(x.data(), sizeof(float), x.size(), p);
    if (pclose(p) != 0) throw error(error_kind::io, "ffmpeg failed writing " + path.string());
}

// ---- drums ----

void add_kick(std::vector<float>& x, size_t at, float gain) {
    double phase = 0;
    for (size_t i = 0; i < static_cast<size_t>(0.3 * rate) && at + i < x.size(); ++i) {
        const double t = static_cast<double>(i) / rate;
        phase += 2 * pi * (50 + 100 * std::exp(-t * 30)) / rate;
        x[at + i] += gain * static_cast<float>(std::sin(phase) * std::exp(-t * 12));
    }
}

void add_noise_hit(std::vector<float>& x, size_t at, float gain, double decay, double tone_hz, std::mt19937& rng,
                   bool high) {
    std::uniform_real_distribution<float> u(-1, 1);
    float prev = 0;
    for (size_t i = 0; i < static_cast<size_t>(0.25 * rate) && at + i < x.size(); ++i) {
        const double t = static_cast<double>(i) / rate;
        float n = u(rng);
        const float v = high ? n - prev : n;  // a first difference: hats without the low end
        prev = n;
        const double tone = tone_hz > 0 ? 0.5 * std::sin(2 * pi * tone_hz * t) : 0;
        x[at + i] += gain * static_cast<float>((v + tone) * std::exp(-t * decay));
    }
}

// One of four styles; positions in beats within a bar of four.
std::vector<float> drum_pattern(const std::string& style, double bpm, double seconds, unsigned seed) {
    std::vector<float> x(static_cast<size_t>(seconds * rate), 0.0f);
    std::mt19937 rng(seed);
    std::vector<double> kicks, snares, hats;
    double hat_step = 0.5;
    if (style == "four") {
        kicks = {0, 1, 2, 3};
        hats = {0.5, 1.5, 2.5, 3.5};
    } else if (style == "backbeat") {
        kicks = {0, 2};
        snares = {1, 3};
        for (double h = 0; h < 4; h += hat_step) hats.push_back(h);
    } else if (style == "breakbeat") {
        kicks = {0, 1.75, 2.5};
        snares = {1, 3, 3.75};
        for (double h = 0; h < 4; h += hat_step) hats.push_back(h);
    } else {  // "hats16": sixteenth hats over kick and snare
        hat_step = 0.25;
        kicks = {0, 2.5};
        snares = {1, 3};
        for (double h = 0; h < 4; h += hat_step) hats.push_back(h);
    }
    const double beat = 60.0 / bpm;
    for (double bar = 0; bar * 4 * beat < seconds; ++bar) {
        auto at = [&](double b) { return static_cast<size_t>((bar * 4 + b) * beat * rate); };
        for (double b : kicks) add_kick(x, at(b), 0.8f);
        for (double b : snares) add_noise_hit(x, at(b), 0.4f, 18, 180, rng, false);
        for (double b : hats) add_noise_hit(x, at(b), std::fmod(b, 1.0) == 0 ? 0.15f : 0.1f, 60, 0, rng, true);
    }
    return x;
}

// ---- chords ----

const std::array<const char*, 12> tonic_names = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"};

double midi_hz(double m) { return 440.0 * std::pow(2.0, (m - 69) / 12); }

// A note of a timbre: "sine", "saw" (10 harmonics, 1/k) or "piano" (harmonics 1/k^1.5, each decaying).
void add_note(std::vector<float>& x, size_t at, size_t length, double hz, float gain, const std::string& timbre) {
    const int harmonics = timbre == "sine" ? 1 : 10;
    for (int k = 1; k <= harmonics; ++k) {
        if (hz * k > rate / 2.2) break;
        const double amp = timbre == "saw" ? 1.0 / k : timbre == "piano" ? std::pow(k, -1.5) : 1.0;
        const double decay = timbre == "piano" ? 1.5 + 0.6 * k : 0;
        for (size_t i = 0; i < length && at + i < x.size(); ++i) {
            const double t = static_cast<double>(i) / rate;
            const double env = std::min(1.0, t / 0.01) * std::min(1.0, static_cast<double>(length - i) / (0.02 * rate));
            x[at + i] += gain * static_cast<float>(amp * env * std::exp(-decay * t) * std::sin(2 * pi * hz * k * t));
        }
    }
}

// I-IV-V-I (major) or i-iv-V-i (minor, the dominant major as in harmonic minor), 2 s a chord, twice.
std::vector<float> progression(int tonic, bool minor, const std::string& timbre) {
    const double chord_s = 2;
    std::vector<float> x(static_cast<size_t>(8 * chord_s * rate), 0.0f);
    const int third = minor ? 3 : 4;
    const std::array<std::array<int, 3>, 4> chords = {{{0, third, 7}, {5, 5 + third, 12}, {7, 11, 14}, {0, third, 7}}};
    for (int rep = 0; rep < 2; ++rep)
        for (size_t c = 0; c < 4; ++c) {
            const size_t at = static_cast<size_t>((rep * 4 + c) * chord_s * rate);
            const size_t len = static_cast<size_t>(chord_s * rate);
            const int root = 48 + tonic + chords[c][0];                         // bass an octave below
            add_note(x, at, len, midi_hz(root - 12), 0.12f, timbre);
            for (int n : chords[c]) add_note(x, at, len, midi_hz(60 + tonic + n), 0.08f, timbre);
        }
    return x;
}

int pitch_of(const std::string& name) {
    static const std::map<std::string, int> pcs = {
        {"C", 0},  {"B#", 0}, {"C#", 1}, {"Db", 1},  {"D", 2},  {"D#", 3}, {"Eb", 3}, {"E", 4},  {"Fb", 4},
        {"F", 5},  {"E#", 5}, {"F#", 6}, {"Gb", 6},  {"G", 7},  {"G#", 8}, {"Ab", 8}, {"A", 9},  {"A#", 10},
        {"Bb", 10}, {"B", 11}, {"Cb", 11}};
    const auto it = pcs.find(name);
    return it == pcs.end() ? -1 : it->second;
}

// MIREX: 1 exact, 0.5 the estimate a fifth above in the same mode, 0.3 relative, 0.2 parallel.
double mirex(int ref, bool ref_minor, int est, bool est_minor) {
    if (est < 0) return 0;
    if (ref_minor == est_minor) {
        if (est == ref) return 1;
        if ((est - ref + 12) % 12 == 7) return 0.5;
        return 0;
    }
    if (est == ref) return 0.2;
    if (!ref_minor && est_minor && (est - ref + 12) % 12 == 9) return 0.3;
    if (ref_minor && !est_minor && (est - ref + 12) % 12 == 3) return 0.3;
    return 0;
}

struct tally {
    int n = 0;
    double acc1 = 0, acc2 = 0;
    void add(double est, double truth) {
        ++n;
        const auto near = [&](double t) { return est > 0 && std::abs(est - t) <= 0.04 * t; };
        if (near(truth)) acc1 += 1;
        if (near(truth) || near(2 * truth) || near(3 * truth) || near(truth / 2) || near(truth / 3)) acc2 += 1;
    }
};

struct key_tally {
    int n = 0;
    double exact = 0, weighted = 0;
    void add(int ref, bool ref_minor, int est, bool est_minor) {
        ++n;
        const double s = mirex(ref, ref_minor, est, est_minor);
        if (s == 1) exact += 1;
        weighted += s;
    }
};

// This thread's CPU time in ms: the machine is shared, and wall time under contention says little.
double cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// essentia.js's answers for the files, by path.
std::map<std::string, std::pair<double, std::string>> run_peer(const fs::path& peer, const std::vector<fs::path>& files,
                                                               const fs::path& dir, double& ms_total) {
    std::map<std::string, std::pair<double, std::string>> out;
    const fs::path list = dir / "peer_list.txt";
    {
        FILE* f = std::fopen(list.c_str(), "w");
        for (const auto& p : files) std::fprintf(f, "%s\n", p.c_str());
        std::fclose(f);
    }
    const std::string text =
        run_output("node " + shell_quote((peer / "essentia_peer.js").string()) + " < " + shell_quote(list.string()));
    size_t pos = 0;
    ms_total = 0;
    while (pos < text.size()) {
        const size_t end = text.find('\n', pos);
        const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? text.size() : end + 1;
        auto field = [&](const std::string& k) {
            const size_t at = line.find("\"" + k + "\":");
            if (at == std::string::npos) return std::string();
            size_t v = at + k.size() + 3;
            if (line[v] == '"') return line.substr(v + 1, line.find('"', v + 1) - v - 1);
            return line.substr(v, line.find_first_of(",}", v) - v);
        };
        const std::string path = field("path");
        if (path.empty()) continue;
        out[path] = {std::atof(field("bpm").c_str()), field("key") + " " + field("scale")};
        ms_total += std::atof(field("ms").c_str());
    }
    return out;
}

void split_key(const std::string& name, int& pitch, bool& minor) {
    const size_t sp = name.find(' ');
    pitch = sp == std::string::npos ? -1 : pitch_of(name.substr(0, sp));
    minor = sp != std::string::npos && name.substr(sp + 1) == "minor";
}

}  // namespace

int main(int argc, char** argv) {
    // __FILE__ is relative to the build folder with some generators; the source folder comes from CMake.
    fs::path peer = fs::path(SONAVEC_SOURCE_DIR) / "bench" / "descriptors_peer";
    bool quick = false;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--peer" && i + 1 < argc) peer = argv[++i];
        else if (a == "--quick") quick = true;
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_descriptors [--peer DIR|none] [--quick] [--only tempo|key|loudness|cost]\n");
            return 2;
        }
    }
    const bool use_peer = peer != "none" && fs::exists(peer / "node_modules" / "essentia.js");
    if (!use_peer && peer != "none") std::fprintf(stderr, "bench_descriptors: no essentia.js peer (npm install in %s)\n", peer.c_str());
    const fs::path dir = fs::temp_directory_path() / ("sonavec_bench_descriptors_" + std::to_string(getpid()));
    fs::create_directories(dir);

    try {
        auto part = [&](const char* name) { return only.empty() || only == name; };
        // ---- tempo ----
        if (part("tempo")) {
        const std::vector<std::string> styles = {"four", "backbeat", "breakbeat", "hats16"};
        std::vector<double> tempi;
        for (double b = 60; b <= 200; b += quick ? 35 : 20) tempi.push_back(b);
        std::map<std::string, tally> tempo_scores;
        std::map<std::string, double> tempo_ms;
        std::vector<fs::path> tempo_files;
        std::vector<double> tempo_truth;
        std::string misses;
        unsigned seed = 1;
        for (const auto& style : styles)
            for (double bpm : tempi) {
                const std::vector<float> x = drum_pattern(style, bpm, 20, seed++);
                for (const auto& [name, method, excerpt] :
                     std::vector<std::tuple<std::string, tempo_method, double>>{{"QM, whole 20 s", tempo_method::qm, 0},
                                                                                {"QM, 10 s excerpt", tempo_method::qm, 10},
                                                                                {"aubio, whole 20 s", tempo_method::aubio, 0},
                                                                                {"aubio, 10 s excerpt", tempo_method::aubio, 10}}) {
                    descriptor_params p;
                    p.tempo = method;
                    p.excerpt_seconds = excerpt;
                    const double t0 = cpu_ms();
                    const track_descriptors d = analyze_samples(x.data(), x.size(), 1, rate, p);
                    tempo_ms[name] += cpu_ms() - t0;
                    tempo_scores[name].add(d.bpm, bpm);
                    if (std::abs(d.bpm - bpm) > 0.04 * bpm)
                        misses += "  " + name + " " + style + " " + std::to_string(static_cast<int>(bpm)) + ": " +
                                  std::to_string(d.bpm) + "\n";
                }
                const fs::path f = dir / (style + "_" + std::to_string(static_cast<int>(bpm)) + ".wav");
                write_wav(f, x);
                tempo_files.push_back(f);
                tempo_truth.push_back(bpm);
            }
        double peer_tempo_ms = 0;
        if (use_peer) {
            const auto answers = run_peer(peer, tempo_files, dir, peer_tempo_ms);
            for (size_t i = 0; i < tempo_files.size(); ++i) {
                const auto it = answers.find(tempo_files[i].string());
                tempo_scores["essentia.js RhythmExtractor2013 (degara)"].add(it == answers.end() ? 0 : it->second.first,
                                                                            tempo_truth[i]);
            }
            tempo_ms["essentia.js RhythmExtractor2013 (degara)"] = peer_tempo_ms;
        }
        std::printf("### Tempo: %zu drum patterns (%zu styles x %zu tempi, 60-200 BPM), 20 s each\n\n", tempo_files.size(),
                    styles.size(), tempi.size());
        std::printf("| method | Acc1 (4 %%) | Acc2 (x2 x3 /2 /3) | ms per clip |\n|---|---|---|---|\n");
        for (const auto& [name, t] : tempo_scores)
            std::printf("| %s | %.1f %% | %.1f %% | %.1f |\n", name.c_str(), 100 * t.acc1 / t.n, 100 * t.acc2 / t.n,
                        tempo_ms[name] / t.n);
        std::printf("\nmisses (sonavec):\n%s\n", misses.c_str());
        std::fflush(stdout);
        }

        // ---- key ----
        if (part("key")) {
        const std::vector<std::string> timbres = {"sine", "saw", "piano"};
        std::map<std::string, key_tally> key_scores;
        std::map<std::string, double> key_ms;
        std::vector<fs::path> key_files;
        std::vector<std::pair<int, bool>> key_truth;
        std::string key_misses;
        for (const auto& timbre : timbres)
            for (int minor = 0; minor < 2; ++minor)
                for (int tonic = 0; tonic < 12; tonic += quick ? 5 : 1) {
                    const std::vector<float> x = progression(tonic, minor != 0, timbre);
                    for (const auto& [name, excerpt] :
                         std::vector<std::pair<std::string, double>>{{"QM GetKeyMode, whole 16 s", 0},
                                                                     {"QM GetKeyMode, 8 s excerpt", 8}}) {
                        descriptor_params p;
                        p.excerpt_seconds = excerpt;
                        const double t0 = cpu_ms();
                        const track_descriptors d = analyze_samples(x.data(), x.size(), 1, rate, p);
                        key_ms[name] += cpu_ms() - t0;
                        int est;
                        bool est_minor;
                        split_key(d.key, est, est_minor);
                        key_scores[name].add(tonic, minor != 0, est, est_minor);
                        if (est != tonic || est_minor != (minor != 0))
                            key_misses += "  " + name + " " + timbre + " " + tonic_names[static_cast<size_t>(tonic)] +
                                          (minor ? " minor" : " major") + ": " + d.key + "\n";
                    }
                    const fs::path f = dir / ("key_" + timbre + "_" + std::to_string(tonic) + (minor ? "m" : "M") + ".wav");
                    write_wav(f, x);
                    key_files.push_back(f);
                    key_truth.push_back({tonic, minor != 0});
                }
        if (use_peer) {
            double ms = 0;
            const auto answers = run_peer(peer, key_files, dir, ms);
            for (size_t i = 0; i < key_files.size(); ++i) {
                const auto it = answers.find(key_files[i].string());
                int est = -1;
                bool est_minor = false;
                if (it != answers.end()) split_key(it->second.second, est, est_minor);
                key_scores["essentia.js KeyExtractor (bgate)"].add(key_truth[i].first, key_truth[i].second, est, est_minor);
            }
            key_ms["essentia.js KeyExtractor (bgate)"] = ms;  // includes its tempo: the peer runs both
        }
        std::printf("### Key: %zu progressions (24 keys x %zu timbres), 16 s each\n\n", key_files.size(), timbres.size());
        std::printf("| method | exact | MIREX weighted | ms per clip |\n|---|---|---|---|\n");
        for (const auto& [name, k] : key_scores)
            std::printf("| %s | %.1f %% | %.1f %% | %.1f |\n", name.c_str(), 100 * k.exact / k.n, 100 * k.weighted / k.n,
                        key_ms[name] / k.n);
        std::printf("\nmisses (sonavec):\n%s\n", key_misses.c_str());
        std::fflush(stdout);
        }

        // ---- loudness ----
        if (part("loudness")) {
        std::printf("### Loudness against ffmpeg's ebur128 filter\n\n");
        std::printf("| file | I sonavec | I ffmpeg | LRA sonavec | LRA ffmpeg | TP sonavec | TP ffmpeg |\n"
                    "|---|---|---|---|---|---|---|\n");
        struct loud_case {
            std::string name, layout;
            int rate;
            double gain_db;
        };
        const std::vector<loud_case> cases = {{"mono 44.1k -30 dB", "mono", 44100, -30},
                                              {"mono 48k -12 dB", "mono", 48000, -12},
                                              {"stereo 44.1k -20 dB", "stereo", 44100, -20},
                                              {"stereo 48k -3 dB", "stereo", 48000, -3},
                                              {"5.1 48k -18 dB", "5.1", 48000, -18},
                                              {"5.1 44.1k -6 dB", "5.1", 44100, -6}};
        double worst_i = 0, worst_lra = 0, worst_tp = 0;
        for (const auto& c : cases) {
            const fs::path f = dir / ("loud_" + std::to_string(&c - cases.data()) + ".wav");
            const int ch = c.layout == "mono" ? 1 : c.layout == "stereo" ? 2 : 6;
            std::string exprs;
            for (int k = 0; k < ch; ++k)  // a quiet first half and a louder second half: a loudness range
                exprs += std::string(k ? "|" : "") + "(0.2+0.6*gt(t\\,6))*sin(2*PI*" + std::to_string(220 + 110 * k) +
                         "*t)+0.1*sin(2*PI*" + std::to_string(3000 + 500 * k) + "*t)";
            const std::string gen = "ffmpeg -loglevel error -y -f lavfi -i \"aevalsrc=exprs=" + exprs + ":c=" + c.layout +
                                    ":s=" + std::to_string(c.rate) + ":d=12\" -af volume=" + std::to_string(c.gain_db) +
                                    "dB -c:a pcm_s24le " + shell_quote(f.string());
            if (std::system(gen.c_str()) != 0) throw error(error_kind::io, "ffmpeg could not make " + f.string());
            const track_descriptors d = analyze_file(f);
            const std::string ff =
                run_output("ffmpeg -hide_banner -nostats -i " + shell_quote(f.string()) + " -af ebur128=peak=true -f null - 2>&1");
            auto last = [&](const std::string& label) {
                const size_t at = ff.rfind(label);
                return at == std::string::npos ? NAN : std::atof(ff.c_str() + at + label.size());
            };
            const double fi = last("I:"), flra = last("LRA:"), ftp = last("Peak:");
            worst_i = std::max(worst_i, std::abs(d.loudness_lufs - fi));
            worst_lra = std::max(worst_lra, std::abs(d.loudness_range_lu - flra));
            worst_tp = std::max(worst_tp, std::abs(d.true_peak_dbtp - ftp));
            std::printf("| %s | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f |\n", c.name.c_str(), d.loudness_lufs, fi,
                        d.loudness_range_lu, flra, d.true_peak_dbtp, ftp);
        }
        std::printf("\nlargest difference: I %.2f LU, LRA %.2f LU, true peak %.2f dB (ffmpeg prints one decimal)\n\n",
                    worst_i, worst_lra, worst_tp);
        std::fflush(stdout);
        }

        // ---- cost ----
        if (part("cost")) {
        const fs::path song = dir / "song_3min.mp3";
        {
            std::vector<float> drums = drum_pattern("backbeat", 124, 180, 99);
            std::vector<float> chords;
            while (chords.size() < drums.size()) {
                const std::vector<float> c = progression(9, true, "piano");
                chords.insert(chords.end(), c.begin(), c.end());
            }
            for (size_t i = 0; i < drums.size(); ++i) drums[i] = 0.6f * drums[i] + chords[i];
            const fs::path wav = dir / "song.wav";
            write_wav(wav, drums);
            const std::string enc = "ffmpeg -loglevel error -y -i " + shell_quote(wav.string()) +
                                    " -ac 2 -b:a 192k " + shell_quote(song.string());
            if (std::system(enc.c_str()) != 0) throw error(error_kind::io, "ffmpeg could not make the MP3");
        }
        const int reps = 1;
        std::printf("### Cost per 3-minute stereo 44.1 kHz MP3 (CPU ms on one core, median of %d)\n\n", reps);
        std::printf("| what | ms per track | bpm | key |\n|---|---|---|---|\n");
        {
            std::vector<double> ms;
            for (int r = 0; r < reps; ++r) {
                const double t0 = cpu_ms();
                audio_decoder dec(song);
                dec.read_native(3600, [](const float*, size_t) {});
                ms.push_back(cpu_ms() - t0);
            }
            std::sort(ms.begin(), ms.end());
            std::printf("| decode only (native rate and channels) | %.0f | | |\n", ms[ms.size() / 2]);
        }
        for (const auto& [name, method, excerpt] :
             std::vector<std::tuple<std::string, tempo_method, double>>{{"QM, whole track", tempo_method::qm, 0},
                                                                        {"QM, 60 s excerpt", tempo_method::qm, 60},
                                                                        {"QM, 30 s excerpt", tempo_method::qm, 30},
                                                                        {"aubio, whole track", tempo_method::aubio, 0},
                                                                        {"aubio, 30 s excerpt", tempo_method::aubio, 30}}) {
            descriptor_params p;
            p.tempo = method;
            p.excerpt_seconds = excerpt;
            std::vector<double> ms;
            track_descriptors d;
            for (int r = 0; r < reps; ++r) {
                const double t0 = cpu_ms();
                d = analyze_file(song, p);
                ms.push_back(cpu_ms() - t0);
            }
            std::sort(ms.begin(), ms.end());
            std::printf("| analyze_file: %s | %.0f | %.1f | %s |\n", name.c_str(), ms[ms.size() / 2], d.bpm, d.key.c_str());
        }
        if (use_peer) {
            const fs::path wav = dir / "song.wav";
            double ms = 0;
            run_peer(peer, {wav}, dir, ms);
            std::printf("| essentia.js RhythmExtractor2013 + KeyExtractor (decoded WAV, node) | %.0f | | |\n", ms);
        }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_descriptors: %s\n", e.what());
        fs::remove_all(dir);
        return 1;
    }
    fs::remove_all(dir);
    return 0;
}
