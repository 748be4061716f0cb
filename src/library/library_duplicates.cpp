// library::duplicates: tier 1 from content hashes, tier 2 from the stored fingerprints through a hash
// index (fingerprint_candidates.h), tier 3 from the vector index's nearest neighbours; groups are split
// around their kept copies (duplicate_groups.h). Read-only: nothing is written, deleted or moved.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "library/duplicate_groups.h"
#include "library/fingerprint_candidates.h"
#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/vector_index.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr int64_t similar_nprobe = 8;

void check_cancel(const duplicate_params& p) {
    if (p.cancel && p.cancel->load()) throw error(error_kind::cancelled, "the duplicate scan was cancelled");
}

// Runs f(i) for i in [0, n) on `threads` threads.
void parallel_for(size_t n, int threads, const std::function<void(size_t)>& f) {
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next++) < n;) f(i);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads && static_cast<size_t>(t) < n; t++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
}

bool wants(const duplicate_params& p, duplicate_tier t) {
    return std::find(p.tiers.begin(), p.tiers.end(), t) != p.tiers.end();
}

void check_params(const duplicate_params& p) {
    if (p.tiers.empty()) throw error(error_kind::invalid_input, "no duplicate tier asked for");
    if (!(p.same_recording > 0 && p.same_recording <= 1))
        throw error(error_kind::invalid_input, "the fingerprint similarity must be in (0, 1]");
    if (!(p.max_offset_seconds >= 0 && p.max_offset_seconds <= 60))
        throw error(error_kind::invalid_input, "the offset must be 0 to 60 seconds");
    if (!(p.similar_cosine > 0 && p.similar_cosine <= 1))
        throw error(error_kind::invalid_input, "the cosine threshold must be in (0, 1]");
    if (!(p.min_duration_ratio >= 0 && p.min_duration_ratio <= 1))
        throw error(error_kind::invalid_input, "the duration ratio must be 0 to 1");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
}

}  // namespace

duplicate_report library_impl::duplicates(const duplicate_params& params) const {
    const auto start = std::chrono::steady_clock::now();
    check_params(params);
    const int threads = params.threads > 0 ? params.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    duplicate_report r;
    const catalog* made = reader();
    if (!made) return r;
    const catalog& c = *made;

    std::vector<catalog_entry> rows;
    for (catalog_entry& e : c.entries(false))
        if (e.status == entry_status::ok) rows.push_back(std::move(e));
    r.tracks = rows.size();
    std::vector<duplicate_member> member(rows.size());
    std::unordered_map<int64_t, size_t> index_of;
    for (size_t i = 0; i < rows.size(); i++) {
        member[i] = member_of(rows[i]);
        index_of[rows[i].id] = i;
    }
    const auto keep_first = [&](size_t a, size_t b) { return keep_before(member[a], member[b]); };
    // Each tier looks only at the kept copies of the tiers before it.
    std::vector<bool> represented(rows.size(), true);
    auto add_group = [&](duplicate_tier tier, size_t keeper, const std::vector<std::pair<size_t, star_match>>& others) {
        duplicate_group g;
        g.tier = tier;
        g.members.push_back(member[keeper]);
        for (const auto& [i, m] : others) {
            duplicate_member d = member[i];
            d.score = m.score;
            d.offset_seconds = m.offset_seconds;
            g.members.push_back(std::move(d));
            represented[i] = false;
        }
        r.groups.push_back(std::move(g));
    };

    // Tier 1: the same bytes.
    if (wants(params, duplicate_tier::identical)) {
        std::map<std::string, std::vector<size_t>> by_hash;
        for (size_t i = 0; i < rows.size(); i++)
            if (!rows[i].content_hash.empty()) by_hash[rows[i].content_hash].push_back(i);
        for (auto& [hash, same] : by_hash) {
            if (same.size() < 2) continue;
            std::sort(same.begin(), same.end(), keep_first);
            std::vector<std::pair<size_t, star_match>> others;
            for (size_t k = 1; k < same.size(); k++) others.emplace_back(same[k], star_match{});
            add_group(duplicate_tier::identical, same[0], others);
        }
    }
    check_cancel(params);

    // Tier 2: the same recording, by fingerprint.
    if (wants(params, duplicate_tier::same_recording)) {
        std::vector<std::optional<audio_fingerprint>> fp(rows.size());
        c.for_each_fingerprint([&](int64_t id, const audio_fingerprint& f) {
            const auto it = index_of.find(id);
            if (it == index_of.end() || !represented[it->second]) return;
            fp[it->second] = f;
        });
        for (size_t i = 0; i < rows.size(); i++)
            if (represented[i] && !fp[i] && !rows[i].content_hash.empty()) r.without_fingerprint++;
        fingerprint_candidates sketch;
        for (size_t i = 0; i < rows.size(); i++)
            if (fp[i] && !fp[i]->hashes.empty()) sketch.add(static_cast<uint32_t>(i), fp[i]->hashes);
        const std::vector<std::pair<uint32_t, uint32_t>> candidates = sketch.pairs();
        r.fingerprint_candidates = candidates.size();
        check_cancel(params);
        std::vector<fingerprint_match> found(candidates.size());
        std::atomic<size_t> compared{0};
        parallel_for(candidates.size(), threads, [&](size_t k) {
            if (params.cancel && params.cancel->load()) return;
            found[k] = compare_fingerprints(*fp[candidates[k].first], *fp[candidates[k].second], params.max_offset_seconds);
            compared++;
        });
        check_cancel(params);
        if (params.progress) params.progress("fingerprints", compared, candidates.size());
        std::vector<std::pair<size_t, size_t>> matched;
        for (size_t k = 0; k < candidates.size(); k++)
            if (found[k].similarity >= params.same_recording) matched.emplace_back(candidates[k].first, candidates[k].second);
        const auto match = [&](size_t keeper, size_t other) -> std::optional<star_match> {
            const fingerprint_match m = compare_fingerprints(*fp[keeper], *fp[other], params.max_offset_seconds);
            if (m.similarity < params.same_recording) return std::nullopt;
            return star_match{m.similarity, m.offset * fp[keeper]->seconds_per_hash};
        };
        for (const star_group& g : star_groups(rows.size(), matched, keep_first, match))
            add_group(duplicate_tier::same_recording, g.keeper, g.others);
    }
    check_cancel(params);

    // Tier 3: similar, by CLAP cosine among tracks of close durations.
    if (wants(params, duplicate_tier::similar)) {
        const bool any = !models().empty();
        const std::string model = any ? one_model(params.model_id, "for the similar tier") : std::string();
        if (any) {
            const catalog_vectors v = c.vectors(model);
            const std::shared_ptr<const vector_index> loaded = index_for(c, index_choice::automatic, model, threads);
            const vector_index& idx = *loaded;
            std::unordered_map<int64_t, size_t> row_of_vector;
            for (size_t k = 0; k < v.ids.size(); k++) row_of_vector[v.ids[k]] = k;
            const auto close_durations = [&](size_t a, size_t b) {
                const double da = member[a].duration_seconds, db = member[b].duration_seconds;
                if (da <= 0 || db <= 0) return true;  // imported vectors without a duration: nothing to gate on
                return std::min(da, db) / std::max(da, db) >= params.min_duration_ratio;
            };
            // Every pair above the threshold from the vector index: exactly, or through each vector's
            // nearest IVF lists (pairs this close share them; bench_duplicates measures what it finds).
            const auto pairs = idx.pairs_above(static_cast<float>(params.similar_cosine), similar_nprobe, threads,
                                               params.cancel);
            std::vector<std::pair<size_t, size_t>> matched;
            for (const auto& [x, y] : pairs) {
                const auto a = index_of.find(x), b = index_of.find(y);
                if (a == index_of.end() || b == index_of.end() || !represented[a->second] || !represented[b->second])
                    continue;
                if (close_durations(a->second, b->second)) matched.emplace_back(a->second, b->second);
            }
            check_cancel(params);
            r.similar_candidates = pairs.size();
            if (params.progress) params.progress("similar", v.ids.size(), v.ids.size());
            const auto match = [&](size_t keeper, size_t other) -> std::optional<star_match> {
                const auto a = row_of_vector.find(rows[keeper].id), b = row_of_vector.find(rows[other].id);
                if (a == row_of_vector.end() || b == row_of_vector.end()) return std::nullopt;
                const float* x = v.data.data() + a->second * static_cast<size_t>(v.dim);
                const float* y = v.data.data() + b->second * static_cast<size_t>(v.dim);
                double dot = 0;
                for (int64_t d = 0; d < v.dim; d++) dot += static_cast<double>(x[d]) * y[d];
                if (dot < params.similar_cosine || !close_durations(keeper, other)) return std::nullopt;
                return star_match{dot, 0};
            };
            for (const star_group& g : star_groups(rows.size(), matched, keep_first, match))
                add_group(duplicate_tier::similar, g.keeper, g.others);
        }
    }

    std::stable_sort(r.groups.begin(), r.groups.end(), [](const duplicate_group& a, const duplicate_group& b) {
        if (a.tier != b.tier) return a.tier < b.tier;
        return a.members[0].path < b.members[0].path;
    });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

}  // namespace sonavec
