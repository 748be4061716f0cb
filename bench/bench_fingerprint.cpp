// Accuracy and cost of acoustic fingerprints (sonavec/fingerprint.h) on a planted library, and fpcalc
// (Chromaprint's own command, Debian libchromaprint-tools) on the same files as the peer.
// usage: bench_fingerprint [--originals N] [--seconds S] [--dir DIR] [--fpcalc PATH|none]
//   N originals (default 10) of S seconds (default 180) from tests/support/music_signal.h, each with
//   10 copies of the same recording (mp3 128k and 320k, aac 192k, flac, +6 dB, -6 dB, resampled 48 ->
//   44.1 kHz, 1 s and 1.06 s cut off the start, 1 s cut off the end) and a variant that is not the same (sox pitch
//   +100 cents), plus N distinct tracks from the same generator with other seeds.
// Prints markdown (the tables in BENCHMARKS.md): every pair of files in the library is "same" when both
// come from one original and neither is the pitch shift; precision and recall of similarity >=
// threshold for a range of thresholds, the similarity ranges per kind of pair, fingerprint ms per file
// and compare_fingerprints microseconds per pair, and fpcalc's time and agreement with our hashes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "audio/audio_decoder.h"
#include "bench_args.h"
#include "music_signal.h"
#include "sonavec/error.h"
#include "sonavec/fingerprint.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

using bench::run;
using bench::run_output;
using bench::shell_quote;

struct library_file {
    fs::path path;
    int recording;       // the original it comes from (distinct tracks: their own)
    std::string kind;    // "original", "mp3_128", ..., "pitch", "distinct"
    audio_fingerprint fp;
    double fingerprint_ms = 0;
};

struct variant {
    const char* kind;
    const char* ext;
    const char* args;  // ffmpeg arguments; empty: sox pitch
};
const variant variants[] = {
    {"mp3_128", "mp3", "-c:a libmp3lame -b:a 128k"}, {"mp3_320", "mp3", "-c:a libmp3lame -b:a 320k"},
    {"aac_192", "m4a", "-c:a aac -b:a 192k"},        {"flac", "flac", "-c:a flac"},
    {"plus_6db", "wav", "-af volume=6dB"},          {"minus_6db", "wav", "-af volume=-6dB"},
    {"rate_44k", "wav", "-ar 44100"},               {"trim_start_1s", "wav", "-ss 1"},
    // Half a hash more (1 s is 8.07 hashes, this 8.57): the worst alignment a trim can leave.
    {"trim_start_1.06s", "wav", "-ss 1.0619"},      {"trim_end_1s", "wav", "-t TRIM_END"},          {"pitch", "wav", ""},
};

bool is_same(const library_file& a, const library_file& b) {
    return a.recording == b.recording && a.kind != "pitch" && b.kind != "pitch";
}

// fpcalc's raw fingerprint of the first `length` seconds.
std::vector<uint32_t> fpcalc_hashes(const std::string& fpcalc, const fs::path& f, int length) {
    const std::string out = run_output(fpcalc + " -raw -length " + std::to_string(length) + " " + shell_quote(f.string()) + " 2>/dev/null");
    const auto at = out.find("FINGERPRINT=");
    std::vector<uint32_t> h;
    if (at == std::string::npos) return h;
    std::stringstream s(out.substr(at + 12));
    std::string item;
    while (std::getline(s, item, ',')) h.push_back(static_cast<uint32_t>(std::stoul(item)));
    return h;
}

double median(std::vector<double> x) {
    if (x.empty()) return 0;
    std::sort(x.begin(), x.end());
    return x[x.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
    const int originals = std::stoi(bench::arg(argc, argv, "--originals", "10"));
    const double seconds = std::stod(bench::arg(argc, argv, "--seconds", "180"));
    const fs::path dir = bench::arg(argc, argv, "--dir", (fs::temp_directory_path() / "sonavec_bench_fingerprint").string());
    std::string fpcalc = bench::arg(argc, argv, "--fpcalc", "fpcalc");
    if (fpcalc != "none" && std::system(("command -v " + fpcalc + " >/dev/null 2>&1").c_str()) != 0) fpcalc = "none";
    fs::create_directories(dir);
    constexpr int rate = 48000;

    // The planted library.
    std::vector<library_file> files;
    const auto t_make = bench::clock_type::now();
    for (int r = 0; r < 2 * originals; r++) {
        const bool distinct = r >= originals;
        const fs::path orig = dir / ("track" + std::to_string(r) + ".wav");
        if (!fs::exists(orig)) test::write_stereo_wav(orig, test::music_signal(1000u + static_cast<uint32_t>(r), seconds, rate), rate);
        files.push_back({orig, r, distinct ? "distinct" : "original", {}, 0});
        if (distinct) continue;
        for (const variant& v : variants) {
            const fs::path out = dir / ("track" + std::to_string(r) + "_" + v.kind + "." + v.ext);
            if (!fs::exists(out)) {
                if (*v.args == 0) {
                    run("sox " + shell_quote(orig.string()) + " " + shell_quote(out.string()) + " pitch 100");
                } else {
                    std::string args = v.args;
                    if (const auto at = args.find("TRIM_END"); at != std::string::npos)
                        args.replace(at, 8, std::to_string(seconds - 1));
                    run("ffmpeg -v error -y -i " + shell_quote(orig.string()) + " " + args + " " + shell_quote(out.string()));
                }
            }
            files.push_back({out, r, v.kind, {}, 0});
        }
    }
    std::printf("library: %d originals x %zu variants + %d distinct = %zu files of %.0f s (made in %.0f s)\n\n",
                originals, std::size(variants), originals, files.size(), seconds, bench::seconds_since(t_make));

    // Fingerprints (the default 120 s, as fpcalc and AcoustID).
    for (library_file& f : files) {
        const auto t0 = bench::clock_type::now();
        f.fp = fingerprint_file(f.path);
        f.fingerprint_ms = 1000 * bench::seconds_since(t0);
    }

    // Every pair.
    struct scored { double similarity; bool same; std::string kinds; };
    std::vector<scored> pairs;
    const auto t_cmp = bench::clock_type::now();
    for (size_t i = 0; i < files.size(); i++)
        for (size_t j = i + 1; j < files.size(); j++) {
            const fingerprint_match m = compare_fingerprints(files[i].fp, files[j].fp);
            std::string kinds;
            if (is_same(files[i], files[j])) kinds = "same recording";
            else if (files[i].recording == files[j].recording) kinds = "pitch +1 semitone vs its original or copies";
            else kinds = "different recordings";
            pairs.push_back({m.similarity, is_same(files[i], files[j]), kinds});
        }
    const double us_per_pair = 1e6 * bench::seconds_since(t_cmp) / static_cast<double>(pairs.size());

    std::printf("| pairs | count | similarity min | median | max |\n|---|---|---|---|---|\n");
    std::map<std::string, std::vector<double>> by_kind;
    for (const scored& p : pairs) by_kind[p.kinds].push_back(p.similarity);
    for (auto& [k, v] : by_kind) {
        std::sort(v.begin(), v.end());
        std::printf("| %s | %zu | %.4f | %.4f | %.4f |\n", k.c_str(), v.size(), v.front(), v[v.size() / 2], v.back());
    }
    std::printf("\n| threshold | precision | recall | false matches | missed |\n|---|---|---|---|---|\n");
    for (double t : {0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 0.98}) {
        size_t tp = 0, fp = 0, fn = 0;
        for (const scored& p : pairs) {
            const bool said = p.similarity >= t;
            tp += said && p.same;
            fp += said && !p.same;
            fn += !said && p.same;
        }
        std::printf("| %.2f%s | %.4f | %.4f | %zu | %zu |\n", t, std::abs(t - same_recording_similarity) < 1e-9 ? " (default)" : "",
                    tp + fp ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1.0,
                    static_cast<double>(tp) / static_cast<double>(tp + fn), fp, fn);
    }
    // Per copy kind against its original: the lowest similarity at the default threshold's side.
    std::printf("\n| copy vs its original | min similarity | offset (hashes) |\n|---|---|---|\n");
    for (const variant& v : variants) {
        double lo = 2;
        int offset = 0;
        for (const library_file& o : files)
            if (o.kind == "original")
                for (const library_file& c : files)
                    if (c.recording == o.recording && c.kind == v.kind) {
                        const fingerprint_match m = compare_fingerprints(o.fp, c.fp);
                        if (m.similarity < lo) { lo = m.similarity; offset = m.offset; }
                    }
        std::printf("| %s | %.4f | %d |\n", v.kind, lo, offset);
    }

    // Cost per file, and the peer.
    std::map<std::string, std::vector<double>> ms_by_ext, fpcalc_ms_by_ext;
    std::map<std::string, int> identical, compared;
    std::map<std::string, double> agreement;
    for (const library_file& f : files) {
        const std::string ext = f.path.extension().string();
        ms_by_ext[ext].push_back(f.fingerprint_ms);
        if (fpcalc == "none") continue;
        const auto t0 = bench::clock_type::now();
        const std::vector<uint32_t> theirs = fpcalc_hashes(fpcalc, f.path, 120);
        fpcalc_ms_by_ext[ext].push_back(1000 * bench::seconds_since(t0));
        compared[ext]++;
        identical[ext] += theirs == f.fp.hashes;
        // Bit agreement at offset 0 over the common length.
        const size_t n = std::min(theirs.size(), f.fp.hashes.size());
        size_t errors = 0;
        for (size_t i = 0; i < n; i++) errors += static_cast<size_t>(__builtin_popcount(theirs[i] ^ f.fp.hashes[i]));
        agreement[ext] += n ? 1.0 - static_cast<double>(errors) / (32.0 * static_cast<double>(n)) : 0;
    }
    std::printf("\n| files | count | sonavec ms per file (median) | fpcalc ms per file (median) | fpcalc hashes identical | bit agreement (mean) |\n|---|---|---|---|---|---|\n");
    for (const auto& [ext, ms] : ms_by_ext) {
        if (fpcalc == "none") {
            std::printf("| %s | %zu | %.0f | - | - | - |\n", ext.c_str(), ms.size(), median(ms));
            continue;
        }
        std::printf("| %s | %zu | %.0f | %.0f | %d / %d | %.5f |\n", ext.c_str(), ms.size(), median(ms),
                    median(fpcalc_ms_by_ext[ext]), identical[ext], compared[ext], agreement[ext] / compared[ext]);
    }
    // Where the time goes, on the originals (wav) and the 128k mp3s: decoding alone at the file's own
    // rate, and the alternative to what fingerprint_file does (decode straight to Chromaprint's 11025 Hz
    // mono): the file's own rate and channels handed to Chromaprint, which resamples it itself.
    std::printf("\n| files | decode alone at its own rate ms (median) | fingerprint_file ms (11025 Hz decode) | own rate into Chromaprint ms | hashes identical between the two | bit agreement |\n|---|---|---|---|---|---|\n");
    for (const std::string kind : {"original", "mp3_128"}) {
        std::vector<double> decode_ms, ours_ms, native_ms;
        int same = 0, n_files = 0;
        double agree = 0;
        for (const library_file& f : files) {
            if (f.kind != kind) continue;
            n_files++;
            ours_ms.push_back(f.fingerprint_ms);
            auto t0 = bench::clock_type::now();
            {
                audio_decoder dec(f.path);
                dec.read_native(120, [](const float*, size_t) {});
            }
            decode_ms.push_back(1000 * bench::seconds_since(t0));
            t0 = bench::clock_type::now();
            audio_decoder dec(f.path);
            std::vector<float> pcm;
            dec.read_native(120, [&](const float* x, size_t n) { pcm.insert(pcm.end(), x, x + n * static_cast<size_t>(dec.info().channels)); });
            const audio_fingerprint r = fingerprint_samples(pcm.data(), pcm.size() / static_cast<size_t>(dec.info().channels),
                                                            dec.info().channels, dec.info().sample_rate);
            native_ms.push_back(1000 * bench::seconds_since(t0));
            same += r.hashes == f.fp.hashes;
            agree += compare_fingerprints(f.fp, r, 0).similarity;
        }
        std::printf("| %s | %.0f | %.0f | %.0f | %d / %d | %.5f |\n", kind.c_str(), median(decode_ms), median(ours_ms),
                    median(native_ms), same, n_files, agree / n_files);
    }
    std::printf("\ncompare_fingerprints: %.1f us per pair (%zu pairs, +-10 s of offsets, 120 s fingerprints)\n", us_per_pair, pairs.size());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_fingerprint: %s\n", e.what());
    return 1;
}
