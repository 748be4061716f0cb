// The values sonavec computed for a track, as the fields write-tags writes into its file.
#include <cmath>
#include <cstdio>

#include "sonavec/library.h"

namespace sonavec {

namespace {

// ID3v2's TKEY notation, which the other formats' key tags follow too: "A", "F#", "Dbm" (at most three
// characters, "m" for minor). "" for a key it cannot spell.
std::string short_key(const std::string& key) {
    const size_t space = key.find(' ');
    if (space == std::string::npos || space == 0 || space > 2) return {};
    const std::string mode = key.substr(space + 1);
    if (mode == "major") return key.substr(0, space);
    if (mode == "minor") return key.substr(0, space) + "m";
    return {};
}

std::string labels_of(const std::vector<inferred_tag>& tags, const std::string& taxonomy, size_t at_most) {
    std::string out;
    size_t n = 0;
    for (const inferred_tag& g : tags) {
        if (g.taxonomy != taxonomy || n == at_most) continue;
        // A subgenre is stored as "parent/child": the file gets the child, the more precise name.
        const size_t slash = g.label.rfind('/');
        out += (out.empty() ? "" : "; ") + (slash == std::string::npos ? g.label : g.label.substr(slash + 1));
        n++;
    }
    return out;
}

}  // namespace

tag_fields computed_tag_fields(const catalog_entry& e) {
    tag_fields out;
    char buf[64];
    if (const auto& d = e.descriptors) {
        if (d->bpm > 0) out["bpm"] = std::to_string(std::lround(d->bpm));
        if (const std::string k = short_key(d->key); !k.empty()) out["key"] = k;
        if (std::isfinite(d->loudness_lufs)) {
            std::snprintf(buf, sizeof buf, "%+.2f dB", replaygain_reference_lufs - d->loudness_lufs);
            out["replaygain_track_gain"] = buf;
        }
        if (std::isfinite(d->true_peak_dbtp)) {
            std::snprintf(buf, sizeof buf, "%.6f", std::pow(10.0, d->true_peak_dbtp / 20.0));
            out["replaygain_track_peak"] = buf;
        }
    }
    if (std::string g = labels_of(e.inferred, "genre", 1); !g.empty()) out["genre"] = g;
    if (std::string m = labels_of(e.inferred, "mood", 3); !m.empty()) out["mood"] = m;
    return out;
}

}  // namespace sonavec
