// sonavec duplicates: the library's duplicate groups for review (library::duplicates). It never deletes
// or moves a file: --m3u writes each group as a playlist to listen through.
#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "library_option.h"
#include "search_output.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

std::string json_of(const duplicate_report& r) {
    nlohmann::json groups = nlohmann::json::array();
    for (const duplicate_group& g : r.groups) {
        nlohmann::json members = nlohmann::json::array();
        for (size_t i = 0; i < g.members.size(); i++) {
            const duplicate_member& m = g.members[i];
            members.push_back({{"id", m.id},
                               {"path", m.path},
                               {"keep", i == 0},
                               {"score", m.score},
                               {"offset_seconds", m.offset_seconds},
                               {"format", m.format},
                               {"lossless", m.lossless},
                               {"bitrate", m.bitrate},
                               {"duration_seconds", m.duration_seconds},
                               {"size_bytes", m.size_bytes}});
        }
        groups.push_back({{"tier", duplicate_tier_name(g.tier)}, {"members", members}});
    }
    const nlohmann::json j = {{"tracks", r.tracks},
                              {"without_fingerprint", r.without_fingerprint},
                              {"seconds", r.seconds},
                              {"groups", groups}};
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string csv_of(const duplicate_report& r) {
    std::string out = "group,tier,keep,id,path,score,offset_seconds,format,lossless,bitrate,duration_seconds,size_bytes\n";
    char line[256];
    for (size_t g = 0; g < r.groups.size(); g++)
        for (size_t i = 0; i < r.groups[g].members.size(); i++) {
            const duplicate_member& m = r.groups[g].members[i];
            out += std::to_string(g + 1) + "," + duplicate_tier_name(r.groups[g].tier) + "," + (i == 0 ? "1" : "0") + "," +
                   std::to_string(m.id) + "," + csv_field(m.path);
            std::snprintf(line, sizeof line, ",%.4f,%.3f,%s,%d,%" PRId64 ",%.3f,%" PRIu64 "\n", m.score, m.offset_seconds,
                          csv_field(m.format).c_str(), m.lossless ? 1 : 0, m.bitrate, m.duration_seconds, m.size_bytes);
            out += line;
        }
    return out;
}

std::string text_of(const duplicate_report& r) {
    std::string out;
    char line[160];
    for (const duplicate_group& g : r.groups) {
        out += g.tier == duplicate_tier::similar ? "similar (not the same recording):\n"
               : g.tier == duplicate_tier::identical ? "identical bytes:\n"
                                                     : "the same recording:\n";
        for (size_t i = 0; i < g.members.size(); i++) {
            const duplicate_member& m = g.members[i];
            std::snprintf(line, sizeof line, "  %s %6.3f  %-5s %5" PRId64 " kb/s %7.1f s  ", i == 0 ? "keep" : "    ",
                          m.score, m.format.substr(0, 5).c_str(), m.bitrate / 1000, m.duration_seconds);
            out += line + for_terminal(m.path);
            if (m.offset_seconds != 0) {
                std::snprintf(line, sizeof line, "  (offset %+.1f s)", m.offset_seconds);
                out += line;
            }
            out += "\n";
        }
    }
    size_t copies = 0;
    for (const duplicate_group& g : r.groups) copies += g.members.size() - 1;
    std::snprintf(line, sizeof line, "%zu groups, %zu copies beside the kept ones, among %zu tracks (%.1f s)\n",
                  r.groups.size(), copies, r.tracks, r.seconds);
    return out + line;
}

void write_playlists(const library& lib, const duplicate_report& r, const std::filesystem::path& dir) {
    std::vector<id_playlist> lists;
    for (size_t g = 0; g < r.groups.size(); g++) {
        char name[64];
        std::snprintf(name, sizeof name, "%04zu-%s.m3u8", g + 1, duplicate_tier_name(r.groups[g].tier));
        id_playlist l{name, {}};
        for (const duplicate_member& m : r.groups[g].members) l.tracks.emplace_back(m.id, m.score);
        lists.push_back(std::move(l));
    }
    write_m3u_folder(lib, dir, lists);
}

int run(const parsed_args& args) {
    duplicate_params p;
    if (auto it = args.repeated.find("--tier"); it != args.repeated.end()) {
        p.tiers.clear();
        for (const std::string& list : it->second) {
            size_t start = 0;
            while (start <= list.size()) {
                const size_t comma = list.find(',', start);
                p.tiers.push_back(parse_duplicate_tier(list.substr(start, comma == std::string::npos ? comma : comma - start)));
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        }
    }
    p.same_recording = args.get_fraction("--min-fingerprint", p.same_recording);
    p.similar_cosine = args.get_fraction("--min-cosine", p.similar_cosine);
    p.min_duration_ratio = args.get_fraction("--min-duration-ratio", p.min_duration_ratio);
    if (args.has("--model-id")) p.model_id = args.get("--model-id");
    p.threads = args.get_int("--threads", 0);
    if (p.threads < 0) throw usage_error("--threads must not be negative");
    const bool json = args.has("--json"), csv = args.has("--csv");
    if (json && csv) throw usage_error("--json and --csv are two ways to print: choose one");
    const auto lib = library::open(library_dir(args), library::open_mode::read_only);
    const duplicate_report r = lib->duplicates(p);
    if (args.has("--m3u")) {
        write_playlists(*lib, r, args.get("--m3u"));
        std::fprintf(stderr, "wrote %zu playlists to %s\n", r.groups.size(), for_terminal(args.get("--m3u")).c_str());
    }
    const std::string out = json ? json_of(r) : csv ? csv_of(r) : text_of(r);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        throw error(error_kind::io, "cannot write to standard output");
    if (r.without_fingerprint > 0)
        std::fprintf(stderr,
                     "sonavec duplicates: %zu tracks have no fingerprint (indexed by an older sonavec, or with "
                     "--no-fingerprints): run sonavec index on their folders to include them in the same-recording tier\n",
                     r.without_fingerprint);
    return 0;
}

}  // namespace

command duplicates_command() {
    std::vector<option_spec> options = {library_option()};
    options.push_back({"--tier", "T", "identical, same-recording, similar (or 1, 2, 3; a list or repeated; default all)"});
    options.push_back({"--min-fingerprint", "X", "tier 2: fingerprint similarity at the best offset (default 0.85, "
                                                 "AcoustID's merge rule)"});
    options.push_back({"--min-cosine", "X", "tier 3: CLAP cosine (default 0.92, a strict starting point, not calibrated)"});
    options.push_back({"--min-duration-ratio", "X", "tier 3: shorter / longer duration at least this (default 0.5)"});
    options.push_back({"--model-id", "ID", "tier 3: the vectors of this model (when the library holds several)"});
    options.push_back({"--threads", "N", "threads (default: all cores)"});
    options.push_back({"--json", "", "print {tracks, groups: [{tier, members: [{id, path, keep, score, ...}]}]}"});
    options.push_back({"--csv", "", "print one row per group member (group,tier,keep,id,path,score,...)"});
    options.push_back({"--m3u", "DIR", "also write each group as DIR/NNNN-TIER.m3u8, the kept copy first"});
    return {{"duplicates",
             "[--library PATH] [--tier identical|same-recording|similar] [--min-fingerprint X] [--min-cosine X] "
             "[--min-duration-ratio X] [--json|--csv] [--m3u DIR]",
             "Groups of copies in the library, for review: the same bytes, the same recording re-encoded or trimmed, and "
             "similar variants. Nothing is deleted or moved.",
             "Tiers:\n"
             "  identical       the same bytes (the catalog's content hash)\n"
             "  same-recording  Chromaprint fingerprints (stored by index) agree on 85 % of their bits or more at the\n"
             "                  best offset within 10 s: re-encoded, resampled, trimmed or louder copies\n"
             "  similar         CLAP cosine at least 0.92 and durations within a factor 2: pitch-shifted, stretched\n"
             "                  or edited variants; reported as similar, never as the same\n"
             "Each group lists the copy to keep first (lossless over lossy, then higher bitrate, then longer), then\n"
             "the others with their score against it. Every member is compared with the kept copy itself, so a chain\n"
             "of near matches never joins two different recordings. A higher tier lists one copy of each lower group.\n"
             "\n"
             "examples:\n"
             "  sonavec duplicates\n"
             "  sonavec duplicates --tier same-recording --csv > copies.csv\n"
             "  sonavec duplicates --tier identical,same-recording --m3u ~/review",
             options, 0, 0},
            run};
}

}  // namespace sonavec::cli
