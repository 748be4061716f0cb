// library::path: a playlist along the great circle from one track's vector to another's (library_impl.h).
#include <algorithm>
#include <cmath>
#include <set>

#include "library/library_impl.h"
#include "library/unit_vectors.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

// The point t of the way from a to b on the unit sphere.
std::vector<float> slerp(const std::vector<float>& a, const std::vector<float>& b, double t) {
    const double cos_omega = std::clamp(dot(a, b), -1.0, 1.0);
    const double omega = std::acos(cos_omega);
    std::vector<double> p(a.size());
    const double s = std::sin(omega);
    for (size_t i = 0; i < a.size(); i++)
        p[i] = s < 1e-6 ? (1 - t) * a[i] + t * b[i]  // the same direction: any blend is it
                        : std::sin((1 - t) * omega) / s * a[i] + std::sin(t * omega) / s * b[i];
    return normalised(p, "the two tracks point in opposite directions: no single path joins them");
}

}  // namespace

std::vector<search_match> library_impl::path(const path_params& params) const {
    if (params.steps < 2) throw error(error_kind::invalid_input, "a path has at least 2 steps (its two ends)");
    const auto from = find(params.from, true), to = find(params.to, true);
    for (const auto& [e, id] : {std::pair{&from, params.from}, std::pair{&to, params.to}}) {
        if (!*e) throw error(error_kind::not_found, "no track with id " + std::to_string(id) + " in the library");
        if ((*e)->vector.empty()) throw error(error_kind::invalid_input, (*e)->path + " has no vector (it failed to embed)");
    }
    if (params.from == params.to) throw error(error_kind::invalid_input, "a path needs two different tracks");
    if (from->model_id != to->model_id || from->vector.size() != to->vector.size())
        throw error(error_kind::invalid_input, "the two tracks' vectors come from different models");
    const std::string model_id = model_to_search(params.search, from->model_id);
    if (dot(from->vector, to->vector) < -1 + 1e-6)
        throw error(error_kind::invalid_input, "the two tracks point in opposite directions: no single path joins them");

    std::vector<search_match> out{{1.0f, *from}};
    out.front().track.vector.clear();
    std::set<int64_t> used{params.from, params.to};
    search_params sp = params.search;
    for (size_t i = 1; i + 1 < params.steps; i++) {
        const std::vector<float> target = slerp(from->vector, to->vector, static_cast<double>(i) / (params.steps - 1));
        // Enough candidates that one is new, whatever the path took already.
        sp.k = static_cast<int64_t>(used.size()) + 1;
        const std::vector<search_match> near = nearest(target, model_id, sp);
        const auto fresh = std::find_if(near.begin(), near.end(), [&](const search_match& m) { return !used.count(m.track.id); });
        if (fresh == near.end())
            throw error(error_kind::invalid_input, "the library has too few tracks (that pass the filters) for a path of " +
                                                       std::to_string(params.steps) + " steps");
        used.insert(fresh->track.id);
        out.push_back(*fresh);
    }
    search_match last{1.0f, *to};
    last.track.vector.clear();
    out.push_back(std::move(last));
    return out;
}

}  // namespace sonavec
