// Accuracy and scale of library::duplicates (sonavec/duplicates.h).
// usage: bench_duplicates [--model DIR] [--originals N] [--seconds S] [--tracks T] [--dir DIR] [--part accuracy|scale|both]
//
// accuracy: a planted library of real files, indexed by library::index (fingerprints included) with the
//   model in DIR (default: the golden tiny model; tiers 1 and 2 do not use the vectors). N originals
//   (default 10) of S seconds (default 60) from tests/support/music_signal.h, each with a byte copy and 9
//   copies of the same recording (mp3 128k and 320k, aac 192k, flac, +6 dB, -6 dB, 48 -> 44.1 kHz, 1 s cut
//   off the start, 1 s off the end), a variant that is not the same (sox pitch +100 cents), plus N distinct
//   tracks from the same generator. Every pair of files is scored: "identical" truth for tier 1, "same
//   recording" (identical included, the pitch shift excluded) for tiers 1+2; precision and recall of the
//   pairs the groups imply.
// scale: T tracks (default 100,000) written straight into a catalog (512-d unit vectors, 120 s
//   fingerprints of random hashes; the vectors in 500 clusters), 1 % of them planted copies of another (a fingerprint with 5 % of its
//   bits flipped and up to 8 hashes trimmed, a vector at cosine 0.97) and 0.5 % byte copies; the time of a
//   full three-tier scan, its peak memory and the planted pairs found.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <omp.h>

#include "bench_args.h"
#include "library/catalog.h"
#include "library/library_index.h"
#include "library/vector_index.h"
#include "music_signal.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

using bench::run;
using bench::shell_quote;

long peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
    return -1;
}

using pair_set = std::set<std::pair<int64_t, int64_t>>;

void add_pair(pair_set& s, int64_t a, int64_t b) {
    if (a != b) s.insert({std::min(a, b), std::max(a, b)});
}

// The pairs the groups of the given tiers imply: all pairs inside a group, a member that keeps a lower
// tier's group standing for that whole group.
pair_set implied_pairs(const duplicate_report& r, const std::set<duplicate_tier>& tiers) {
    std::map<int64_t, std::vector<int64_t>> stands_for;  // keeper -> its lower group's members
    pair_set out;
    for (const duplicate_group& g : r.groups) {
        if (!tiers.count(g.tier)) continue;
        std::vector<int64_t> all;
        for (const duplicate_member& m : g.members) {
            all.push_back(m.id);
            if (auto it = stands_for.find(m.id); it != stands_for.end())
                for (int64_t x : it->second) all.push_back(x);
        }
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        for (size_t i = 0; i < all.size(); i++)
            for (size_t j = i + 1; j < all.size(); j++) add_pair(out, all[i], all[j]);
        stands_for[g.members[0].id] = all;
    }
    return out;
}

void precision_recall(const char* label, const pair_set& found, const pair_set& truth) {
    size_t hit = 0;
    for (const auto& p : found) hit += truth.count(p);
    const double precision = found.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(found.size());
    const double recall = truth.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(truth.size());
    std::printf("| %s | %zu | %zu | %zu | %.4f | %.4f |\n", label, truth.size(), found.size(), hit, precision, recall);
}

void accuracy(const fs::path& dir, const fs::path& model, int originals, double seconds) {
    const fs::path music = dir / "music", lib_dir = dir / "library";
    fs::remove_all(dir);
    fs::create_directories(music);
    struct planted_file {
        int recording;
        std::string kind;
    };
    std::map<std::string, planted_file> files;  // absolute path -> what it is
    const struct {
        const char* kind;
        const char* ext;
        const char* args;
    } copies[] = {{"mp3_128", "mp3", "-c:a libmp3lame -b:a 128k"}, {"mp3_320", "mp3", "-c:a libmp3lame -b:a 320k"},
                  {"aac", "m4a", "-c:a aac -b:a 192k"},           {"flac", "flac", "-c:a flac"},
                  {"plus6", "wav", "-af volume=6dB"},              {"minus6", "wav", "-af volume=-6dB"},
                  {"rate44k", "wav", "-ar 44100"},                 {"trim_start", "wav", "-ss 1"},
                  {"trim_end", "wav", ""}};
    for (int o = 0; o < originals; o++) {
        const std::string stem = (music / ("o" + std::to_string(o))).string();
        const std::string orig = stem + ".wav";
        test::write_stereo_wav(orig, test::music_signal(1000 + static_cast<uint32_t>(o), seconds, 48000), 48000);
        files[orig] = {o, "original"};
        fs::copy_file(orig, stem + "_bytecopy.wav");
        files[stem + "_bytecopy.wav"] = {o, "bytecopy"};
        for (const auto& c : copies) {
            const std::string out = stem + "_" + c.kind + "." + c.ext;
            std::string args = c.args;
            if (std::string(c.kind) == "trim_end") {
                char t[32];
                std::snprintf(t, sizeof t, "-t %.3f", seconds - 1);
                args = t;
            }
            run("ffmpeg -v error -y -i " + shell_quote(orig) + " " + args + " " + shell_quote(out));
            files[out] = {o, c.kind};
        }
        run("sox " + shell_quote(orig) + " " + shell_quote(stem + "_pitch.wav") + " pitch 100");
        files[stem + "_pitch.wav"] = {o, "pitch"};
        const std::string other = (music / ("d" + std::to_string(o) + ".wav")).string();
        test::write_stereo_wav(other, test::music_signal(5000 + static_cast<uint32_t>(o), seconds, 48000), 48000);
        files[other] = {originals + o, "distinct"};
    }
    engine_params ep = engine_default_params();
    ep.model_dir = model;
    const auto eng = engine::open(ep);
    index_params ip;
    const auto t0 = bench::clock_type::now();
    const index_report ir = library::open(lib_dir)->index({music}, *eng, ip);
    const double index_s = bench::seconds_since(t0);
    if (!ir.complete()) throw error(error_kind::io, "the planted library did not index completely");
    const auto lib = library::open(lib_dir, library::open_mode::read_only);
    std::map<int64_t, planted_file> by_id;
    for (const catalog_entry& e : lib->entries()) by_id[e.id] = files.at(e.path);
    pair_set identical, same;
    for (auto a = by_id.begin(); a != by_id.end(); ++a)
        for (auto b = std::next(a); b != by_id.end(); ++b) {
            if (a->second.recording != b->second.recording) continue;
            const std::set<std::string> kinds = {a->second.kind, b->second.kind};
            if (kinds == std::set<std::string>{"original", "bytecopy"}) add_pair(identical, a->first, b->first);
            if (!kinds.count("pitch")) add_pair(same, a->first, b->first);
        }
    duplicate_params p;
    p.tiers = {duplicate_tier::identical, duplicate_tier::same_recording};
    const auto t1 = bench::clock_type::now();
    const duplicate_report r = lib->duplicates(p);
    const double scan_s = bench::seconds_since(t1);
    std::printf("accuracy: %zu files (%d originals of %.0f s), indexed with fingerprints in %.1f s (%zu fingerprinted); "
                "scan %.3f s, %zu fingerprint pairs compared\n\n",
                by_id.size(), originals, seconds, index_s, ir.fingerprinted, scan_s, r.fingerprint_candidates);
    std::printf("| tiers | true pairs | pairs reported | correct | precision | recall |\n|---|---|---|---|---|---|\n");
    precision_recall("1 (identical bytes)", implied_pairs(r, {duplicate_tier::identical}), identical);
    precision_recall("1+2 (the same recording)", implied_pairs(r, {duplicate_tier::identical, duplicate_tier::same_recording}),
                     same);
    // Which kinds of copy were missed, and whether a pitch shift or a distinct track was ever joined.
    std::set<int64_t> in_a_group;
    for (const duplicate_group& g : r.groups)
        for (const duplicate_member& m : g.members) in_a_group.insert(m.id);
    std::map<std::string, int> grouped;
    for (const auto& [id, f] : by_id) grouped[f.kind] += in_a_group.count(id) ? 1 : 0;
    std::printf("\nfiles in a group, by kind (of %d each):", originals);
    for (const auto& [kind, n] : grouped) std::printf(" %s %d", kind.c_str(), n);
    std::printf("\n");
}

void scale(const fs::path& dir, size_t tracks) {
    fs::remove_all(dir);
    constexpr int dim = 512;
    constexpr size_t hashes = 968;  // 120 s at 0.1238 s a hash
    std::mt19937_64 rng(42);
    std::normal_distribution<float> gauss(0, 1);
    const auto unit = [&](std::vector<float>& v) {
        double s = 0;
        for (float x : v) s += static_cast<double>(x) * x;
        for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
    };
    const size_t copies = tracks / 100, byte_copies = tracks / 200;
    std::vector<std::vector<float>> centres(500, std::vector<float>(dim));
    for (auto& c : centres) {
        for (float& x : c) x = gauss(rng);
        unit(c);
    }
    std::vector<std::vector<uint32_t>> fp(tracks);
    std::vector<size_t> copy_of(tracks, SIZE_MAX);
    std::vector<catalog_entry> rows(tracks);
    const auto t0 = bench::clock_type::now();
    for (size_t i = 0; i < tracks; i++) {
        catalog_entry& e = rows[i];
        e.path = "/bench/" + std::to_string(i) + (i % 3 ? ".mp3" : ".flac");
        e.format = i % 3 ? "mp3" : "flac";
        e.duration_seconds = 120 + static_cast<double>(i % 97);
        e.size_bytes = static_cast<uint64_t>(e.duration_seconds * (i % 3 ? 40000 : 110000));
        e.mtime_ns = 1;
        e.sample_rate = 44100;
        e.channels = 2;
        e.model_id = "bench";
        e.window_plan = "seed";
        e.content_hash = "h" + std::to_string(i);
        e.vector.resize(dim);
        fp[i].resize(hashes);
        // The last copies + byte_copies tracks copy an earlier one.
        const size_t first_copy = tracks - copies - byte_copies;
        if (i >= first_copy) {
            const size_t src = (i - first_copy) * 37 % first_copy;
            copy_of[i] = src;
            if (i >= tracks - byte_copies) {
                e.content_hash = rows[src].content_hash;
                e.vector = rows[src].vector;
                fp[i] = fp[src];
                e.duration_seconds = rows[src].duration_seconds;
                continue;
            }
            std::vector<float> noise(dim);
            for (float& x : noise) x = gauss(rng);
            unit(noise);
            const double angle = std::acos(0.97);
            for (int d = 0; d < dim; d++)
                e.vector[static_cast<size_t>(d)] = static_cast<float>(std::cos(angle) * rows[src].vector[static_cast<size_t>(d)] +
                                                                      std::sin(angle) * noise[static_cast<size_t>(d)]);
            unit(e.vector);
            const size_t trim = rng() % 9;
            fp[i].assign(fp[src].begin() + static_cast<long>(trim), fp[src].end());
            for (uint32_t& h : fp[i])
                for (int b = 0; b < 32; b++)
                    if (rng() % 100 < 5) h ^= 1u << b;
            e.duration_seconds = rows[src].duration_seconds - static_cast<double>(trim) * 0.1238;
            continue;
        }
        // Clustered, as a collection's vectors are (genres, kinds of sound): a centre (cosine 0.78 with
        // it, 0.6 between two tracks of one cluster) plus noise. Random vectors without clusters would
        // make the vector index exact, and the scan the exact join of similar_pairs.h.
        const std::vector<float>& centre = centres[static_cast<size_t>(rng() % centres.size())];
        for (float& x : e.vector) x = gauss(rng);
        unit(e.vector);
        for (int d = 0; d < dim; d++) e.vector[static_cast<size_t>(d)] = centre[static_cast<size_t>(d)] + 0.8f * e.vector[static_cast<size_t>(d)];
        unit(e.vector);
        for (uint32_t& h : fp[i]) h = static_cast<uint32_t>(rng());
    }
    {
        catalog c(dir);
        for (size_t start = 0; start < tracks; start += 5000) {
            const std::vector<catalog_entry> part(rows.begin() + static_cast<long>(start),
                                                  rows.begin() + static_cast<long>(std::min(tracks, start + 5000)));
            c.put_many(part);
        }
        std::map<std::string, int64_t> id_of;
        for (const catalog_entry& e : c.entries()) id_of[e.path] = e.id;
        std::vector<std::pair<analysis_target, audio_fingerprint>> batch;
        for (size_t i = 0; i < tracks; i++) {
            analysis_target t;
            t.id = id_of.at(rows[i].path);
            t.path = rows[i].path;
            t.content_hash = rows[i].content_hash;
            audio_fingerprint f;
            f.hashes = fp[i];
            f.seconds_per_hash = 1365.0 / 11025;
            f.duration_seconds = static_cast<double>(f.hashes.size()) * f.seconds_per_hash;
            batch.emplace_back(t, std::move(f));
            if (batch.size() == 5000 || i + 1 == tracks) {
                c.put_fingerprints(batch);
                batch.clear();
            }
        }
    }
    const double write_s = bench::seconds_since(t0);
    for (auto& e : rows) std::vector<float>().swap(e.vector);
    fp.clear();
    fp.shrink_to_fit();
    const auto lib = library::open(dir, library::open_mode::read_only);
    const auto t1 = bench::clock_type::now();
    search_params sp;
    sp.k = 1;
    lib->similar(1, sp);  // builds and saves the vector index, as index would have
    const double index_s = bench::seconds_since(t1);
    std::map<std::string, int64_t> id_of;
    for (const catalog_entry& e : lib->entries()) id_of[e.path] = e.id;
    const long rss_before = peak_rss_mb();
    const auto t2 = bench::clock_type::now();
    const duplicate_report r = lib->duplicates(duplicate_params{});
    const double scan_s = bench::seconds_since(t2);
    // Tier 3 alone too: in the full scan the re-encodes are already tier 2's, and tier 3 sees one of each.
    duplicate_params only_similar;
    only_similar.tiers = {duplicate_tier::similar};
    const auto t3 = bench::clock_type::now();
    const duplicate_report r3 = lib->duplicates(only_similar);
    const double similar_s = bench::seconds_since(t3);
    std::map<duplicate_tier, pair_set> found;
    for (const duplicate_report* one : {&r, &r3})
        for (const duplicate_group& g : one->groups)
            for (size_t k = 1; k < g.members.size(); k++)
                add_pair(found[one == &r3 ? duplicate_tier::similar : g.tier], g.members[0].id, g.members[k].id);
    size_t tier1 = 0, tier2 = 0, tier3 = 0, planted = 0, planted_bytes = 0;
    for (size_t i = 0; i < tracks; i++) {
        if (copy_of[i] == SIZE_MAX) continue;
        const int64_t a = id_of.at(rows[i].path), b = id_of.at(rows[copy_of[i]].path);
        const std::pair<int64_t, int64_t> key{std::min(a, b), std::max(a, b)};
        if (i >= tracks - byte_copies) {
            planted_bytes++;
            tier1 += found[duplicate_tier::identical].count(key);
        } else {
            planted++;
            tier2 += found[duplicate_tier::same_recording].count(key);
            tier3 += found[duplicate_tier::similar].count(key);
        }
    }
    size_t reported = 0;
    for (const duplicate_group& g : r.groups) reported += g.members.size() - 1;

    // The range self-join alone against FAISS's own range search on an IndexIVFFlat of the same size
    // (2 sqrt(n) lists, the same k-means sample rule aside) with the same 8 probes, both on all cores.
    catalog c(dir, catalog_open::read_only);
    const catalog_vectors v = c.vectors(std::string("bench"));
    const vector_index idx = open_library_index(c, index_choice::automatic, "bench", 0);
    const auto t4 = bench::clock_type::now();
    const auto ours = idx.pairs_above(static_cast<float>(similar_min_cosine), 8, 0);
    const double ours_s = bench::seconds_since(t4);
    const auto n = static_cast<faiss::Index::idx_t>(v.ids.size());
    const size_t nlist = static_cast<size_t>(std::llround(2 * std::sqrt(static_cast<double>(n))));
    faiss::IndexFlatIP quantizer(dim);
    faiss::IndexIVFFlat ivf(&quantizer, dim, nlist, faiss::METRIC_INNER_PRODUCT);
    const auto t5 = bench::clock_type::now();
    ivf.train(std::min<faiss::Index::idx_t>(n, static_cast<faiss::Index::idx_t>(nlist) * 50), v.data.data());
    ivf.add(n, v.data.data());
    const double faiss_build_s = bench::seconds_since(t5);
    ivf.nprobe = 8;
    faiss::RangeSearchResult res(n);
    const auto t6 = bench::clock_type::now();
    ivf.range_search(n, v.data.data(), similar_min_cosine, &res);
    const double faiss_s = bench::seconds_since(t6);
    pair_set faiss_found;  // FAISS finds a pair from either side, or both
    for (faiss::Index::idx_t q = 0; q < n; q++)
        for (size_t k = res.lims[q]; k < res.lims[q + 1]; k++) add_pair(faiss_found, q, res.labels[k]);
    const size_t faiss_pairs = faiss_found.size();
    std::printf("scale: %zu tracks (%zu planted re-encodes, %zu byte copies) written in %.1f s; vector index built in %.1f s\n",
                tracks, planted, planted_bytes, write_s, index_s);
    std::printf("| tracks | scan s (all three tiers) | fingerprint pairs compared | tier 3 pairs above the threshold | "
                "byte copies found | re-encodes found (tier 2) | copies reported beside kept ones | tier 3 alone s | "
                "its planted neighbours found | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|\n");
    std::printf("| %zu | %.2f | %zu | %zu | %zu / %zu | %zu / %zu | %zu | %.2f | %zu / %zu | %ld (%ld before the scans) |\n",
                tracks, scan_s, r.fingerprint_candidates, r.similar_candidates, tier1, planted_bytes, tier2, planted,
                reported, similar_s, tier3, planted, peak_rss_mb(), rss_before);
    std::printf("\nrange self-join at cosine >= %.2f, %s, %d OpenMP threads for FAISS:\n\n"
                "| | seconds | pairs (i < j) |\n|---|---|---|\n"
                "| sonavec vector_index::pairs_above (8 probes) | %.2f | %zu |\n"
                "| FAISS IndexIVFFlat::range_search, %zu lists, nprobe 8 (built in %.1f s) | %.2f | %zu |\n",
                similar_min_cosine, idx.description().c_str(), omp_get_max_threads(), ours_s, ours.size(), nlist,
                faiss_build_s, faiss_s, faiss_pairs);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string part = bench::arg(argc, argv, "--part", "both");
        const fs::path dir = bench::arg(argc, argv, "--dir", (fs::temp_directory_path() / "sonavec_bench_duplicates").string());
        if (part == "accuracy" || part == "both")
            accuracy(dir / "accuracy",
                     bench::arg(argc, argv, "--model", std::string(SONAVEC_SOURCE_DIR) + "/tests/data/golden/model"),
                     std::atoi(bench::arg(argc, argv, "--originals", "10").c_str()),
                     std::atof(bench::arg(argc, argv, "--seconds", "60").c_str()));
        if (part == "scale" || part == "both")
            scale(dir / "scale", static_cast<size_t>(std::atol(bench::arg(argc, argv, "--tracks", "100000").c_str())));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_duplicates: %s\n", e.what());
        return 1;
    }
}
