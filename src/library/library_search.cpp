// library searches: by vector, text, audio file and track id (library_impl.h). One model's vectors
// at a time: two models' spaces differ, so a query is only compared with vectors of its own model.
#include <algorithm>
#include <thread>
#include <unordered_set>

#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/vector_index.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "util/text_case.h"

namespace sonavec {

namespace {

void check_params(const search_params& p) {
    if (p.k < 1) throw error(error_kind::invalid_input, "k must be at least 1, got " + std::to_string(p.k));
    if (p.nprobe < 0) throw error(error_kind::invalid_input, "nprobe must not be negative");
    if (p.threads < 0) throw error(error_kind::invalid_input, "the thread count must not be negative");
    const auto& f = p.filter;
    if ((f.min_seconds && !(*f.min_seconds >= 0)) || (f.max_seconds && !(*f.max_seconds >= 0)))
        throw error(error_kind::invalid_input, "a duration bound must be a number of seconds >= 0");
    if (f.tag_key.empty() && !f.tag_value.empty())
        throw error(error_kind::invalid_input, "a tag value to match needs the tag's key");
    for (const auto& bound : {f.min_bpm, f.max_bpm})
        if (bound && !(*bound > 0 && *bound <= 1000))
            throw error(error_kind::invalid_input, "a tempo bound must be a number of BPM above 0 and at most 1000");
    if (f.min_bpm && f.max_bpm && *f.min_bpm > *f.max_bpm)
        throw error(error_kind::invalid_input, "the lowest tempo is above the highest");
    if (!f.key.empty()) key_camelot(f.key);  // throws, with examples, for what is not a key
}

}  // namespace

std::string library_impl::model_to_search(const search_params& params, const std::string& fallback) const {
    const std::map<std::string, int64_t> held = models();
    const std::string id = params.model_id ? *params.model_id : fallback;
    if (!held.empty() && held.count(id) == 0)
        throw error(error_kind::not_found,
                    "the library holds no vectors of model " + id + " (it holds " + models_text(held) +
                        "): search with the model that made them, or name the model id of vectors made elsewhere");
    return id;
}

std::vector<search_match> library_impl::nearest(std::span<const float> query, const std::string& model_id,
                                                const search_params& params) const {
    check_params(params);
    const catalog* made = reader();
    if (!made) return {};  // a library not made yet holds nothing
    const catalog& c = *made;
    const int threads = params.threads > 0 ? params.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const vector_index idx = open_library_index(c, params.index, model_id, threads);
    if (idx.size() > 0 && static_cast<int64_t>(query.size()) != idx.dim())
        throw error(error_kind::invalid_input, "the query has " + std::to_string(query.size()) +
                                                   " dimensions and the vectors of model " + model_id + " " +
                                                   std::to_string(idx.dim()) + ": they come from another model");

    search_filter filter = params.filter;
    filter.format = ascii_lower(filter.format);
    filter.tag_key = ascii_lower(filter.tag_key);
    filter.tag_value = ascii_lower(filter.tag_value);
    std::unordered_set<int64_t> accepted;
    if (filter.any())
        for (int64_t id : c.matching_ids(filter, model_id)) accepted.insert(id);
    std::function<bool(int64_t)> accept;
    const std::optional<int64_t> exclude = params.exclude_id;
    if (filter.any() || exclude)
        accept = [&](int64_t id) { return (!exclude || id != *exclude) && (!filter.any() || accepted.count(id) > 0); };
    std::vector<search_match> out;
    index_search_options options;
    options.threads = threads;
    options.nprobe = params.nprobe;
    for (const search_hit& h : idx.search(query.data(), params.k, accept, options)) {
        auto e = c.find(h.id);
        if (e) out.push_back({h.score, std::move(*e)});  // a row removed since the index was loaded is skipped
    }
    return out;
}

std::vector<search_match> library_impl::search_vector(std::span<const float> query, const search_params& params) const {
    if (!params.model_id) {
        const std::map<std::string, int64_t> held = models();
        if (held.size() > 1)
            throw error(error_kind::invalid_input, "the library holds vectors of " + std::to_string(held.size()) +
                                                       " models: " + models_text(held) + "; name the one to search");
        if (held.empty()) return {};
        return nearest(query, model_to_search(params, held.begin()->first), params);
    }
    return nearest(query, model_to_search(params, *params.model_id), params);
}

std::vector<search_match> library_impl::search_text(const std::string& text, const engine& eng,
                                                    const search_params& params, bool use_cache) const {
    check_params(params);
    const std::string model_id = model_to_search(params, eng.model_id());  // before the text tower runs
    return nearest(embed_texts_cached(eng, {text}, use_cache), model_id, params);
}

std::vector<search_match> library_impl::similar(int64_t id, const search_params& params) const {
    check_params(params);
    const auto known = find(id, true);
    if (!known) throw error(error_kind::not_found, "no track with id " + std::to_string(id) + " in the library");
    if (known->status != entry_status::ok || known->vector.empty())
        throw error(error_kind::corrupt_file,
                    known->path + " is in the library but could not be embedded: " + known->error);
    search_params p = params;
    if (!p.exclude_id) p.exclude_id = known->id;
    // "" too: vectors imported without a model are compared only with their like.
    return nearest(known->vector, model_to_search(p, known->model_id), p);
}

std::optional<catalog_entry> library_impl::find_file(const std::filesystem::path& file, bool with_vectors) const {
    const catalog* c = reader();
    if (!c) return std::nullopt;
    std::error_code ec;
    auto known = c->find(std::filesystem::absolute(file, ec).lexically_normal().string(), with_vectors);
    if (!known && std::filesystem::exists(file, ec)) {
        const auto canon = std::filesystem::weakly_canonical(file, ec);
        if (!ec) known = c->find(canon.string(), with_vectors);
    }
    return known;
}

std::vector<search_match> library_impl::search_file(const std::filesystem::path& file, const engine* eng,
                                                    const search_params& params, const track_embed_params& track) const {
    check_params(params);
    const std::optional<catalog_entry> known = find_file(file, true);
    // A file the library holds (and whose row is of the model asked for, when one is) uses its stored vector.
    if (known && known->status == entry_status::ok && !known->vector.empty() &&
        (!params.model_id || *params.model_id == known->model_id)) {
        search_params p = params;
        if (!p.exclude_id) p.exclude_id = known->id;
        return nearest(known->vector, model_to_search(p, known->model_id), p);
    }
    if (known && known->status != entry_status::ok)
        throw error(error_kind::corrupt_file,
                    known->path + " is in the library but could not be embedded: " + known->error);
    if (!eng)
        throw error(error_kind::invalid_input,
                    file.string() + " is not in the library: an engine is needed to embed it");
    const std::string model_id = model_to_search(params, eng->model_id());
    track_embed_params tp = track;
    validate_track_params(tp, *eng);
    const track_embedding t = embed_track(*eng, file, tp);
    return nearest(t.vector, model_id, params);
}

}  // namespace sonavec
