// library searches: by vector, text, audio file and track id (library_impl.h). One model's vectors
// at a time: two models' spaces differ, so a query is only compared with vectors of its own model.
#include <algorithm>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "library/library_impl.h"
#include "library/lexical_index.h"
#include "library/library_index.h"
#include "library/vector_index.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "util/enum_names.h"
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
    if (p.rrf_k < 1 || p.rrf_k > 100000) throw error(error_kind::invalid_input, "the fusion constant must be 1 to 100000");
    if (p.rrf_depth < 0) throw error(error_kind::invalid_input, "the fusion depth must not be negative");
}

constexpr enum_name<search_mode> mode_names[] = {
    {search_mode::audio, "audio"}, {search_mode::text, "text"}, {search_mode::hybrid, "hybrid"}};

}  // namespace

const char* search_mode_name(search_mode mode) { return name_of(mode_names, mode); }

search_mode parse_search_mode(const std::string& name) { return parse_name(mode_names, name, "search mode"); }

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

    std::vector<search_hit> audio;
    const int64_t depth = params.mode == search_mode::audio ? params.k
                          : params.rrf_depth > 0          ? params.rrf_depth
                                                          : std::max<int64_t>(100, 10 * params.k);
    if (params.mode != search_mode::text) {
        const std::shared_ptr<const vector_index> loaded = index_for(c, params.index, model_id, threads, params.stale_index_ok);
        const vector_index& idx = *loaded;
        if (idx.size() > 0 && static_cast<int64_t>(query.size()) != idx.dim())
            throw error(error_kind::invalid_input, "the query has " + std::to_string(query.size()) +
                                                       " dimensions and the vectors of model " + model_id + " " +
                                                       std::to_string(idx.dim()) + ": they come from another model");
        index_search_options options;
        options.threads = threads;
        options.nprobe = params.nprobe;
        audio = idx.search(query.data(), depth, accept, options);
    }
    std::vector<search_match> out;
    if (params.mode == search_mode::audio) {
        for (const search_hit& h : audio) {
            auto e = c.find(h.id);
            if (e) out.push_back({h.score, std::move(*e)});  // a row removed since the index was loaded is skipped
        }
        return out;
    }

    // The lexical ranking over this model's ok tracks, then (hybrid) reciprocal rank fusion.
    std::vector<catalog_entry> entries = c.entries(false);
    std::erase_if(entries, [&](const catalog_entry& e) { return e.status != entry_status::ok || e.model_id != model_id; });
    const std::vector<lexical_hit> lexical =
        lexical_ranking(entries, params.words, params.mode == search_mode::text ? params.k : depth, accept);
    struct fused_row {
        int64_t id = 0, audio_rank = 0, text_rank = 0;
        float cosine = 0;
        double text_score = 0, fused = 0;
    };
    std::unordered_map<int64_t, fused_row> rows;
    // Reciprocal rank fusion: each ranking adds 1 / (rrf_k + rank) to the tracks it holds.
    auto fuse = [&](size_t r, int64_t id) -> fused_row& {
        fused_row& f = rows[id];
        f.id = id;
        f.fused += 1.0 / (params.rrf_k + static_cast<double>(r + 1));
        return f;
    };
    for (size_t r = 0; r < audio.size(); r++) {
        fused_row& f = fuse(r, audio[r].id);
        f.audio_rank = static_cast<int64_t>(r) + 1;
        f.cosine = audio[r].score;
    }
    for (size_t r = 0; r < lexical.size(); r++) {
        fused_row& f = fuse(r, lexical[r].id);
        f.text_rank = static_cast<int64_t>(r) + 1;
        f.text_score = lexical[r].score;
    }
    std::vector<fused_row> ranked;
    ranked.reserve(rows.size());
    for (auto& [id, f] : rows) ranked.push_back(f);
    std::sort(ranked.begin(), ranked.end(), [](const fused_row& a, const fused_row& b) {
        return a.fused != b.fused ? a.fused > b.fused : a.id < b.id;
    });
    if (static_cast<int64_t>(ranked.size()) > params.k) ranked.resize(static_cast<size_t>(params.k));
    for (const fused_row& f : ranked) {
        // A lexical match outside the vector ranking still gets its cosine with the query.
        const bool need_vector = params.mode == search_mode::hybrid && f.audio_rank == 0;
        auto e = c.find(f.id, need_vector);
        if (!e) continue;
        float cosine = f.cosine;
        if (need_vector && e->vector.size() == query.size()) {
            cosine = 0;
            for (size_t j = 0; j < query.size(); j++) cosine += query[j] * e->vector[j];
        }
        e->vector.clear();
        e->windows.clear();
        search_match m{cosine, std::move(*e)};
        m.audio_rank = f.audio_rank;
        m.text_rank = f.text_rank;
        m.text_score = f.text_score;
        m.fused = f.fused;
        out.push_back(std::move(m));
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
    search_params p = params;
    if (p.words.empty()) p.words = text;
    // A text search ranks by words alone: the text tower is not needed.
    if (p.mode == search_mode::text) return nearest({}, model_id, p);
    return nearest(embed_texts_cached(eng, {text}, use_cache), model_id, p);
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
