// duplicate_groups.h, and the names and formats of sonavec/duplicates.h.
#include "library/duplicate_groups.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include "library/disjoint_sets.h"
#include "sonavec/error.h"

namespace sonavec {

const char* duplicate_tier_name(duplicate_tier t) {
    switch (t) {
        case duplicate_tier::identical: return "identical";
        case duplicate_tier::same_recording: return "same-recording";
        case duplicate_tier::similar: return "similar";
    }
    return "?";
}

duplicate_tier parse_duplicate_tier(const std::string& name) {
    for (const duplicate_tier t : {duplicate_tier::identical, duplicate_tier::same_recording, duplicate_tier::similar})
        if (name == duplicate_tier_name(t) || name == std::to_string(static_cast<int>(t))) return t;
    throw error(error_kind::invalid_input,
                "'" + name + "' is not a duplicate tier (identical, same-recording, similar, or 1, 2, 3)");
}

bool lossless_format(const std::string& format) {
    // FFmpeg's container names (and codec names where the container says nothing: m4a holds aac or alac).
    static const std::set<std::string> lossless = {"flac", "wav",  "aiff", "alac", "wv",     "wavpack", "ape",
                                                   "tta",  "tak",  "w64",  "rf64", "caf",    "au",      "pcm",
                                                   "dsf",  "dff",  "shn",  "ofr",  "aif",    "wave"};
    std::string f;
    for (char c : format) f.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    // FFmpeg names some demuxers by lists ("mov,mp4,m4a,3gp,3g2,mj2"): lossless only when every name is.
    size_t start = 0;
    bool any = false;
    while (start <= f.size()) {
        const size_t comma = f.find(',', start);
        const std::string one = f.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!one.empty()) {
            if (!lossless.count(one)) return false;
            any = true;
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return any;
}

duplicate_member member_of(const catalog_entry& e) {
    duplicate_member m;
    m.id = e.id;
    m.path = e.path;
    m.format = e.format;
    m.duration_seconds = e.duration_seconds;
    m.size_bytes = e.size_bytes;
    m.bitrate = e.duration_seconds > 0 ? static_cast<int64_t>(std::llround(8.0 * static_cast<double>(e.size_bytes) /
                                                                            e.duration_seconds))
                                       : 0;
    m.lossless = lossless_format(e.format);
    return m;
}

bool keep_before(const duplicate_member& a, const duplicate_member& b) {
    if (a.lossless != b.lossless) return a.lossless;
    // Bitrates within 5 % are one bitrate: a trimmed WAV's header over fewer seconds is not a better copy.
    if (std::abs(static_cast<double>(a.bitrate - b.bitrate)) > 0.05 * static_cast<double>(std::max(a.bitrate, b.bitrate)))
        return a.bitrate > b.bitrate;
    // Durations within 10 ms are one duration: a decoder's padding is not a longer copy.
    if (std::abs(a.duration_seconds - b.duration_seconds) > 0.01) return a.duration_seconds > b.duration_seconds;
    return a.id < b.id;
}

std::vector<star_group> star_groups(size_t n, const std::vector<std::pair<size_t, size_t>>& pairs,
                                    const std::function<bool(size_t a, size_t b)>& keep_first,
                                    const std::function<std::optional<star_match>(size_t keeper, size_t other)>& match) {
    disjoint_sets sets(n);
    for (const auto& [a, b] : pairs) sets.join(a, b);
    std::vector<std::vector<size_t>> components(n);
    for (const auto& [a, b] : pairs)
        for (size_t x : {a, b}) components[sets.root(x)].push_back(x);
    std::vector<star_group> out;
    for (std::vector<size_t>& c : components) {
        std::sort(c.begin(), c.end());
        c.erase(std::unique(c.begin(), c.end()), c.end());
        std::vector<size_t> left = c;
        while (left.size() >= 2) {
            const size_t keeper = *std::min_element(left.begin(), left.end(), keep_first);
            star_group g;
            g.keeper = keeper;
            std::vector<size_t> rest;
            for (size_t x : left) {
                if (x == keeper) continue;
                if (const std::optional<star_match> m = match(keeper, x)) g.others.emplace_back(x, *m);
                else rest.push_back(x);
            }
            std::stable_sort(g.others.begin(), g.others.end(),
                             [](const auto& a, const auto& b) { return a.second.score > b.second.score; });
            if (!g.others.empty()) out.push_back(std::move(g));
            left = std::move(rest);
        }
    }
    return out;
}

}  // namespace sonavec
