// library::map_categories: a colour category per map point, from the clusters, the folders or the
// stored inferred tags (library.h).
#include <unordered_map>

#include "library/library_impl.h"
#include "sonavec/error.h"
#include "util/text_case.h"

namespace sonavec {

std::vector<std::string> library_impl::map_categories(const map_report& m, const std::string& by,
                                                      const cluster_params& clusters) const {
    std::vector<std::string> out(m.points.size());
    if (by.empty()) throw error(error_kind::invalid_input, "colour by cluster, folder, none or a taxonomy's name");
    if (by == "none") return out;
    std::unordered_map<int64_t, size_t> at;
    for (size_t i = 0; i < m.points.size(); i++) at[m.points[i].id] = i;
    if (by == "cluster") {
        cluster_params p = clusters;
        p.model_id = m.model_id;
        for (const cluster_info& c : this->clusters(p).clusters) {
            const std::string name = "cluster " + std::to_string(c.id) + (c.name.empty() ? "" : ": " + c.name);
            for (int64_t id : c.members)
                if (const auto it = at.find(id); it != at.end()) out[it->second] = name;
        }
        return out;
    }
    const std::string taxonomy = ascii_lower(by);
    size_t tagged = 0;
    for (const catalog_entry& e : entries()) {
        const auto it = at.find(e.id);
        if (it == at.end()) continue;
        if (by == "folder") {
            out[it->second] = std::filesystem::path(e.path).parent_path().filename().string();
            continue;
        }
        const inferred_tag* best = nullptr;
        for (const inferred_tag& t : e.inferred)
            if (ascii_lower(t.taxonomy) == taxonomy && (!best || t.probability > best->probability)) best = &t;
        if (best) {
            out[it->second] = best->label;
            tagged++;
        }
    }
    if (by != "folder" && tagged == 0)
        throw error(error_kind::not_found, "no track has inferred tags of taxonomy '" + by +
                                               "': tag them first (sonavec retag --taxonomy " + by +
                                               "), or colour by cluster, folder or none");
    return out;
}

}  // namespace sonavec
