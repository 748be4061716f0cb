// library::timeline (sonavec/timeline.h): the stored segment windows scored against the kinds' vectors,
// the recordings' stored levels for silence, laid out by library/segment_timeline.h.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "library/library_impl.h"
#include "library/segment_timeline.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr size_t score_block = 4096;  // windows decoded to float32 at a time

// The example files' mean vector: windows of the tower's length, one after the other, over each file's
// first 300 s, as the stored windows cover a recording.
std::vector<float> example_vector(const engine& eng, const std::vector<std::filesystem::path>& files) {
    track_embed_params tp;
    tp.plan.kind = window_plan_kind::full;
    validate_track_params(tp, eng);
    std::vector<double> sum(static_cast<size_t>(eng.dim()), 0.0);
    for (const auto& f : files) {
        const track_embedding t = embed_track(eng, f, tp);
        for (size_t i = 0; i < sum.size(); i++) sum[i] += t.vector[i];
    }
    double norm = 0;
    for (double v : sum) norm += v * v;
    norm = std::sqrt(norm);
    std::vector<float> out(sum.size());
    for (size_t i = 0; i < sum.size(); i++) out[i] = norm > 0 ? static_cast<float>(sum[i] / norm) : 0.0f;
    return out;
}


}  // namespace

label_set segment_labels(const engine& eng, const std::map<std::string, std::vector<std::filesystem::path>>& examples) {
    const taxonomy& segments = builtin_taxonomy("segments");
    std::map<segment_kind, std::vector<std::filesystem::path>> by_kind;
    for (const auto& [name, files] : examples) {
        const segment_kind k = parse_segment_kind(name);
        if (k == segment_kind::silence)
            throw error(error_kind::invalid_input, "silence is found by its level, not by examples: give speech, music, "
                                                   "speech over music or noise");
        if (files.empty()) throw error(error_kind::invalid_input, "no example file given for " + std::string(segment_kind_name(k)));
        auto& list = by_kind[k];
        list.insert(list.end(), files.begin(), files.end());
    }
    taxonomy prompted = segments;
    std::erase_if(prompted.labels, [&](const std::string& l) { return by_kind.count(parse_segment_kind(l)) > 0; });
    label_set from_text;
    if (!prompted.labels.empty()) from_text = prepare_labels(eng, prompted);
    label_set out{segments.name, segments.labels, {}, eng.dim()};
    for (const std::string& l : segments.labels) {
        const auto it = by_kind.find(parse_segment_kind(l));
        if (it != by_kind.end()) {
            const std::vector<float> v = example_vector(eng, it->second);
            out.vectors.insert(out.vectors.end(), v.begin(), v.end());
            continue;
        }
        const size_t row = static_cast<size_t>(std::find(from_text.labels.begin(), from_text.labels.end(), l) - from_text.labels.begin());
        const auto first = from_text.vectors.begin() + static_cast<std::ptrdiff_t>(row * static_cast<size_t>(eng.dim()));
        out.vectors.insert(out.vectors.end(), first, first + eng.dim());
    }
    return out;
}

std::vector<file_timeline> library_impl::timelines(const catalog& c, const catalog::segment_rows& rows,
                                                   const label_set& labels, float logit_scale,
                                                   const timeline_params& p) const {
    // The labels must name kinds a window can be, once each, with one row of the segments' size each.
    std::vector<segment_kind> kinds;
    for (const std::string& l : labels.labels) {
        const segment_kind k = parse_segment_kind(l);
        if (k == segment_kind::silence)
            throw error(error_kind::invalid_input, "silence is found by its level: it cannot be one of the labels");
        if (std::find(kinds.begin(), kinds.end(), k) != kinds.end())
            throw error(error_kind::invalid_input, "the labels name " + std::string(segment_kind_name(k)) + " twice");
        kinds.push_back(k);
    }
    if (kinds.size() < 2) throw error(error_kind::invalid_input, "a timeline needs at least two kinds to choose between");
    if (labels.dim != rows.dim)
        throw error(error_kind::invalid_input, "the kinds' vectors have " + std::to_string(labels.dim) +
                                                   " floats each, the segments " + std::to_string(rows.dim));
    if (labels.vectors.size() != kinds.size() * static_cast<size_t>(rows.dim))
        throw error(error_kind::invalid_input, "the kinds' vectors hold " + std::to_string(labels.vectors.size()) +
                                                   " floats for " + std::to_string(kinds.size()) + " kinds of " +
                                                   std::to_string(rows.dim));
    const int threads = p.threads > 0 ? p.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    std::map<int64_t, catalog::stored_print> prints;
    for (catalog::stored_print& s : c.recording_prints(p.path_glob, true)) prints.emplace(s.id, std::move(s));
    const size_t dim = static_cast<size_t>(rows.dim), windows = rows.scales.size();
    std::vector<file_timeline> out;
    std::vector<float> block;
    for (size_t first = 0; first < windows;) {
        size_t last = first;
        while (last < windows && rows.file_ids[last] == rows.file_ids[first]) last++;
        timeline_input in;
        in.kinds = kinds;
        in.starts.assign(rows.starts.begin() + static_cast<std::ptrdiff_t>(first), rows.starts.begin() + static_cast<std::ptrdiff_t>(last));
        in.lengths.assign(rows.lengths.begin() + static_cast<std::ptrdiff_t>(first), rows.lengths.begin() + static_cast<std::ptrdiff_t>(last));
        for (size_t b = first; b < last; b += score_block) {
            const size_t n = std::min(score_block, last - b);
            block.resize(n * dim);
            for (size_t i = 0; i < n; i++) {
                const float* centre = rows.centres.data() + rows.file_index[b + i] * dim;
                const int8_t* codes = rows.codes.data() + (b + i) * dim;
                for (size_t d = 0; d < dim; d++) block[i * dim + d] = centre[d] + rows.scales[b + i] * static_cast<float>(codes[d]);
            }
            const std::vector<float> probs = score_batch(block, static_cast<int64_t>(n), labels, logit_scale, threads);
            in.probabilities.insert(in.probabilities.end(), probs.begin(), probs.end());
        }
        file_timeline t;
        t.track_id = rows.file_ids[first];
        t.windows = last - first;
        if (const auto e = c.find(t.track_id)) {
            t.path = e->path;
            t.duration_seconds = e->duration_seconds;
        }
        if (const auto it = prints.find(t.track_id); it != prints.end() && !it->second.print.levels_db.empty()) {
            t.has_levels = true;
            in.levels_db = std::move(it->second.print.levels_db);
            in.seconds_per_level = it->second.print.seconds_per_level;
        }
        t.segments = build_timeline(in, p.silence_db, p.min_silence_seconds);
        out.push_back(std::move(t));
        first = last;
    }
    std::sort(out.begin(), out.end(), [](const file_timeline& a, const file_timeline& b) { return a.path < b.path; });
    return out;
}

timeline_report library_impl::timeline(const timeline_params& params, const engine& eng) const {
    check_timeline_params(params);
    const auto t0 = std::chrono::steady_clock::now();
    const catalog* c = reader();
    if (!c) throw error(error_kind::not_found, dir().string() + " holds no library");
    const std::string model = params.model_id.value_or(eng.model_id());
    const std::shared_ptr<const catalog::segment_rows> rows = segment_rows(model, params.path_glob);
    if (rows->scales.empty())
        throw error(error_kind::not_found,
                    dir().string() + " holds no recordings indexed with the segments plan for model " + model +
                        (params.path_glob.empty() ? "" : " under '" + params.path_glob + "'") +
                        ": index them with `sonavec index --windows segments`");
    const label_set labels = params.labels ? *params.labels : segment_labels(eng);
    timeline_report r;
    for (const std::string& l : labels.labels) r.kinds.push_back(segment_kind_name(parse_segment_kind(l)));
    r.files = timelines(*c, *rows, labels, eng.logit_scale(), params);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace sonavec
