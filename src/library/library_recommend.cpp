// library::recommend: a query made from liked and unliked seeds (Rocchio), then maximal marginal
// relevance over the nearest candidates, with caps per folder and per artist (library_impl.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "library/library_impl.h"
#include "library/unit_vectors.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr int64_t min_pool = 100;   // candidates MMR chooses from, at least
constexpr int64_t max_pool = 2000;  // and at most (10 x k between)

struct seed_vector {
    std::vector<float> vector;
    std::string model_id;           // the model that made the vector
    std::optional<int64_t> track;   // a library track: left out of the results
};

}  // namespace

std::vector<search_match> library_impl::recommend(const recommend_params& params, const engine* eng) const {
    if (params.like.empty()) throw error(error_kind::invalid_input, "a recommendation needs at least one track to start from");
    if (!(params.unlike_weight >= 0) || !(params.diversity >= 0 && params.diversity <= 1))
        throw error(error_kind::invalid_input, "unlike_weight must be >= 0 and diversity between 0 and 1");
    if (params.search.k < 1 || params.search.k > max_pool)
        throw error(error_kind::invalid_input, "k must be from 1 to " + std::to_string(max_pool));

    auto resolve = [&](const recommend_seed& s) {
        if (!(s.weight > 0 && std::isfinite(s.weight))) throw error(error_kind::invalid_input, "a seed's weight must be a positive number");
        seed_vector v;
        switch (s.what) {
            case recommend_seed::kind::track: {
                const auto e = find(s.id, true);
                if (!e) throw error(error_kind::not_found, "no track with id " + std::to_string(s.id) + " in the library");
                if (e->vector.empty()) throw error(error_kind::invalid_input, e->path + " has no vector (it failed to embed)");
                v = {e->vector, e->model_id, e->id};
                break;
            }
            case recommend_seed::kind::file: {
                const auto e = find_file(s.file, true);
                if (e && !e->vector.empty() && (!eng || e->model_id == eng->model_id())) {
                    v = {e->vector, e->model_id, e->id};
                    break;
                }
                if (!eng) throw error(error_kind::invalid_input, s.file.string() + " is not in the library: a model is needed to embed it");
                track_embed_params tp = params.track;
                validate_track_params(tp, *eng);
                v = {embed_track(*eng, s.file, tp).vector, eng->model_id(), e ? std::optional<int64_t>(e->id) : std::nullopt};
                break;
            }
            case recommend_seed::kind::text:
                if (!eng) throw error(error_kind::invalid_input, "a text seed needs a model to embed it");
                v = {embed_texts_cached(*eng, {s.text}, params.use_cache), eng->model_id(), std::nullopt};
                break;
        }
        return v;
    };
    std::vector<seed_vector> likes, unlikes;
    for (const auto& s : params.like) likes.push_back(resolve(s));
    for (const auto& s : params.unlike) unlikes.push_back(resolve(s));

    // One model's space: the one asked for, else the engine's, else the first library seed's.
    std::string model_id = params.search.model_id ? *params.search.model_id : eng ? eng->model_id() : likes.front().model_id;
    for (const auto* side : {&likes, &unlikes})
        for (const auto& v : *side)
            if (v.model_id != model_id)
                throw error(error_kind::invalid_input, "the seeds come from different models (" + v.model_id + " and " +
                                                           model_id + "): their vectors are different spaces");
    model_id = model_to_search(params.search, model_id);

    const size_t dim = likes.front().vector.size();
    std::vector<double> q(dim, 0.0);
    const auto add = [&](const std::vector<seed_vector>& side, const std::vector<recommend_seed>& seeds, double sign) {
        double total = 0;
        for (const auto& s : seeds) total += s.weight;
        for (size_t i = 0; i < side.size(); i++) {
            if (side[i].vector.size() != dim) throw error(error_kind::invalid_input, "the seeds' vectors differ in size");
            for (size_t d = 0; d < dim; d++) q[d] += sign * seeds[i].weight / total * side[i].vector[d];
        }
    };
    add(likes, params.like, 1.0);
    if (!unlikes.empty()) add(unlikes, params.unlike, -params.unlike_weight);
    const std::vector<float> query = normalised(q, "the seeds cancel out: nothing is left to look for");

    std::set<int64_t> seeds;
    for (const auto* side : {&likes, &unlikes})
        for (const auto& v : *side)
            if (v.track) seeds.insert(*v.track);
    search_params sp = params.search;
    sp.k = std::clamp<int64_t>(10 * params.search.k, min_pool, max_pool) + static_cast<int64_t>(seeds.size());
    std::vector<search_match> pool;
    std::vector<std::vector<float>> vectors;
    for (auto& m : nearest(query, model_id, sp)) {
        if (seeds.count(m.track.id)) continue;
        const auto full = find(m.track.id, true);
        if (!full || full->vector.size() != dim) continue;
        vectors.push_back(full->vector);
        pool.push_back(std::move(m));
    }

    // Greedy MMR under the caps. max_sim[i]: candidate i's highest cosine with a pick so far, kept up to
    // date with each new pick (k x pool dot products in all, not k^2 x pool).
    std::vector<search_match> out;
    std::vector<double> max_sim(pool.size(), -std::numeric_limits<double>::infinity());
    std::vector<bool> taken(pool.size(), false);
    std::map<std::string, size_t> per_folder, per_artist;
    const double lambda = 1.0 - params.diversity;
    while (out.size() < static_cast<size_t>(params.search.k)) {
        size_t best = pool.size();
        double best_value = 0;
        for (size_t i = 0; i < pool.size(); i++) {
            if (taken[i]) continue;
            const catalog_entry& t = pool[i].track;
            const std::string folder = std::filesystem::path(t.path).parent_path().string();
            const auto artist = t.tags.find("artist");
            if (params.per_folder && per_folder[folder] >= params.per_folder) continue;
            if (params.per_artist && artist != t.tags.end() && !artist->second.empty() &&
                per_artist[artist->second] >= params.per_artist)
                continue;
            const double value = lambda * pool[i].score - params.diversity * (out.empty() ? 0.0 : max_sim[i]);
            if (best == pool.size() || value > best_value) {
                best = i;
                best_value = value;
            }
        }
        if (best == pool.size()) break;  // the pool is spent, or every candidate left is capped
        taken[best] = true;
        if (params.diversity > 0)
            for (size_t i = 0; i < pool.size(); i++)
                if (!taken[i]) max_sim[i] = std::max(max_sim[i], dot(vectors[i], vectors[best]));
        const catalog_entry& t = pool[best].track;
        per_folder[std::filesystem::path(t.path).parent_path().string()]++;
        if (const auto artist = t.tags.find("artist"); artist != t.tags.end() && !artist->second.empty()) per_artist[artist->second]++;
        out.push_back(pool[best]);
    }
    return out;
}

}  // namespace sonavec
