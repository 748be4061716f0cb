// track_json.h: a track's row without its vectors (the path is the catalog's own: no other path is ever
// named), its tags, inferred tags and descriptors.
#include "track_json.h"

namespace sonavec::server {

nlohmann::json track_json(const catalog_entry& e) {
    nlohmann::json j = {{"id", e.id},
                        {"path", e.path},
                        {"duration_seconds", e.duration_seconds},
                        {"format", e.format},
                        {"sample_rate", e.sample_rate},
                        {"channels", e.channels},
                        {"size_bytes", e.size_bytes},
                        {"status", entry_status_name(e.status)},
                        {"model", e.model_id},
                        {"tags", e.tags},
                        {"inferred", nlohmann::json::parse(inferred_tags_json(e.inferred))}};
    j["descriptors"] = e.descriptors ? nlohmann::json::parse(descriptors_json(*e.descriptors)) : nlohmann::json(nullptr);
    if (e.status != entry_status::ok) j["error"] = e.error;
    return j;
}

nlohmann::json matches_json(const std::vector<search_match>& matches) {
    nlohmann::json out = nlohmann::json::array();
    for (const search_match& m : matches) {
        nlohmann::json j = track_json(m.track);
        j["score"] = m.score;
        if (m.fused > 0) {
            j["fused"] = m.fused;
            j["audio_rank"] = m.audio_rank;
            j["text_rank"] = m.text_rank;
        }
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace sonavec::server
