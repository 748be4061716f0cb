#include "library/recurring_matches.h"

#include "library/disjoint_sets.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

namespace sonavec {

namespace {

constexpr int64_t block = 16;       // hashes compared at a time: 2 s, 512 bits
constexpr int64_t stride = block / 2;
constexpr int64_t seed_reach = 2;   // hashes either way a seed's partner is looked for (drift, a trim)
constexpr int64_t follow_reach = 1; // and at each step along the diagonal
// Hash i covers Chromaprint frames i..i+15 (0.124 s apart, 4096 samples each): the audio a stretch of
// hashes stands for runs this much past its last hash's start.
constexpr double hash_context_seconds = 15 * 1365.0 / 11025 + 4096.0 / 11025;

using hashes_t = std::vector<uint32_t>;

// A match must be sharp in time: better by this much than the same stretch shifted by about a second.
// Stationary sound (noise, a drone, silence) matches any other of its kind at any shift: it is not a
// recurrence, and Chromaprint gives noise beds near-constant hashes that agree at 0.7 and more.
constexpr double min_sharpness = 0.1;
constexpr int64_t shifts[] = {-10, -8, -6, 6, 8, 10};  // hashes: 0.75-1.25 s

// And each side must change over time: hashes 4 steps (0.5 s) apart differ on at least this many of
// their 32 bits, on average over the block. On the benchmark's archive, music and speech differ on 9.4
// and 10.7 bits or more at their 5th percentile, a brown-noise bed on 5.4 at its 25th and silence on
// less: such near-constant hashes agree with any other of their kind, and at the edge of a bed, where
// the sound changes, even sharply.
constexpr double min_activity_bits = 8;

double activity(const hashes_t& h, int64_t x) {
    int changed = 0;
    for (int64_t i = 0; i < block; i++) {
        const int64_t j = std::min<int64_t>(x + i + 4, static_cast<int64_t>(h.size()) - 1);
        changed += std::popcount(h[static_cast<size_t>(x + i)] ^ h[static_cast<size_t>(j)]);
    }
    return static_cast<double>(changed) / block;
}

// Equal bits of block hashes from a[x] and b[y], as a share; -1 when either runs out.
double block_similarity(const hashes_t& a, int64_t x, const hashes_t& b, int64_t y) {
    if (x < 0 || y < 0 || x + block > static_cast<int64_t>(a.size()) || y + block > static_cast<int64_t>(b.size())) return -1;
    int errors = 0;
    for (int64_t i = 0; i < block; i++) errors += std::popcount(a[static_cast<size_t>(x + i)] ^ b[static_cast<size_t>(y + i)]);
    return 1.0 - errors / (32.0 * block);
}

struct stretch_pair {
    size_t a = 0, b = 0;
    int64_t a_first = 0, a_end = 0, b_first = 0, b_end = 0;  // hashes
    double similarity = 0;                                    // mean over the blocks followed
};

// Whether block a[x] matches b[y]: at least min_similarity, sharp, and both sides changing over time.
// Its similarity, else -1.
double block_match(const hashes_t& a, int64_t x, const hashes_t& b, int64_t y, double min_similarity) {
    const double s = block_similarity(a, x, b, y);
    if (s < min_similarity || activity(a, x) < min_activity_bits || activity(b, y) < min_activity_bits) return -1;
    double shifted = 0;
    for (int64_t d : shifts) shifted = std::max(shifted, block_similarity(a, x, b, y + d));
    return s - shifted >= min_sharpness ? s : -1;
}

// The best partner of a[x] in b within reach of y, if it is a match: (y', similarity or -1).
std::pair<int64_t, double> matched_partner(const hashes_t& a, int64_t x, const hashes_t& b, int64_t y, int64_t reach,
                                           double min_similarity) {
    std::pair<int64_t, double> best{y, -1};
    for (int64_t d = -reach; d <= reach; d++) {
        const double s = block_similarity(a, x, b, y + d);
        if (s > best.second) best = {y + d, s};
    }
    best.second = block_match(a, x, b, best.first, min_similarity);
    return best;
}

// Follows a seed (a[x] ~ b[y]) both ways while blocks keep matching. similarity < 0: no match.
stretch_pair follow(const hashes_t& a, const hashes_t& b, int64_t x, int64_t y, double min_similarity) {
    stretch_pair s;
    x = std::max<int64_t>(0, x - stride);
    y = std::max<int64_t>(0, y - stride);
    const auto [y0, s0] = matched_partner(a, x, b, y, seed_reach, min_similarity);
    s.similarity = s0;
    if (s0 < 0) return s;
    double total = s0;
    int blocks = 1;
    s.a_first = x;
    s.b_first = y0;
    s.a_end = x + block;
    s.b_end = y0 + block;
    for (const int64_t direction : {stride, -stride})
        for (int64_t fx = x + direction, fy = y0 + direction;; fx += direction, fy += direction) {
            const auto [ny, ns] = matched_partner(a, fx, b, fy, follow_reach, min_similarity);
            if (ns < 0) break;
            fy = ny;
            if (direction > 0) {
                s.a_end = fx + block;
                s.b_end = ny + block;
            } else {
                s.a_first = fx;
                s.b_first = ny;
            }
            total += ns;
            blocks++;
        }
    s.similarity = total / blocks;
    return s;
}

}  // namespace

recurring_matches find_recurring(const std::vector<catalog::stored_print>& prints, const recurring_params& p) {
    recurring_matches out;
    if (prints.empty()) return out;
    const double step = prints.front().print.fingerprint.seconds_per_hash;
    std::vector<size_t> usable;
    for (size_t r = 0; r < prints.size(); r++)
        if (prints[r].print.fingerprint.seconds_per_hash == step &&
            prints[r].print.fingerprint.hashes.size() >= static_cast<size_t>(block))
            usable.push_back(r);

    // 1. Seeds: (top 16 bits, recording, place), a place only where the value changes.
    struct entry {
        uint32_t key;
        uint32_t recording;
        int64_t at;
    };
    std::vector<entry> entries;
    for (size_t r : usable) {
        const hashes_t& h = prints[r].print.fingerprint.hashes;
        for (size_t i = 0; i < h.size(); i++)
            if (i == 0 || (h[i] >> 16) != (h[i - 1] >> 16))
                entries.push_back({h[i] >> 16, static_cast<uint32_t>(r), static_cast<int64_t>(i)});
    }
    std::sort(entries.begin(), entries.end(), [](const entry& x, const entry& y) {
        return std::tie(x.key, x.recording, x.at) < std::tie(y.key, y.recording, y.at);
    });

    // 2. Each seed checked and followed; seeds on a diagonal already followed are skipped.
    const auto min_gap = static_cast<int64_t>(std::ceil(p.min_gap_seconds / step));
    const auto min_hashes = static_cast<int64_t>(std::ceil(std::max(0.0, p.min_length - hash_context_seconds) / step)) + 1;
    std::map<std::pair<size_t, size_t>, std::vector<stretch_pair>> found;
    for (size_t g = 0; g < entries.size();) {
        size_t e = g;
        while (e < entries.size() && entries[e].key == entries[g].key) e++;
        if (e - g <= p.max_seed_share) {
            for (size_t i = g; i < e; i++)
                for (size_t j = i + 1; j < e; j++) {
                    const entry& s = entries[i];
                    const entry& t = entries[j];
                    if (s.recording == t.recording && t.at - s.at < min_gap) continue;
                    auto& done = found[{s.recording, t.recording}];
                    const bool covered = std::any_of(done.begin(), done.end(), [&](const stretch_pair& k) {
                        return s.at >= k.a_first && s.at < k.a_end &&
                               std::abs((t.at - s.at) - (k.b_first - k.a_first)) <= 2 * seed_reach + 2;
                    });
                    if (covered) continue;
                    out.seeds++;
                    const hashes_t& a = prints[s.recording].print.fingerprint.hashes;
                    const hashes_t& b = prints[t.recording].print.fingerprint.hashes;
                    stretch_pair m = follow(a, b, s.at, t.at, p.min_similarity);
                    if (m.similarity < 0 || m.a_end - m.a_first < min_hashes || m.b_end - m.b_first < min_hashes) continue;
                    if (s.recording == t.recording && m.b_first < m.a_end + min_gap - block) continue;  // overlapping itself
                    m.a = s.recording;
                    m.b = t.recording;
                    done.push_back(m);
                    out.pairs++;
                }
        }
        g = e;
    }

    // 3. Stretches of one recording that nearly coincide (each overlapping the other by 0.8 of the longer)
    //    are one occurrence; pairs link occurrences into items. A looser rule chains neighbours: a stretch
    //    of sounds A and B overlaps one of B alone, and a jingle's playing the bed beneath it, which
    //    recurs too. Two items that are one sound after all are joined by merge_by_speed.
    std::vector<recurring_span> spans;
    std::vector<std::pair<size_t, size_t>> links;
    const auto span_of = [&](size_t r, int64_t first, int64_t end, double sim) {
        return recurring_span{r, static_cast<double>(first) * step,
                              static_cast<double>(end - 1) * step + hash_context_seconds, sim};
    };
    for (const auto& [key, list] : found)
        for (const stretch_pair& m : list) {
            spans.push_back(span_of(m.a, m.a_first, m.a_end, m.similarity));
            spans.push_back(span_of(m.b, m.b_first, m.b_end, m.similarity));
            links.emplace_back(spans.size() - 2, spans.size() - 1);
        }
    disjoint_sets u(spans.size());
    for (const auto& [i, j] : links) u.join(i, j);
    std::vector<size_t> order(spans.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t i, size_t j) {
        return std::tie(spans[i].recording, spans[i].start_seconds) < std::tie(spans[j].recording, spans[j].start_seconds);
    });
    std::vector<size_t> occurrence_of(spans.size());  // span -> the first span of its occurrence
    for (size_t k = 0; k < order.size(); k++) {
        const size_t i = order[k];
        occurrence_of[i] = i;
        for (size_t back = k; back-- > 0;) {  // earlier spans of the recording that reach this one
            const recurring_span& a = spans[order[back]];
            if (a.recording != spans[i].recording) break;
            const double overlap = std::min(a.end_seconds, spans[i].end_seconds) - spans[i].start_seconds;
            const double longer = std::max(a.end_seconds - a.start_seconds, spans[i].end_seconds - spans[i].start_seconds);
            if (overlap >= 0.8 * longer) {
                occurrence_of[i] = occurrence_of[order[back]];
                u.join(i, order[back]);
                break;
            }
            if (spans[i].start_seconds - a.start_seconds > 600) break;  // nothing recurs for ten minutes on end
        }
    }
    // Items: each component's occurrences, an occurrence spanning its stretches.
    std::map<size_t, std::map<size_t, recurring_span>> items;  // root -> occurrence -> its span
    for (size_t i = 0; i < spans.size(); i++) {
        auto& occ = items[u.root(i)];
        const auto [it, fresh] = occ.emplace(occurrence_of[i], spans[i]);
        if (!fresh) {
            it->second.start_seconds = std::min(it->second.start_seconds, spans[i].start_seconds);
            it->second.end_seconds = std::max(it->second.end_seconds, spans[i].end_seconds);
            it->second.similarity = std::max(it->second.similarity, spans[i].similarity);
        }
    }
    for (auto& [root, occ] : items) {
        if (occ.size() < 2) continue;
        std::vector<recurring_span> list;
        for (auto& [first, s] : occ) list.push_back(s);
        std::sort(list.begin(), list.end(), [](const recurring_span& a, const recurring_span& b) {
            return std::tie(a.recording, a.start_seconds) < std::tie(b.recording, b.start_seconds);
        });
        out.items.push_back(std::move(list));
    }
    std::stable_sort(out.items.begin(), out.items.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return out;
}

void keep_items(recurring_matches& m, size_t min_count, size_t max_items) {
    std::erase_if(m.items, [&](const std::vector<recurring_span>& item) { return item.size() < min_count; });
    if (m.items.size() > max_items) m.items.resize(max_items);
}

void merge_by_speed(recurring_matches& m, const std::vector<catalog::stored_print>& prints,
                    const std::vector<std::vector<audio_fingerprint>>& versions, double min_similarity) {
    const size_t n = m.items.size();
    if (n < 2 || versions.size() != n) return;
    const auto length = [&](size_t i) { return m.items[i].front().end_seconds - m.items[i].front().start_seconds; };
    // Whether a version of item i's first occurrence lines up with item j's first occurrence.
    const auto lines_up = [&](size_t i, size_t j) {
        const recurring_span& t = m.items[j].front();
        const audio_fingerprint& stored = prints[t.recording].print.fingerprint;
        const double step = stored.seconds_per_hash;
        // The middle block of a version (the playings' surroundings differ, so whole occurrences need
        // not agree) against the middle of the other's, a second either way.
        const double middle = (t.start_seconds + t.end_seconds - hash_context_seconds) / 2;
        const auto centre = static_cast<int64_t>(std::llround(middle / step)) - block / 2;
        const auto reach = static_cast<int64_t>(std::ceil(1 / step));
        for (const audio_fingerprint& v : versions[i]) {
            if (v.seconds_per_hash != step) continue;
            const int64_t x = (static_cast<int64_t>(v.hashes.size()) - block) / 2;
            if (x < 0) continue;
            for (int64_t o = centre - reach; o <= centre + reach; o++) {
                if (block_match(v.hashes, x, stored.hashes, o, min_similarity) >= 0) return true;
            }
        }
        return false;
    };
    disjoint_sets u(n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j || u.root(i) == u.root(j)) continue;
            const double ratio = length(i) / length(j);
            if (ratio > 1.5 || ratio < 1 / 1.5) continue;
            if (lines_up(i, j)) u.join(i, j);
        }
    std::map<size_t, std::vector<recurring_span>> merged;
    for (size_t i = 0; i < n; i++) {
        auto& into = merged[u.root(i)];
        into.insert(into.end(), m.items[i].begin(), m.items[i].end());
    }
    m.items.clear();
    for (auto& [root, list] : merged) {
        std::sort(list.begin(), list.end(), [](const recurring_span& a, const recurring_span& b) {
            return std::tie(a.recording, a.start_seconds) < std::tie(b.recording, b.start_seconds);
        });
        // Within one item (one sound) stretches that overlap by half the shorter are one occurrence.
        std::vector<recurring_span> kept;
        for (const recurring_span& s : list) {
            if (!kept.empty() && kept.back().recording == s.recording) {
                recurring_span& k = kept.back();
                const double overlap = std::min(k.end_seconds, s.end_seconds) - s.start_seconds;
                if (overlap >= 0.5 * std::min(k.end_seconds - k.start_seconds, s.end_seconds - s.start_seconds)) {
                    k.end_seconds = std::max(k.end_seconds, s.end_seconds);
                    k.similarity = std::max(k.similarity, s.similarity);
                    continue;
                }
            }
            kept.push_back(s);
        }
        m.items.push_back(std::move(kept));
    }
    std::stable_sort(m.items.begin(), m.items.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

}  // namespace sonavec
