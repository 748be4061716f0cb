// Finding moments inside long recordings (issue 15), on a synthetic archive with known answers:
//   - shows of speech (espeak-ng; a third of it over a music bed), noise beds, music-like signals and
//     silences (digital, or a hiss at -76 dB);
//   - jingle A (5 s) inserted 30 times over the beds, each with a gain of -6 to +3 dB, the bed kept
//     beneath it at -12 dB, and a speed change of up to +-2 % (pitch and tempo, as a tape or a
//     resampler would);
//   - jingle B, never inserted.
// It reports:
//   - recall and precision of find within +-0.5 s (A), and what B finds;
//   - audio hours indexed per wall hour at the segments plan, per precision;
//   - the recall of int8 and float16 window vectors against float32;
//   - a find over 1,000 hours of windows (planted in the catalog; refinement off: the scan alone);
//   - the timeline: silence every 0.1 s against the layout, with ffmpeg silencedetect's beside it, and the
//     kinds with stand-in example vectors (random weights: the mechanics, not the accuracy); its time, and
//     a timeline over the 1,000 planted hours.
//
//   build/bench_find [--model DIR] [--hours 3] [--shows 6] [--precision bf16] [--scan-hours 1000] [--work DIR]
//                    [--only-scan yes]   (the 1,000-hour find alone)
//                    [--speeds no]       (no indexing speed per precision: the archive's at --precision only)
// Needs espeak-ng (Debian: apt-get install espeak-ng). The model defaults to the full-size random one.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "bench_args.h"
#include "library/catalog.h"
#include "library/segment_codes.h"
#include "music_signal.h"
#include "sonavec/library.h"

namespace fs = std::filesystem;
using namespace sonavec;

namespace {

constexpr int rate = 48000;

void write_wav(const fs::path& path, const std::vector<float>& mono) { test::write_mono_wav(path, mono, rate); }

// 16-bit mono WAV (what espeak-ng writes), resampled to 48 kHz by linear interpolation.
std::vector<float> read_wav_48k(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
    if (bytes.size() < 44) throw std::runtime_error("short wav " + path.string());
    uint32_t in_rate = 0;
    std::memcpy(&in_rate, bytes.data() + 24, 4);
    size_t data = 12;
    uint32_t size = 0;
    while (data + 8 <= bytes.size()) {  // find the data chunk
        std::memcpy(&size, bytes.data() + data + 4, 4);
        if (std::string(bytes.data() + data, 4) == "data") break;
        data += 8 + size;
    }
    const size_t n = std::min<size_t>(size, bytes.size() - data - 8) / 2;
    std::vector<float> in(n);
    for (size_t i = 0; i < n; i++) {
        int16_t s;
        std::memcpy(&s, bytes.data() + data + 8 + 2 * i, 2);
        in[i] = s / 32768.0f;
    }
    const double step = static_cast<double>(in_rate) / rate;
    std::vector<float> out(static_cast<size_t>(n / step));
    for (size_t i = 0; i < out.size(); i++) {
        const double x = i * step;
        const size_t k = static_cast<size_t>(x);
        const double frac = x - k;
        out[i] = static_cast<float>(in[k] * (1 - frac) + (k + 1 < n ? in[k + 1] : 0) * frac);
    }
    return out;
}

std::vector<float> mono_music(uint32_t seed, double seconds) {
    return test::to_mono(test::music_signal(seed, seconds, rate));
}

struct truth {
    std::string path;
    double start = 0;
    double length = 5;
};

// What was laid where in a show, for judging recurring's items: a speech clip of the pool (a real
// recurrence when it comes back), a noise bed, a piece of music, a silence.
struct placed {
    std::string path;
    double start = 0, end = 0;
    std::string kind;
    size_t clip = 0;  // the pool's clip, for speech
};

const char* sentences[] = {
    "Good evening and welcome to the programme. Tonight we look back at the year in sport.",
    "The council met on Tuesday to discuss the new bypass, which residents have opposed for a decade.",
    "Our next caller is on the line from the north coast, where the weather has turned again.",
    "Scientists say the findings could change the way we think about memory and sleep.",
    "And now the shipping forecast, issued by the meteorological office at five fifty five.",
    "After the break we will hear from the orchestra, live from the festival hall.",
    "Traffic is heavy on the ring road this morning following an earlier accident near the bridge.",
    "She said the decision was difficult, but that the club had to think of its future.",
    "Prices rose again last month, driven largely by the cost of energy and food.",
    "That was the news. Stay with us for the weather and the travel in ten minutes.",
};
const char* voices[] = {"en-gb", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-us+f3", "en-gb+m3"};

// A pool of speech clips, each a few sentences in one voice.
std::vector<std::vector<float>> speech_pool(const fs::path& work) {
    std::vector<std::vector<float>> pool;
    for (size_t v = 0; v < std::size(voices); v++)
        for (size_t s = 0; s < std::size(sentences); s += 2) {
            const fs::path f = work / ("speech-" + std::to_string(v) + "-" + std::to_string(s) + ".wav");
            if (!fs::exists(f))
                bench::run("espeak-ng -v " + std::string(voices[v]) + " -s " + std::to_string(140 + 10 * (s % 4)) +
                           " -w " + bench::shell_quote(f.string()) + " " +
                           bench::shell_quote(std::string(sentences[s]) + " " + sentences[s + 1]));
            pool.push_back(read_wav_48k(f));
        }
    return pool;
}

double recall_at_10(const std::vector<float>& exact, const std::vector<float>& approx, size_t n, size_t dim, size_t queries) {
    double hits = 0;
    for (size_t q = 0; q < queries; q++) {
        const size_t qi = q * (n / queries);
        auto top = [&](const std::vector<float>& base) {
            std::vector<std::pair<float, size_t>> s;
            for (size_t i = 0; i < n; i++) {
                if (i == qi) continue;
                float d = 0;
                for (size_t j = 0; j < dim; j++) d += exact[qi * dim + j] * base[i * dim + j];
                s.push_back({d, i});
            }
            std::partial_sort(s.begin(), s.begin() + 10, s.end(), std::greater<>());
            std::set<size_t> out;
            for (size_t k = 0; k < 10; k++) out.insert(s[k].second);
            return out;
        };
        const auto a = top(exact), b = top(approx);
        for (size_t i : a) hits += b.count(i);
    }
    return hits / (10.0 * queries);
}

// A find over `hours` of windows planted in the catalog (1 h rows of 720 random unit vectors), refinement
// off: the catalog read and the scan, on a fresh handle and then again on the same one (kept rows).
void scan_bench(const engine& eng, const fs::path& work, double scan_hours, const fs::path& clip) {
    std::mt19937 rng(16);
    // --- A find over scan_hours of windows (planted rows: 1 h files, 720 windows each) ---
        const fs::path big = work / ("scan-" + std::to_string(static_cast<int>(scan_hours)) + "h");
        const size_t files = static_cast<size_t>(scan_hours), per = 720, dim = static_cast<size_t>(eng.dim());
        if (!fs::exists(big / "catalog.sqlite")) {
            fs::create_directories(big);
            catalog cat(big);
            std::normal_distribution<float> g(0, 1);
            for (size_t f = 0; f < files; f += 10) {
                std::vector<catalog_entry> batch;
                for (size_t k = f; k < std::min(files, f + 10); k++) {
                    catalog_entry e;
                    e.path = "/archive/planted-" + std::to_string(k) + ".mp3";
                    e.duration_seconds = 3600;
                    e.format = "mp3";
                    e.sample_rate = 44100;
                    e.channels = 2;
                    e.model_id = eng.model_id();
                    e.window_plan = "segments";
                    e.content_hash = std::to_string(k);
                    std::vector<double> sum(dim);
                    for (size_t w = 0; w < per; w++) {
                        std::vector<float> v(dim);
                        double norm = 0;
                        for (float& x : v) {
                            x = g(rng);
                            norm += double(x) * x;
                        }
                        for (size_t j = 0; j < dim; j++) sum[j] += v[j] = static_cast<float>(v[j] / std::sqrt(norm));
                        e.windows.push_back({5.0 * w, 10, std::move(v)});
                    }
                    double norm = 0;
                    for (double x : sum) norm += x * x;
                    for (double x : sum) e.vector.push_back(static_cast<float>(x / std::sqrt(norm)));
                    batch.push_back(std::move(e));
                }
                cat.put_many(batch);
            }
        }
        {  // Each planted hour's recording print: random hashes (unrelated audio) and levels.
            catalog cat(big);
            std::uniform_int_distribution<uint32_t> bits;
            for (const analysis_target& t : cat.analysis_targets(catalog::derived::recording_prints)) {
                if (t.current) continue;
                recording_print p;
                p.fingerprint.seconds_per_hash = 1365.0 / 11025;
                p.fingerprint.duration_seconds = 3600;
                p.seconds_per_level = 1103.0 / 11025;
                p.fingerprint.hashes.resize(static_cast<size_t>(3598 / p.fingerprint.seconds_per_hash));
                for (uint32_t& h : p.fingerprint.hashes) h = bits(rng);
                p.levels_db.assign(static_cast<size_t>(3599 / p.seconds_per_level), -20.0f);
                cat.put_recording_print(t, p);
            }
        }
        const auto scan_lib = library::open(big, library::open_mode::read_only);
        find_params fp;
        fp.refine = false;
        for (int run = 0; run < 2; run++) {
            const auto t0 = bench::clock_type::now();
            const find_report r = scan_lib->find_clip(clip, eng, fp);
            std::printf("find over %zu windows (%.0f h at a 5 s hop, %zu files), run %d (%s): %.3f s in all, of which "
                        "read + scan %.3f s\n",
                        r.windows, r.windows * 5.0 / 3600, r.files, run + 1, run == 0 ? "a fresh handle" : "the same handle, rows kept",
                        bench::seconds_since(t0), r.scan_seconds);
        }
        // The fingerprint stage over the same hours (a clip's fingerprint at 5 speeds slid along 1,000 hours
        // of hashes): refinement on, but no window reaches 100 sigma, so only stage 0 runs.
        fp.refine = true;
        fp.min_sigmas = 100;
        for (int run = 0; run < 2; run++) {
            const auto t0 = bench::clock_type::now();
            const find_report r = scan_lib->find_clip(clip, eng, fp);
            std::printf("find with fingerprints over %zu printed recordings (%.0f h), run %d (%s): %.3f s in all, of which "
                        "the windows' scan %.3f s, the fingerprints %.3f s (%zu places lined up)\n",
                        r.printed, r.windows * 5.0 / 3600, run + 1, run == 0 ? "a fresh handle" : "the same handle, rows kept",
                        bench::seconds_since(t0), r.scan_seconds, r.print_seconds, r.print_hits);
        }
        // The timeline over the same hours, against four random kind vectors (its cost; the planted levels are
        // never silent), and a find --within that needs it.
        label_set kinds{"segments", {"speech", "music", "speech over music", "noise"}, {}, static_cast<int64_t>(dim)};
        std::normal_distribution<float> g(0, 1);
        for (size_t k = 0; k < 4 * dim; k++) kinds.vectors.push_back(g(rng) / std::sqrt(static_cast<float>(dim)));
        timeline_params tp;
        tp.labels = kinds;
        for (int run = 0; run < 2; run++) {
            const auto t0 = bench::clock_type::now();
            const timeline_report r = scan_lib->timeline(tp, eng);
            size_t segments = 0;
            for (const file_timeline& f : r.files) segments += f.segments.size();
            std::printf("timeline over %zu recordings (%.0f h), run %d: %.3f s, %zu segments\n", r.files.size(),
                        static_cast<double>(files), run + 1, bench::seconds_since(t0), segments);
        }
        fp.refine = false;
        fp.min_sigmas = 5;
        fp.within = segment_kind::music;
        fp.timeline.labels = kinds;
        const auto t0 = bench::clock_type::now();
        const find_report r = scan_lib->find_clip(clip, eng, fp);
        std::printf("find --within music over %.0f h (refinement off): %.3f s, %zu of %zu windows within\n",
                    r.windows * 5.0 / 3600, bench::seconds_since(t0), r.windows_within, r.windows);
    }

// Frames of 0.1 s marked by [start, end) spans, and the counts that give precision and recall.
void mark(std::vector<bool>& frames, const std::vector<std::pair<double, double>>& spans, bool value) {
    for (const auto& [a, b] : spans)
        for (auto k = static_cast<size_t>(std::max(0.0, std::round(a / 0.1))); k < frames.size() && k < std::round(b / 0.1); k++)
            frames[k] = value;
}
struct frame_counts {
    size_t both = 0, said = 0, made = 0;
    void add(const std::vector<bool>& truth, const std::vector<bool>& guess) {
        for (size_t k = 0; k < truth.size(); k++) both += truth[k] && guess[k], said += guess[k], made += truth[k];
    }
    double precision() const { return said ? double(both) / said : 0; }
    double recall() const { return made ? double(both) / made : 0; }
};

// ffmpeg's silencedetect at its defaults (noise=-60dB:d=2), as [start, end) spans.
std::vector<std::pair<double, double>> silencedetect(const std::string& path) {
    const std::string out = bench::run_output("ffmpeg -hide_banner -nostats -i " + bench::shell_quote(path) +
                                              " -af silencedetect=noise=-60dB:d=2 -f null - 2>&1");
    std::vector<std::pair<double, double>> spans;
    double start = -1;
    for (size_t at = 0; (at = out.find("silence_", at)) != std::string::npos; at++) {
        if (out.compare(at, 15, "silence_start: ") == 0) start = std::stod(out.substr(at + 15));
        else if (out.compare(at, 13, "silence_end: ") == 0 && start >= 0) {
            spans.emplace_back(start, std::stod(out.substr(at + 13)));
            start = -1;
        }
    }
    if (start >= 0) spans.emplace_back(start, 1e9);  // silent to the end
    return spans;
}

// The kinds' stand-in vectors for a model without its text tower's tokenizer (the random bench model):
// the vectors of example recordings made like the archive's parts, but none of them in it.
label_set stand_in_labels(const engine& eng, const fs::path& work, const std::vector<std::vector<float>>& pool) {
    std::vector<float> speech;
    for (size_t k = 0; k < 4; k++) speech.insert(speech.end(), pool[k * 7 % pool.size()].begin(), pool[k * 7 % pool.size()].end());
    const std::vector<float> music = mono_music(424242, 40), bed = mono_music(434343, static_cast<double>(speech.size()) / rate + 1);
    std::vector<float> mix = speech, noise(static_cast<size_t>(40 * rate));
    for (size_t i = 0; i < mix.size(); i++) mix[i] += 0.25f * bed[i];
    std::mt19937 rng(17);
    std::normal_distribution<float> n(0, 1);
    float low = 0;
    for (size_t i = 0; i < noise.size(); i++) noise[i] = i < noise.size() / 2 ? (low = 0.995f * low + 0.006f * n(rng)) : 0.03f * n(rng);
    write_wav(work / "example-speech.wav", speech);
    write_wav(work / "example-music.wav", music);
    write_wav(work / "example-mix.wav", mix);
    write_wav(work / "example-noise.wav", noise);
    return segment_labels(eng, {{"speech", {work / "example-speech.wav"}}, {"music", {work / "example-music.wav"}},
                                {"speech over music", {work / "example-mix.wav"}}, {"noise", {work / "example-noise.wav"}}});
}

// A fresh library of `root` at the segments plan, on 2 workers.
index_report index_segments(const fs::path& lib_dir, const fs::path& root, const engine& eng) {
    fs::remove_all(lib_dir);
    auto lib = library::open(lib_dir);
    index_params ip;
    ip.track.plan = segments_plan();
    ip.threads = 2;  // with the fingerprints and the recording prints, as `sonavec index` does
    return lib->index({root}, eng, ip);
}

}  // namespace

int main(int argc, char** argv) try {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines as they come, also into a pipe
    const char* home = std::getenv("HOME");
    const fs::path model = bench::arg(argc, argv, "--model", std::string(home ? home : "") + "/.cache/sonavec/bench/clap-htsat-unfused-random");
    const double hours = std::stod(bench::arg(argc, argv, "--hours", "3"));
    const int shows = std::stoi(bench::arg(argc, argv, "--shows", "6"));
    const std::string prec = bench::arg(argc, argv, "--precision", "bf16");
    const double scan_hours = std::stod(bench::arg(argc, argv, "--scan-hours", "1000"));
    const fs::path work = bench::arg(argc, argv, "--work", "/tmp/sonavec-bench-find");
    if (bench::arg(argc, argv, "--only-scan", "no") == "yes") {  // the 1,000-hour find alone
        engine_params ep;
        ep.model_dir = model;
        ep.threads = 2;
        ep.products = parse_precision(prec);
        const auto eng = engine::open(ep);
        write_wav(work / "jingle-a.wav", mono_music(1007, 5));
        scan_bench(*eng, work, scan_hours, work / "jingle-a.wav");
        return 0;
    }
    const int insertions = 30;
    fs::create_directories(work / "archive");

    // --- The archive ---
    std::mt19937 rng(15);
    std::uniform_real_distribution<double> u(0, 1);
    const auto pool = speech_pool(work);
    const std::vector<float> jingle_a = mono_music(1007, 5), jingle_b = mono_music(2007, 5);
    write_wav(work / "jingle-a.wav", jingle_a);
    write_wav(work / "jingle-b.wav", jingle_b);
    const double show_seconds = hours * 3600 / shows;
    std::vector<truth> truths;
    std::vector<placed> layout;
    std::vector<int> per_show(static_cast<size_t>(shows), insertions / shows);
    for (int i = 0; i < insertions % shows; i++) per_show[static_cast<size_t>(i)]++;
    for (int s = 0; s < shows; s++) {
        const fs::path path = work / "archive" / ("show-" + std::to_string(s) + ".wav");
        std::vector<float> x;
        x.reserve(static_cast<size_t>(show_seconds * rate));
        std::normal_distribution<float> n(0, 1);
        while (x.size() < static_cast<size_t>(show_seconds * rate)) {
            const double kind = u(rng);
            const double at = static_cast<double>(x.size()) / rate;
            const std::string where = fs::absolute(path).string();
            if (kind < 0.5) {  // speech, a few clips back to back; a third of the time over a music bed at -12 dB
                const bool bed = u(rng) < 1.0 / 3;
                const size_t first = x.size();
                for (int k = 0; k < 3; k++) {
                    const size_t pick = static_cast<size_t>(u(rng) * pool.size());
                    const auto& c = pool[pick];
                    const float g = static_cast<float>(0.6 + 0.6 * u(rng));
                    const double clip_at = static_cast<double>(x.size()) / rate;
                    for (float v : c) x.push_back(g * v);
                    layout.push_back({where, clip_at, static_cast<double>(x.size()) / rate,
                                      bed ? "speech over music" : "speech", pick});
                }
                if (bed) {
                    const auto m = mono_music(static_cast<uint32_t>(100 + u(rng) * 100000),
                                              static_cast<double>(x.size() - first) / rate + 1);
                    for (size_t i = first; i < x.size(); i++) x[i] += 0.25f * m[i - first];
                }
            } else if (kind < 0.7) {  // a noise bed: brown or white, 20-60 s
                const size_t len = static_cast<size_t>((20 + 40 * u(rng)) * rate);
                const bool brown = u(rng) < 0.5;
                const float g = static_cast<float>(brown ? 0.004 + 0.004 * u(rng) : 0.02 + 0.03 * u(rng));
                float low = 0;
                for (size_t i = 0; i < len; i++) {
                    low = brown ? 0.995f * low + g * n(rng) : g * n(rng);
                    x.push_back(low);
                }
                layout.push_back({where, at, static_cast<double>(x.size()) / rate, "noise"});
            } else if (kind < 0.95) {  // music, 30-90 s, a new piece each time
                const auto m = mono_music(static_cast<uint32_t>(100 + u(rng) * 100000), 30 + 60 * u(rng));
                x.insert(x.end(), m.begin(), m.end());
                layout.push_back({where, at, static_cast<double>(x.size()) / rate, "music"});
            } else {  // silence, 2-6 s: digital, or half the time a tape's hiss at -76 dB RMS (peaks under -60 dB)
                const size_t len = static_cast<size_t>((2 + 4 * u(rng)) * rate);
                const bool hiss = u(rng) < 0.5;
                for (size_t i = 0; i < len; i++) x.push_back(hiss ? 1.5e-4f * n(rng) : 0.0f);
                layout.push_back({where, at, static_cast<double>(x.size()) / rate, "silence"});
            }
        }
        x.resize(static_cast<size_t>(show_seconds * rate));
        // The jingle's playings: spread over the show, at least 40 s apart.
        std::vector<double> starts;
        const size_t count = static_cast<size_t>(per_show[static_cast<size_t>(s)]);
        const double apart = std::min(40.0, (show_seconds - 30) / (2.0 * static_cast<double>(count)));
        if (apart < 10) throw std::runtime_error("the shows are too short for the jingle's playings: give more --hours");
        while (starts.size() < count) {
            const double t = 10 + u(rng) * (show_seconds - 30);
            if (std::all_of(starts.begin(), starts.end(), [&](double o) { return std::fabs(o - t) > apart; })) starts.push_back(t);
        }
        for (double t : starts) {
            const double speed = 0.98 + 0.04 * u(rng);
            const float gain = static_cast<float>(std::pow(10.0, (-6 + 9 * u(rng)) / 20));
            const std::vector<float> j = test::at_speed(jingle_a, speed);
            const size_t first = static_cast<size_t>(t * rate);
            for (size_t i = 0; i < j.size() && first + i < x.size(); i++) x[first + i] = 0.25f * x[first + i] + gain * j[i];
            truths.push_back({fs::absolute(path).string(), t, static_cast<double>(j.size()) / rate});
        }
        write_wav(path, x);
    }
    std::printf("archive: %d shows, %.2f h, jingle A inserted %zu times, jingle B never\n", shows, hours, truths.size());
    {  // The archive's known timeline, for a look from outside: path, start, end, kind, speech clip
        std::ofstream t(work / "archive" / "layout.tsv");
        for (const placed& p : layout) t << p.path << "\t" << p.start << "\t" << p.end << "\t" << p.kind << "\t" << p.clip << "\n";
        for (const truth& j : truths) t << j.path << "\t" << j.start << "\t" << j.start + j.length << "\tjingle\t0\n";
    }

    // --- Indexing speed per precision (one show), then the whole archive at --precision ---
    std::map<std::string, std::unique_ptr<engine>> engines;
    const bool speeds = bench::arg(argc, argv, "--speeds", "yes") == "yes";
    for (const std::string p : {"fp32", "bf16", "int8"}) {
        if (!speeds && p != prec) continue;
        engine_params ep;
        ep.model_dir = model;
        ep.threads = 2;
        ep.products = parse_precision(p);
        engines[p] = engine::open(ep);
        if (!speeds) continue;
        const index_report r = index_segments(work / ("speed-" + p), work / "archive" / "show-0.wav", *engines[p]);
        std::printf("index %s: %.1f min of audio in %.1f s: %.0f audio hours per wall hour\n", p.c_str(),
                    show_seconds / 60, r.seconds, show_seconds / r.seconds);
    }
    const engine& eng = *engines.at(prec);
    const fs::path lib_dir = work / "lib";
    {
        const index_report r = index_segments(lib_dir, work / "archive", eng);
        std::printf("index %s, the archive: %.2f h in %.1f s: %.0f audio hours per wall hour\n", prec.c_str(), hours,
                    r.seconds, hours * 3600 / r.seconds);
    }

    // --- find ---
    const auto lib = library::open(lib_dir, library::open_mode::read_only);
    for (const char* q : {"jingle-a.wav", "jingle-b.wav"}) {
        const auto t0 = bench::clock_type::now();
        const find_report r = lib->find_clip(work / q, eng, {});
        const double secs = bench::seconds_since(t0);
        size_t matched = 0, correct = 0;
        std::vector<bool> used(truths.size());
        for (const occurrence& o : r.occurrences) {
            bool ok = false;
            for (size_t k = 0; k < truths.size(); k++)
                if (!used[k] && truths[k].path == o.path && std::fabs(truths[k].start - o.start_seconds) <= 0.5) {
                    used[k] = ok = true;
                    break;
                }
            correct += ok;
        }
        matched = static_cast<size_t>(std::count(used.begin(), used.end(), true));
        std::printf("find %s: %zu moments in %.1f s (scan %.3f s, fingerprints %.1f s: %zu places lined up in %zu "
                    "recordings; refinement %.1f s; %zu candidates, %zu regions; "
                    "threshold %.5f = median %.5f + 5 x %.5f)\n",
                    q, r.occurrences.size(), secs, r.scan_seconds, r.print_seconds, r.print_hits, r.printed,
                    r.refine_seconds, r.candidates, r.regions, r.threshold, r.moment_median, r.moment_deviation);
        size_t by_print = 0;
        double low_print = 1;
        for (const occurrence& o : r.occurrences)
            if (o.print_similarity > 0) {
                by_print++;
                low_print = std::min(low_print, o.print_similarity);
            }
        std::printf("  %zu found by the fingerprints (lowest similarity %.3f), %zu by the vectors\n", by_print,
                    by_print ? low_print : 0.0, r.occurrences.size() - by_print);
        if (std::string(q) == "jingle-a.wav")
            std::printf("  recall %.3f (%zu of %zu within 0.5 s), precision %.3f\n", double(matched) / truths.size(), matched,
                        truths.size(), r.occurrences.empty() ? 0.0 : double(correct) / r.occurrences.size());
        for (const occurrence& o : r.occurrences)
            if (std::none_of(truths.begin(), truths.end(), [&](const truth& t) {
                    return t.path == o.path && std::fabs(t.start - o.start_seconds) <= 0.5;
                }))
                std::printf("  not a playing: %s %.2f s, score %.5f, %.1f sigma, match %.3f, fingerprint %.3f\n",
                            fs::path(o.path).filename().c_str(), o.start_seconds, o.score, o.sigmas, o.match,
                            o.print_similarity);
        // How far each found playing is from the truth, and the spectral matches.
        double worst = 0, low_match = 1;
        for (const occurrence& o : r.occurrences)
            for (const truth& t : truths)
                if (t.path == o.path && std::fabs(t.start - o.start_seconds) <= 0.5) {
                    worst = std::max(worst, std::fabs(t.start - o.start_seconds));
                    low_match = std::min(low_match, o.match);
                }
        if (std::string(q) == "jingle-a.wav") std::printf("  worst placement %.2f s, lowest match %.3f\n", worst, low_match);
        if (std::string(q) == "jingle-b.wav") {  // how near chance came: every place its fingerprint lined up, unjudged
            find_params unjudged;
            unjudged.min_match = -0.99;
            unjudged.min_sigmas = 100;
            double top_match = -1, top_print = 0;
            size_t places = 0;
            for (const occurrence& o : lib->find_clip(work / q, eng, unjudged).occurrences)
                if (o.print_similarity > 0) {
                    places++;
                    top_match = std::max(top_match, o.match);
                    top_print = std::max(top_print, o.print_similarity);
                }
            std::printf("  its %zu chance places: spectral match at most %.3f, fingerprint at most %.3f\n", places, top_match,
                        top_print);
        }
        // What was missed, with the scores it would have had.
        find_params loose;
        loose.min_sigmas = 0;
        loose.min_match = -0.99;  // still computed, never refusing
        if (std::string(q) == "jingle-a.wav" && matched < truths.size()) {
            const find_report all = lib->find_clip(work / q, eng, loose);
            for (size_t k = 0; k < truths.size(); k++) {
                if (used[k]) continue;
                std::string seen = "no candidate region";
                for (const occurrence& o : all.occurrences)
                    if (o.path == truths[k].path && std::fabs(o.start_seconds - truths[k].start) <= 1.0) {
                        char b[160];
                        std::snprintf(b, sizeof b, "found at %.2f s, score %.5f (%.1f sigma), match %.3f", o.start_seconds,
                                      o.score, o.sigmas, o.match);
                        seen = b;
                    }
                std::printf("  missed %s %.2f s: %s\n", fs::path(truths[k].path).filename().c_str(), truths[k].start, seen.c_str());
            }
        }
    }

    // --- recurring ---
    {
        const recurring_report rr = lib->recurring({});
        const auto overlap = [](double a0, double a1, double b0, double b1) { return std::min(a1, b1) - std::max(a0, b0); };
        size_t best_jingle = 0, invented = 0, speech_items = 0;
        std::set<size_t> jingle_found;
        for (const recurring_item& item : rr.items) {
            std::set<size_t> playings;
            std::set<size_t> clips;
            size_t in_speech = 0;
            std::map<std::string, size_t> kinds;
            for (const recurring_occurrence& o : item.occurrences) {
                for (size_t k = 0; k < truths.size(); k++)
                    if (truths[k].path == o.path &&
                        overlap(o.start_seconds, o.end_seconds, truths[k].start, truths[k].start + truths[k].length) > 1)
                        playings.insert(k);
                // The speech clip the occurrence lies most in, if any.
                double most = 0;
                const placed* where = nullptr;
                for (const placed& p : layout)
                    if (p.path == o.path) {
                        const double v = overlap(o.start_seconds, o.end_seconds, p.start, p.end);
                        if (v > most) {
                            most = v;
                            where = &p;
                        }
                    }
                kinds[where ? where->kind : "nothing"]++;
                if (where && (where->kind == "speech" || where->kind == "speech over music")) {
                    in_speech++;
                    clips.insert(where->clip);
                }
            }
            const bool jingle = playings.size() * 2 >= item.occurrences.size();
            if (jingle) {
                best_jingle = std::max(best_jingle, playings.size());
                jingle_found.insert(playings.begin(), playings.end());
            } else if (in_speech == item.occurrences.size()) {
                speech_items++;
            } else {
                invented++;
                std::string mix;
                for (const auto& [k, n] : kinds) mix += " " + k + " " + std::to_string(n);
                std::printf("  recurring, not a planted recurrence: %zu occurrences of %.1f s, first %s %.1f s; mostly in:%s\n",
                            item.occurrences.size(), item.length_seconds,
                            fs::path(item.occurrences[0].path).filename().c_str(), item.occurrences[0].start_seconds, mix.c_str());
            }
        }
        std::printf("recurring: %zu items in %.1f s over %.2f h (%zu seeds checked, %zu matched pairs): jingle A's "
                    "largest item holds %zu of its %zu playings (%zu in all its items); %zu items are reused speech "
                    "clips (recurrences the archive really has); %zu items are neither\n",
                    rr.items.size(), rr.seconds, rr.hours, rr.seeds, rr.pairs, best_jingle, truths.size(),
                    jingle_found.size(), speech_items, invented);
    }

    // --- Segmentation: silence against the layout (and ffmpeg silencedetect beside it), kinds with stand-ins ---
    const label_set stand_ins = stand_in_labels(eng, work, pool);
    {
        timeline_params tp;
        tp.labels = stand_ins;
        const auto t0 = bench::clock_type::now();
        const timeline_report tr = lib->timeline(tp, eng);
        const double secs = bench::seconds_since(t0);
        // Silence, every 0.1 s: what the layout made silent (minus the jingles laid over it), what the
        // timeline says, what silencedetect says with the same -60 dB and 2 s.
        frame_counts ours, ffmpeg;
        double ffmpeg_seconds = 0;
        size_t made = 0, found_ours = 0, found_ffmpeg = 0;
        for (const file_timeline& f : tr.files) {
            const size_t frames = static_cast<size_t>(f.duration_seconds / 0.1);
            std::vector<bool> made_silent(frames), by_us(frames), by_ffmpeg(frames);
            std::vector<std::pair<double, double>> made_here, ours_here;
            for (const placed& p : layout)
                if (p.path == f.path && p.kind == "silence") made_here.emplace_back(p.start, p.end);
            mark(made_silent, made_here, true);
            std::vector<std::pair<double, double>> jingles;
            for (const truth& j : truths)
                if (j.path == f.path) jingles.emplace_back(j.start, j.start + j.length);
            mark(made_silent, jingles, false);
            for (const timeline_segment& g : f.segments)
                if (g.kind == segment_kind::silence) ours_here.emplace_back(g.start_seconds, g.end_seconds);
            mark(by_us, ours_here, true);
            const auto f0 = bench::clock_type::now();
            const auto theirs = silencedetect(f.path);
            ffmpeg_seconds += bench::seconds_since(f0);
            mark(by_ffmpeg, theirs, true);
            ours.add(made_silent, by_us);
            ffmpeg.add(made_silent, by_ffmpeg);
            // Silences of the layout at least 2 s long once the jingles are out, and whether each was found
            // (half of it or more marked).
            for (const auto& [a, b] : made_here) {
                const auto from = static_cast<size_t>(a / 0.1), to = std::min(frames, static_cast<size_t>(b / 0.1));
                size_t silent = 0, us = 0, them = 0;
                for (size_t k = from; k < to; k++)
                    silent += made_silent[k], us += made_silent[k] && by_us[k], them += made_silent[k] && by_ffmpeg[k];
                if (silent < 20) continue;
                made++;
                found_ours += 2 * us >= silent;
                found_ffmpeg += 2 * them >= silent;
            }
        }
        std::printf("timeline: %zu recordings, %.2f h, in %.2f s (stored windows and levels, nothing decoded)\n",
                    tr.files.size(), hours, secs);
        std::printf("  silence every 0.1 s against the layout (-60 dB, 2 s): sonavec precision %.3f recall %.3f; "
                    "ffmpeg silencedetect precision %.3f recall %.3f (%.1f s decoding the archive); silences of 2 s or more "
                    "made %zu, found %zu (sonavec) and %zu (ffmpeg)\n",
                    ours.precision(), ours.recall(), ffmpeg.precision(), ffmpeg.recall(), ffmpeg_seconds, made, found_ours,
                    found_ffmpeg);
        // Kinds, on cells whose windows lie wholly inside one layout part and away from the jingles: random
        // weights, so a measure of the mechanics with stand-in vectors, not of what real weights would say.
        std::map<std::string, std::map<std::string, size_t>> confusion;
        std::vector<placed> parts;  // the layout with neighbouring rows of one kind joined (speech comes in clips)
        for (const placed& p : layout) {
            if (!parts.empty() && parts.back().path == p.path && parts.back().kind == p.kind && p.start - parts.back().end < 0.01)
                parts.back().end = p.end;
            else
                parts.push_back(p);
        }
        for (const file_timeline& f : tr.files)
            for (const placed& p : parts) {
                if (p.path != f.path || p.kind == "silence") continue;
                for (double c = 5 * std::ceil((p.start + 5) / 5); c + 10 <= p.end; c += 5) {
                    const bool jingle = std::any_of(truths.begin(), truths.end(), [&](const truth& j) {
                        return j.path == f.path && j.start < c + 10 && j.start + j.length > c - 5;
                    });
                    if (jingle) continue;
                    const auto k = kind_at(f, c + 2.5);
                    confusion[p.kind][k ? segment_kind_name(*k) : "none"]++;
                }
            }
        std::printf("  kinds with stand-in vectors (random weights: mechanics only), cells inside one part:");
        for (const auto& [made_kind, said] : confusion) {
            size_t all = 0;
            for (const auto& [k, n] : said) all += n;
            const auto right = said.count(made_kind) ? said.at(made_kind) : 0;
            std::printf(" %s %zu/%zu", made_kind.c_str(), right, all);
        }
        std::printf("\n");
        // find --within: the cost of the timeline on top of a find.
        find_params within;
        within.within = segment_kind::music;
        within.timeline.labels = stand_ins;
        const auto w0 = bench::clock_type::now();
        const find_report wr = lib->find_clip(work / "jingle-a.wav", eng, within);
        std::printf("find jingle-a.wav --within music: %zu moments in %.1f s, %zu of %zu windows within music\n",
                    wr.occurrences.size(), bench::seconds_since(w0), wr.windows_within, wr.windows);
    }

    // --- Storage: int8 and float16 against float32, on one show's windows ---
    {
        track_embed_params tp;
        tp.plan = segments_plan();
        const track_embedding t = embed_track(eng, work / "archive" / "show-0.wav", tp);
        const size_t n = t.windows.size(), dim = static_cast<size_t>(eng.dim());
        std::vector<float> exact(n * dim), i8(n * dim), r8(n * dim), f16(n * dim);
        for (size_t i = 0; i < n; i++) {
            const float* v = t.windows[i].vector.data();
            std::copy(v, v + dim, exact.begin() + static_cast<std::ptrdiff_t>(i * dim));
            float scale = 0;
            std::vector<int8_t> codes(dim);
            encode_int8(v, static_cast<int64_t>(dim), scale, codes.data());
            decode_int8(scale, codes.data(), static_cast<int64_t>(dim), i8.data() + i * dim);
            const std::vector<unsigned char> blob = int8_code_blob(v, t.vector.data(), static_cast<int64_t>(dim));
            decode_int8_blob(blob.data(), blob.size(), t.vector.data(), static_cast<int64_t>(dim), r8.data() + i * dim);
            for (size_t j = 0; j < dim; j++) f16[i * dim + j] = half_to_float(float_to_half(v[j]));
        }
        // Planted vectors too: unit vectors around 64 centres, the spread the real model's space has.
        const size_t pn = 20000;
        std::vector<float> p(pn * dim), p8(pn * dim), p16(pn * dim);
        std::normal_distribution<float> g(0, 1);
        std::vector<float> centres(64 * dim);
        for (float& c : centres) c = g(rng);
        for (size_t i = 0; i < pn; i++) {
            double norm = 0;
            for (size_t j = 0; j < dim; j++) {
                p[i * dim + j] = centres[(i % 64) * dim + j] + 0.7f * g(rng);
                norm += double(p[i * dim + j]) * p[i * dim + j];
            }
            for (size_t j = 0; j < dim; j++) p[i * dim + j] = static_cast<float>(p[i * dim + j] / std::sqrt(norm));
            float scale = 0;
            std::vector<int8_t> codes(dim);
            encode_int8(p.data() + i * dim, static_cast<int64_t>(dim), scale, codes.data());
            decode_int8(scale, codes.data(), static_cast<int64_t>(dim), p8.data() + i * dim);
            for (size_t j = 0; j < dim; j++) p16[i * dim + j] = half_to_float(float_to_half(p[i * dim + j]));
        }
        std::printf("storage recall@10 against float32: archive windows (%zu, one show): int8 %.4f, int8 of the "
                    "difference from the track vector (stored) %.4f, float16 %.4f; "
                    "planted (%zu): int8 %.4f, float16 %.4f; bytes per 512-d window: int8 %zu, float16 1024, float32 2048\n",
                    n, recall_at_10(exact, i8, n, dim, 100), recall_at_10(exact, r8, n, dim, 100),
                    recall_at_10(exact, f16, n, dim, 100), pn,
                    recall_at_10(p, p8, pn, dim, 200), recall_at_10(p, p16, pn, dim, 200), int8_code_bytes(512));
    }

    if (scan_hours > 0) scan_bench(eng, work, scan_hours, work / "jingle-a.wav");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_find: %s\n", e.what());
    return 1;
}
