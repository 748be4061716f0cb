#include "search_output.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "sonavec/atomic_file.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/float_text.h"
#include "track_options.h"

namespace sonavec::cli {

std::vector<option_spec> filter_options() {
    return {
            {"--min-duration", "S", "only tracks at least S seconds long"},
            {"--max-duration", "S", "only tracks at most S seconds long"},
            {"--format", "FMT", "only files of this container format: mp3, flac, wav, ogg, m4a, aiff, ..."},
            {"--path", "GLOB", "only paths matching the shell pattern (e.g. '*/drums/*')"},
            {"--tag", "KEY=VALUE", "only tracks whose tag KEY contains VALUE (case-insensitive), e.g. genre=jazz"},
            {"--where", "T=L,...", "only tracks with these inferred tags (sonavec retag, sonavec learn), e.g. mood=melancholic,genre=jazz or learned=NAME; "
                                   "a subgenre matches by its own name"},
            {"--bpm", "MIN-MAX", "only analysed tracks (index --analyze) with a tempo in this range, e.g. 118-124 "
                                 "(118- or -124: one bound)"},
            {"--key", "KEY", "only analysed tracks in this key: a name or Camelot code (\"A minor\", \"Am\", \"8A\"); "
                             "enharmonic spellings match (A# = Bb)"},
    };
}

// --min-duration, --max-duration, --format, --path and --tag.
search_filter filter_from(const parsed_args& args) {
    search_filter f;
    f.min_seconds = seconds_option(args, "--min-duration");
    f.max_seconds = seconds_option(args, "--max-duration");
    f.format = args.get("--format");
    f.path_glob = args.get("--path");
    if (args.has("--tag")) {
        const std::string t = args.get("--tag");
        const size_t eq = t.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--tag expects KEY=VALUE, got '" + t + "'");
        f.tag_key = t.substr(0, eq);
        f.tag_value = t.substr(eq + 1);
    }
    // --where mood=melancholic,genre=indie rock: inferred tags (sonavec retag), every one required.
    const std::string where = args.get("--where");
    for (size_t start = 0; start < where.size();) {
        const size_t comma = std::min(where.find(',', start), where.size());
        const std::string item = where.substr(start, comma - start);
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw usage_error("--where expects TAXONOMY=LABEL[,TAXONOMY=LABEL...], got '" + item + "'");
        f.inferred.emplace_back(item.substr(0, eq), item.substr(eq + 1));
        start = comma + 1;
    }
    // --bpm 118-124 (or 118- / -124) and --key "A minor": descriptors (index --analyze).
    if (args.has("--bpm")) {
        const std::string b = args.get("--bpm");
        const size_t dash = b.find('-');
        const auto bound = [&](const std::string& text) -> std::optional<double> {
            if (text.empty()) return std::nullopt;
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (*end != '\0' || !(v > 0 && v <= 1000)) throw usage_error("--bpm expects MIN-MAX such as 118-124, got '" + b + "'");
            return v;
        };
        if (dash == std::string::npos || b == "-") throw usage_error("--bpm expects MIN-MAX such as 118-124, got '" + b + "'");
        f.min_bpm = bound(b.substr(0, dash));
        f.max_bpm = bound(b.substr(dash + 1));
        if (f.min_bpm && f.max_bpm && *f.min_bpm > *f.max_bpm) throw usage_error("--bpm: MIN is above MAX in '" + b + "'");
    }
    if (args.has("--key")) {
        f.key = args.get("--key");
        try {
            key_camelot(f.key);
        } catch (const error& e) {
            throw usage_error(std::string("--key: ") + e.what());
        }
    }
    return f;
}

namespace {

std::string duration_text(double seconds) {
    const long s = std::lround(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string tags_text(const std::map<std::string, std::string>& tags) {
    std::string out;
    for (const char* key : {"artist", "title", "album", "genre", "year"}) {
        const auto it = tags.find(key);
        if (it == tags.end() || it->second.empty()) continue;
        out += (out.empty() ? "" : " | ") + it->second;
    }
    return out;
}

// "mood: melancholic 0.31, calm 0.22 | genre: jazz 0.40", the inferred tags by taxonomy.
std::string inferred_text(const std::vector<inferred_tag>& tags) {
    std::string out, taxonomy;
    for (const auto& g : tags) {
        char p[32];
        std::snprintf(p, sizeof p, " %.2f", g.probability);
        out += g.taxonomy == taxonomy ? ", " : (out.empty() ? "" : " | ") + g.taxonomy + ": ";
        out += g.label + p;
        taxonomy = g.taxonomy;
    }
    return out;
}

// "124.0 BPM | A minor (8A) | -9.3 LUFS | energy 0.81 | loop".
std::string descriptors_text(const track_descriptors& d) {
    char buf[160];
    std::string out = d.bpm > 0 ? (std::snprintf(buf, sizeof buf, "%.1f BPM", d.bpm), std::string(buf)) : "no beat";
    out += d.key.empty() ? std::string(" | no key") : " | " + d.key + " (" + d.camelot + ")";
    if (std::isfinite(d.loudness_lufs)) {
        std::snprintf(buf, sizeof buf, " | %.1f LUFS", d.loudness_lufs);
        out += buf;
    } else {
        out += " | silent";
    }
    std::snprintf(buf, sizeof buf, " | energy %.2f", d.energy);
    return out + buf + (d.loop ? " | loop" : "");
}

// Paths and tags are not always valid UTF-8: bad bytes become U+FFFD rather than an exception.
std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

int print_matches(const library& lib, const std::vector<search_match>& matches, bool json) {
    if (json) {
        std::string out = "[";
        for (size_t i = 0; i < matches.size(); i++) {
            const catalog_entry& e = matches[i].track;
            nlohmann::json tags(e.tags);
            out += (i ? ",\n " : "") + std::string("{\"score\": ") + format_float(matches[i].score) +
                   ", \"id\": " + std::to_string(e.id) + ", \"path\": " + json_text(e.path) +
                   ", \"duration_seconds\": " + format_float(static_cast<float>(e.duration_seconds)) +
                   ", \"tags\": " + json_text(tags) + ", \"inferred\": " + inferred_tags_json(e.inferred) +
                   ", \"descriptors\": " + (e.descriptors ? descriptors_json(*e.descriptors) : std::string("null"));
            if (matches[i].fused > 0)  // a text or hybrid search: where each ranking put it
                out += ", \"fused\": " + format_float(static_cast<float>(matches[i].fused)) +
                       ", \"audio_rank\": " + std::to_string(matches[i].audio_rank) +
                       ", \"text_rank\": " + std::to_string(matches[i].text_rank) +
                       ", \"text_score\": " + format_float(static_cast<float>(matches[i].text_score));
            out += "}";
        }
        std::printf("%s]\n", out.c_str());
        return 0;
    }
    if (matches.empty()) {
        int64_t held = 0;
        for (const auto& [model, n] : lib.models()) held += n;
        std::printf("no matching tracks (%lld in the library)\n", static_cast<long long>(held));
        return 0;
    }
    // A text or hybrid search is ranked by the fused score, shown beside the cosine (none in a text search).
    const bool fused = matches.front().fused > 0;
    if (fused) std::printf("%7s  %7s  %7s  %s\n", "fused", "cosine", "length", "path");
    else std::printf("%7s  %7s  %s\n", "score", "length", "path");
    for (const auto& m : matches) {
        // Each line escaped on its own: the line breaks between them are ours.
        std::string lines;
        for (const std::string& line : {tags_text(m.track.tags),
                                        m.track.descriptors ? descriptors_text(*m.track.descriptors) : std::string(),
                                        inferred_text(m.track.inferred)})
            if (!line.empty()) lines += "\n                  " + for_terminal(line);
        if (fused)
            std::printf("%7.4f  %7s  %7s  %s%s\n", m.fused, m.audio_rank > 0 || m.score != 0 ? format_float(m.score).substr(0, 7).c_str() : "-",
                        duration_text(m.track.duration_seconds).c_str(), for_terminal(m.track.path).c_str(), lines.c_str());
        else
            std::printf("%7.4f  %7s  %s%s\n", m.score, duration_text(m.track.duration_seconds).c_str(),
                        for_terminal(m.track.path).c_str(), lines.c_str());
    }
    return 0;
}


// A track id: digits only, naming no file. An id too large for int64 names no track either (ids are
// SQLite rowids).
std::optional<int64_t> track_id(const std::string& what) {
    if (what.empty() || !std::all_of(what.begin(), what.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) ||
        std::filesystem::exists(what))
        return std::nullopt;
    const std::string digits = what.substr(std::min(what.find_first_not_of('0'), what.size() - 1));
    const bool fits = digits.size() < 19 || (digits.size() == 19 && digits <= "9223372036854775807");
    if (!fits) throw error(error_kind::not_found, "no track with id " + what + " in the library");
    return static_cast<int64_t>(std::stoll(digits));
}

namespace {

bool is_valid_utf8_text(const std::string& s) {
    try {
        (void)nlohmann::json(s).dump();  // strict: throws on bytes that are not UTF-8
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

}  // namespace

void write_m3u(const std::filesystem::path& file, const std::vector<search_match>& matches) {
    std::string text = "#EXTM3U\n";
    for (const auto& m : matches) {
        const std::string& path = m.track.path;
        // A line break would end the entry; an M3U8 is UTF-8: such paths cannot be written, and are said.
        if (path.find_first_of("\r\n") != std::string::npos || !is_valid_utf8_text(path)) {
            std::fprintf(stderr, "sonavec: %s: left out of the playlist (a line break or bytes that are not UTF-8)\n",
                         for_terminal(path).c_str());
            continue;
        }
        const auto& tags = m.track.tags;
        const auto artist = tags.find("artist"), title = tags.find("title");
        std::string name = std::filesystem::path(path).stem().string();
        if (title != tags.end() && !title->second.empty())
            name = (artist != tags.end() && !artist->second.empty() ? artist->second + " - " : "") + title->second;
        for (char& c : name)
            if (c == '\n' || c == '\r') c = ' ';
        // -1: the length is unknown (imported vectors), as the format has it.
        const long seconds = m.track.duration_seconds > 0 ? std::lround(m.track.duration_seconds) : -1;
        text += "#EXTINF:" + std::to_string(seconds) + "," + name + "\n" + path + "\n";
    }
    write_file_atomically(file, text);
}

void write_m3u_folder(const library& lib, const std::filesystem::path& dir, const std::vector<id_playlist>& playlists) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw error(error_kind::io, dir.string() + ": cannot make the folder: " + ec.message());
    for (const id_playlist& p : playlists) {
        std::vector<search_match> tracks;
        for (const auto& [id, score] : p.tracks)
            if (auto e = lib.find(id)) tracks.push_back({static_cast<float>(score), std::move(*e)});
        write_m3u(dir / p.file_name, tracks);
    }
}

std::string clock_time(double s) {
    const auto whole = static_cast<long long>(s);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%06.3f", whole / 3600, whole / 60 % 60, s - static_cast<double>(whole / 60 * 60));
    return buf;
}

void print_audacity_label(double start_seconds, double end_seconds, const std::string& label) {
    std::cout << seconds_text(start_seconds) << "\t" << seconds_text(end_seconds) << "\t" << label << "\n";
}

}  // namespace sonavec::cli
