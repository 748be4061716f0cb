// library::retag: zero-shot tags for a whole library from its stored vectors, one matrix product per
// taxonomy (sonavec/tagging.h score_batch), written in one transaction per taxonomy.
#include <chrono>
#include <utility>

#include "library/catalog.h"
#include "library/library_impl.h"
#include "library/library_lock.h"
#include "sonavec/error.h"
#include "util/text_case.h"

namespace sonavec {

retag_report library_impl::retag(const engine& eng, const std::vector<taxonomy>& taxonomies, const retag_params& params) {
    check_writable("retag");
    if (taxonomies.empty()) throw error(error_kind::invalid_input, "retag needs at least one taxonomy");
    for (const taxonomy& t : taxonomies)
        if (ascii_lower(t.name) == learned_taxonomy)
            throw error(error_kind::invalid_input, "'" + t.name + "' is the name of sonavec learn's tags: rename the taxonomy (its file)");
    const library_lock writer(dir_, "retag");
    catalog& c = cat();
    retag_report r;
    r.model_id = eng.model_id();
    const catalog_vectors v = c.vectors(r.model_id);
    r.tracks = v.ids.size();
    if (v.ids.empty())
        throw error(error_kind::not_found, "the library holds no vectors of model " + r.model_id + " (it holds " +
                                               models_text(models()) + ")");
    if (v.dim != eng.dim())
        throw error(error_kind::invalid_input, "the library's vectors have " + std::to_string(v.dim) +
                                                   " dimensions and the model's " + std::to_string(eng.dim()));
    const int64_t n = static_cast<int64_t>(v.ids.size());
    const std::vector<linear_probe> probes = c.probes();
    for (size_t t = 0; t < taxonomies.size(); t++) {
        const taxonomy& tax = taxonomies[t];
        if (params.progress) params.progress(tax.name, t, taxonomies.size());
        const label_set labels = prepare_labels(eng, tax, params.use_cache);
        const auto start = std::chrono::steady_clock::now();
        const std::vector<float> p = score_batch(v.data, n, labels, eng.logit_scale(), params.threads);
        std::vector<std::pair<int64_t, std::vector<inferred_tag>>> rows(static_cast<size_t>(n));
        const size_t width = labels.labels.size();
        for (int64_t i = 0; i < n; i++) {
            const std::span<const float> row(p.data() + static_cast<size_t>(i) * width, width);
            std::vector<tag> kept = multi_label_tags(row, labels.labels, params.rule);
            if (kept.empty()) kept = top_tags(row, labels.labels, 1);
            auto& out = rows[static_cast<size_t>(i)];
            out.first = v.ids[static_cast<size_t>(i)];
            for (const tag& g : kept) out.second.push_back({tax.name, g.label, g.probability});
            r.stored += kept.size();
        }
        r.scoring_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        c.put_inferred_tags(tax.name, rows);
        r.labels += width;
        r.taxonomies++;
    }
    // The model's learned probes, applied again: tracks added since they were learned get their tags.
    // (Read before any tag is written, so that a damaged probe row fails the run before it changes anything.)
    for (const linear_probe& probe : probes) {
        if (probe.model_id != r.model_id || static_cast<int64_t>(probe.weights.size()) != v.dim) continue;
        r.stored += store_probe(probe, v);
        r.probes++;
    }
    return r;
}

}  // namespace sonavec
