// The stored descriptors as one JSON object, for sonavec analyze, search and every export.
#include <cmath>
#include <nlohmann/json.hpp>

#include "sonavec/descriptors.h"

namespace sonavec {

namespace {

// A number, or null where it is not finite (the loudness of silence is -infinity).
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

std::string descriptors_json(const track_descriptors& d) {
    nlohmann::json j;
    j["bpm"] = d.bpm > 0 ? nlohmann::json(d.bpm) : nlohmann::json(nullptr);
    j["bpm_confidence"] = d.bpm_confidence;
    j["key"] = d.key.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.key);
    j["camelot"] = d.camelot.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.camelot);
    j["key_confidence"] = d.key_confidence;
    j["loudness_lufs"] = number(d.loudness_lufs);
    j["loudness_range_lu"] = number(d.loudness_range_lu);
    j["true_peak_dbtp"] = number(d.true_peak_dbtp);
    j["energy"] = d.energy;
    j["loop"] = d.loop;
    return j.dump();
}

}  // namespace sonavec
