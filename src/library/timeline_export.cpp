// The timeline's kinds by name and its exports (sonavec/timeline.h): JSON, CSV, Audacity labels, WebVTT.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/timeline.h"

namespace sonavec {

namespace {

constexpr segment_kind all_kinds[] = {segment_kind::speech, segment_kind::music, segment_kind::speech_over_music,
                                      segment_kind::noise, segment_kind::silence};

// WebVTT's timestamp: hours:minutes:seconds.milliseconds, hours at least two digits.
std::string vtt_time(double seconds) {
    const auto ms = static_cast<long long>(std::llround(std::max(0.0, seconds) * 1000));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    return buf;
}

}  // namespace

const char* segment_kind_name(segment_kind k) {
    switch (k) {
        case segment_kind::speech: return "speech";
        case segment_kind::music: return "music";
        case segment_kind::speech_over_music: return "speech over music";
        case segment_kind::noise: return "noise";
        case segment_kind::silence: return "silence";
    }
    return "silence";
}

segment_kind parse_segment_kind(const std::string& name) {
    std::string n;
    for (char c : name) n += c == '-' || c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string names;
    for (segment_kind k : all_kinds) {
        if (n == segment_kind_name(k)) return k;
        if (!names.empty()) names += ", ";
        names += segment_kind_name(k);
    }
    throw error(error_kind::invalid_input, std::string("'").append(escaped_line(name)) + "' is not a kind of segment (the kinds: " + names + ")");
}

std::optional<segment_kind> kind_at(const file_timeline& t, double seconds) {
    auto it = std::upper_bound(t.segments.begin(), t.segments.end(), seconds,
                               [](double s, const timeline_segment& g) { return s < g.start_seconds; });
    if (it == t.segments.begin()) return std::nullopt;
    --it;
    if (seconds >= it->end_seconds) return std::nullopt;
    return it->kind;
}

std::string timeline_json(const timeline_report& r, int indent) {
    nlohmann::json files = nlohmann::json::array();
    for (const file_timeline& f : r.files) {
        nlohmann::json segments = nlohmann::json::array();
        for (const timeline_segment& s : f.segments)
            segments.push_back({{"start_seconds", s.start_seconds}, {"end_seconds", s.end_seconds},
                                {"kind", segment_kind_name(s.kind)}, {"probability", s.probability},
                                {"level_db", s.level_db}});
        files.push_back({{"id", f.track_id}, {"path", f.path}, {"duration_seconds", f.duration_seconds},
                         {"windows", f.windows}, {"has_levels", f.has_levels}, {"segments", std::move(segments)}});
    }
    nlohmann::json j = {{"kinds", r.kinds}, {"seconds", r.seconds}};
    j["files"] = std::move(files);
    // Paths come from the file system and need not be valid UTF-8: what can be shown rather than fail.
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string timeline_csv(const timeline_report& r) {
    std::string out = "path,start_seconds,end_seconds,kind,probability,level_db\n";
    char num[64];
    for (const file_timeline& f : r.files)
        for (const timeline_segment& s : f.segments) {
            std::snprintf(num, sizeof num, "%.3f,%.1f", s.probability, s.level_db);
            out += csv_field(f.path) + "," + seconds_text(s.start_seconds) + "," + seconds_text(s.end_seconds) + "," +
                   segment_kind_name(s.kind) + "," + num + "\n";
        }
    return out;
}

std::string timeline_audacity(const file_timeline& t) {
    std::string out;
    for (const timeline_segment& s : t.segments)
        out += seconds_text(s.start_seconds) + "\t" + seconds_text(s.end_seconds) + "\t" + segment_kind_name(s.kind) + "\n";
    return out;
}

std::string timeline_webvtt(const file_timeline& t) {
    std::string out = "WEBVTT\n";
    for (const timeline_segment& s : t.segments) {
        out += '\n';
        out += vtt_time(s.start_seconds) + " --> " + vtt_time(s.end_seconds) + "\n" + segment_kind_name(s.kind) + "\n";
    }
    return out;
}

}  // namespace sonavec
