#include "library/segment_timeline.h"

#include <algorithm>
#include <cmath>

#include "sonavec/error.h"

namespace sonavec {

namespace {

// What is left of a cell between two silences, or beside one, can be a sliver of the levels' grid
// against the cells' (0.1 s against 5 s): shorter than this it joins its neighbour.
constexpr double sliver_seconds = 0.25;

struct piece {
    double start = 0, end = 0;
    segment_kind kind = segment_kind::silence;
    double probability = 1;
};

// The RMS level over [start, end) from levels of step seconds_per_level: the mean power, in dB.
double mean_level_db(const std::vector<float>& levels_db, double seconds_per_level, double start, double end) {
    if (levels_db.empty() || seconds_per_level <= 0) return 0;
    const auto last = static_cast<long long>(levels_db.size());
    const long long from = std::clamp(static_cast<long long>(std::floor(start / seconds_per_level)), 0LL, last);
    const long long to = std::clamp(static_cast<long long>(std::ceil(end / seconds_per_level)), from, last);
    if (from == to) return levels_db[static_cast<size_t>(std::min(from, last - 1))];
    // 10^(L/10) as exp(L ln 10 / 10) in single precision: std::pow per level was most of a timeline's time
    // (a recording's levels come 10 a second; 1,000 hours hold 36 million).
    constexpr float per_db = 0.230258509f;  // ln(10) / 10
    double power = 0;
    for (long long k = from; k < to; k++) power += std::exp(levels_db[static_cast<size_t>(k)] * per_db);
    return 10.0 * std::log10(power / static_cast<double>(to - from));
}

}  // namespace

void check_timeline_params(const timeline_params& p) {
    if (!(std::isfinite(p.silence_db) && p.silence_db >= -120 && p.silence_db <= 0))
        throw error(error_kind::invalid_input, "the silence level must be from -120 to 0 dB");
    if (!(std::isfinite(p.min_silence_seconds) && p.min_silence_seconds >= 0.1 && p.min_silence_seconds <= 3600))
        throw error(error_kind::invalid_input, "the shortest silence must be from 0.1 to 3600 seconds");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
}

std::vector<std::pair<double, double>> silent_stretches(const std::vector<float>& levels_db, double seconds_per_level,
                                                        double silence_db, double min_silence_seconds) {
    std::vector<std::pair<double, double>> out;
    size_t k = 0;
    while (k < levels_db.size()) {
        if (!(levels_db[k] < silence_db)) {
            k++;
            continue;
        }
        size_t end = k;
        while (end < levels_db.size() && levels_db[end] < silence_db) end++;
        const double from = static_cast<double>(k) * seconds_per_level, to = static_cast<double>(end) * seconds_per_level;
        if (to - from >= min_silence_seconds - 1e-9) out.emplace_back(from, to);
        k = end;
    }
    return out;
}

std::vector<timeline_segment> build_timeline(const timeline_input& in, double silence_db, double min_silence_seconds) {
    const size_t n = in.starts.size(), kinds = in.kinds.size();
    if (n == 0 || kinds == 0) return {};

    // Cells: from each distinct window start to the next, the last to the furthest window end.
    std::vector<double> bounds;
    double end = 0;
    for (size_t i = 0; i < n; i++) {
        if (bounds.empty() || in.starts[i] > bounds.back() + 1e-9) bounds.push_back(in.starts[i]);
        end = std::max(end, in.starts[i] + static_cast<double>(in.lengths[i]));
    }
    if (end > bounds.back() + 1e-9) bounds.push_back(end);
    const size_t cells = bounds.size() - 1;
    if (cells == 0) return {};
    std::vector<double> sums(cells * kinds, 0.0);
    std::vector<size_t> covered(cells, 0);
    for (size_t i = 0; i < n; i++) {
        const double s = in.starts[i], e = s + static_cast<double>(in.lengths[i]);
        size_t c = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), s - 1e-9) - bounds.begin());
        for (; c < cells && bounds[c] < e - 1e-9; c++) {
            for (size_t k = 0; k < kinds; k++) sums[c * kinds + k] += in.probabilities[i * kinds + k];
            covered[c]++;
        }
    }

    // Each cell's most probable kind, then the silences cut out of the cells and laid in.
    const std::vector<std::pair<double, double>> silences =
        silent_stretches(in.levels_db, in.seconds_per_level, silence_db, min_silence_seconds);
    std::vector<piece> pieces;
    for (const auto& [from, to] : silences) {
        const double a = std::max(from, bounds.front()), b = std::min(to, end);
        if (b > a) pieces.push_back({a, b, segment_kind::silence, 1});
    }
    for (size_t c = 0; c < cells; c++) {
        if (covered[c] == 0) continue;
        size_t best = 0;
        for (size_t k = 1; k < kinds; k++)
            if (sums[c * kinds + k] > sums[c * kinds + best]) best = k;
        const double probability = sums[c * kinds + best] / static_cast<double>(covered[c]);
        double at = bounds[c];
        for (const auto& [from, to] : silences) {
            if (to <= at || from >= bounds[c + 1]) continue;
            if (from > at) pieces.push_back({at, from, in.kinds[best], probability});
            at = std::max(at, to);
        }
        if (bounds[c + 1] > at) pieces.push_back({at, bounds[c + 1], in.kinds[best], probability});
    }
    std::sort(pieces.begin(), pieces.end(), [](const piece& a, const piece& b) { return a.start < b.start; });

    // Slivers join their neighbours; neighbours of one kind merge (the probability weighted by length).
    std::vector<piece> kept;
    for (size_t i = 0; i < pieces.size(); i++) {
        const piece& p = pieces[i];
        if (p.kind != segment_kind::silence && p.end - p.start < sliver_seconds && (!kept.empty() || i + 1 < pieces.size())) {
            if (!kept.empty()) kept.back().end = p.end;
            else pieces[i + 1].start = p.start;
            continue;
        }
        kept.push_back(p);
    }
    std::vector<timeline_segment> out;
    double weighted = 0;
    for (const piece& p : kept) {
        if (!out.empty() && out.back().kind == p.kind && p.start <= out.back().end_seconds + 1e-6) {
            weighted += p.probability * (p.end - p.start);
            out.back().end_seconds = p.end;
            out.back().probability = weighted / (out.back().end_seconds - out.back().start_seconds);
            continue;
        }
        weighted = p.probability * (p.end - p.start);
        out.push_back({p.start, p.end, p.kind, p.probability, 0});
    }
    for (timeline_segment& s : out)
        s.level_db = mean_level_db(in.levels_db, in.seconds_per_level, s.start_seconds, s.end_seconds);
    return out;
}

}  // namespace sonavec
