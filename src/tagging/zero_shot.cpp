// Zero-shot scoring: label vectors from prompt ensembles, and softmax(logit_scale * cosine) over labels
// for one vector or a whole library of them.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <thread>

#include "nn/fast_math.h"
#include "nn/ops.h"
#include "nn/thread_pool.h"
#include "sonavec/error.h"
#include "sonavec/library.h"
#include "sonavec/tagging.h"

namespace sonavec {

namespace {

// Rows per sgemm call: the [rows, labels] block of cosines stays in cache while it is turned into
// probabilities, and rows are handed to threads in blocks this size.
constexpr int64_t block_rows = 256;

void normalize(float* v, int64_t dim) {
    double s = 0;
    for (int64_t i = 0; i < dim; i++) s += static_cast<double>(v[i]) * v[i];
    if (s <= 0) return;
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int64_t i = 0; i < dim; i++) v[i] *= inv;
}

// Rows r0..r1 of the result: cosines by one sgemm of the audio block against the label matrix, each
// cosine divided by its audio row's norm, then a softmax per row.
// ref: modeling_clap.py ClapModel.forward: logits_per_audio = logit_scale_a.exp() * audio_embeds @ text_embeds.T
void score_rows(const float* audio, int64_t r0, int64_t r1, const label_set& set, float scale, float* out) {
    const int64_t dim = set.dim, nl = static_cast<int64_t>(set.labels.size()), rows = r1 - r0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(nl),
                static_cast<blasint>(dim), 1.0f, audio + r0 * dim, static_cast<blasint>(dim), set.vectors.data(),
                static_cast<blasint>(dim), 0.0f, out + r0 * nl, static_cast<blasint>(nl));
    for (int64_t r = r0; r < r1; r++) {
        const float* a = audio + r * dim;
        float* p = out + r * nl;
        const double norm2 = cblas_sdot(static_cast<blasint>(dim), a, 1, a, 1);
        if (!(norm2 > 0) || !std::isfinite(norm2)) {
            std::fill(p, p + nl, 1.0f / static_cast<float>(nl));  // no direction: no label is preferred
            continue;
        }
        // Plain loops over the row that the compiler vectorises, and the towers' vectorised exp: at
        // 100,000 x 500 the softmax would otherwise cost as much as the matrix product.
        const float k = static_cast<float>(scale / std::sqrt(norm2));
        float top = -INFINITY;
        for (int64_t l = 0; l < nl; l++) top = std::max(top, p[l]);
        const float shift = top * k;  // k > 0: the largest cosine gives the largest logit
        for (int64_t l = 0; l < nl; l++) p[l] = p[l] * k - shift;  // shifted by the maximum: exp never overflows
        exp_fast(p, p, nl);
        const float inv = 1.0f / sum_fast(p, nl);
        for (int64_t l = 0; l < nl; l++) p[l] *= inv;
    }
}

void check_probabilities(std::span<const float> probabilities, const std::vector<std::string>& labels) {
    if (probabilities.size() != labels.size())
        throw error(error_kind::invalid_input, std::to_string(probabilities.size()) + " probabilities for " +
                                                   std::to_string(labels.size()) + " labels");
}

// The indices of at most k labels with probability >= floor, by falling probability; equal ones keep
// label order. Partial: a retag ranks 100,000 rows of hundreds of labels to keep a few of each.
std::vector<size_t> ranked(std::span<const float> probabilities, size_t k, float floor = -1.0f) {
    std::vector<size_t> order;
    for (size_t i = 0; i < probabilities.size(); i++)
        if (probabilities[i] >= floor) order.push_back(i);
    const size_t keep = std::min(k, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), [&](size_t a, size_t b) {
        return probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b;
    });
    order.resize(keep);
    return order;
}

}  // namespace

label_set prepare_labels(const engine& eng, const taxonomy& t, bool use_cache) {
    if (t.labels.empty()) throw error(error_kind::invalid_input, "taxonomy '" + t.name + "' has no labels");
    const std::vector<std::string> templates =
        t.templates.empty() ? std::vector<std::string>{default_label_template} : t.templates;
    std::vector<std::string> prompts;
    prompts.reserve(t.labels.size() * templates.size());
    for (const auto& label : t.labels)
        for (const auto& tmpl : templates) prompts.push_back(label_prompt(tmpl, label));
    const std::vector<float> rows = embed_texts_cached(eng, prompts, use_cache);

    label_set set;
    set.name = t.name;
    set.labels = t.labels;
    set.dim = eng.dim();
    set.vectors.assign(t.labels.size() * static_cast<size_t>(set.dim), 0.0f);
    // The ensemble: the mean of a label's unit prompt vectors, normalised again (as CLIP's prompt ensembles).
    const size_t nt = templates.size();
    for (size_t l = 0; l < t.labels.size(); l++) {
        float* v = set.vectors.data() + l * set.dim;
        for (size_t k = 0; k < nt; k++) {
            const float* r = rows.data() + (l * nt + k) * set.dim;
            for (int64_t d = 0; d < set.dim; d++) v[d] += r[d];
        }
        normalize(v, set.dim);
    }
    return set;
}

std::vector<float> score_batch(std::span<const float> audio, int64_t n, const label_set& set, float logit_scale,
                               int threads) {
    const int64_t nl = static_cast<int64_t>(set.labels.size());
    if (n < 0 || set.dim <= 0 || nl == 0 || set.vectors.size() != static_cast<size_t>(nl * set.dim))
        throw error(error_kind::invalid_input, "label set '" + set.name + "' is empty or its vectors are not labels x dim");
    if (audio.size() != static_cast<size_t>(n) * static_cast<size_t>(set.dim))
        throw error(error_kind::invalid_input, std::to_string(audio.size()) + " floats are not " + std::to_string(n) +
                                                   " vectors of " + std::to_string(set.dim));
    if (!(logit_scale > 0) || !std::isfinite(logit_scale))
        throw error(error_kind::invalid_input, "the logit scale must be a positive number");
    std::vector<float> out(static_cast<size_t>(n * nl));
    if (n == 0) return out;
    // OpenBLAS is kept single-threaded (its own pool would fight the engine's); the blocks are spread here.
    single_threaded_blas();
    const int64_t blocks = (n + block_rows - 1) / block_rows;
    const int64_t workers = std::min<int64_t>(threads_or_all_cores(threads), blocks);
    auto run = [&](int64_t w) {
        for (int64_t b = w; b < blocks; b += workers)
            score_rows(audio.data(), b * block_rows, std::min(n, (b + 1) * block_rows), set, logit_scale, out.data());
    };
    std::vector<std::thread> pool;
    for (int64_t w = 1; w < workers; w++) pool.emplace_back(run, w);
    run(0);
    for (auto& t : pool) t.join();
    return out;
}

std::vector<float> zero_shot_probabilities(std::span<const float> audio_vector, const label_set& labels,
                                           float logit_scale) {
    return score_batch(audio_vector, 1, labels, logit_scale, 1);
}

std::vector<tag> top_tags(std::span<const float> probabilities, const std::vector<std::string>& labels, int k) {
    check_probabilities(probabilities, labels);
    if (k < 1) throw error(error_kind::invalid_input, "top-k needs k >= 1, got " + std::to_string(k));
    std::vector<tag> out;
    for (size_t i : ranked(probabilities, static_cast<size_t>(k))) out.push_back({labels[i], probabilities[i]});
    return out;
}

std::vector<tag> multi_label_tags(std::span<const float> probabilities, const std::vector<std::string>& labels,
                                  const multi_label_rule& rule) {
    check_probabilities(probabilities, labels);
    if (!(rule.ratio > 0 && rule.ratio <= 1) || !(rule.above_uniform >= 0) || rule.max_labels < 1)
        throw error(error_kind::invalid_input, "multi-label rule needs 0 < ratio <= 1, above_uniform >= 0, max_labels >= 1");
    std::vector<tag> out;
    if (labels.empty()) return out;
    const float best = *std::max_element(probabilities.begin(), probabilities.end());
    const float floor = std::max(rule.ratio * best, rule.above_uniform / static_cast<float>(labels.size()));
    for (size_t i : ranked(probabilities, static_cast<size_t>(rule.max_labels), floor))
        out.push_back({labels[i], probabilities[i]});
    return out;
}

std::vector<taxonomy_tags> tag_vector(std::span<const float> audio_vector, const std::vector<label_set>& sets,
                                      float logit_scale, const tag_params& params) {
    std::vector<taxonomy_tags> out;
    for (const auto& set : sets) {
        const std::vector<float> p = zero_shot_probabilities(audio_vector, set, logit_scale);
        out.push_back({set.name, params.multi ? multi_label_tags(p, set.labels, params.rule)
                                              : top_tags(p, set.labels, params.top)});
    }
    return out;
}

tagged_track tag_track(const engine& eng, const std::filesystem::path& file, const std::vector<label_set>& sets,
                       const track_embed_params& track, const tag_params& params) {
    tagged_track t;
    t.track = embed_track(eng, file, track);
    t.tags = tag_vector(t.track.vector, sets, eng.logit_scale(), params);
    return t;
}

}  // namespace sonavec
