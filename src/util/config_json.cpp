#include "util/config_json.h"

#include <cmath>

#include "sonavec/error.h"

namespace sonavec {

namespace {
constexpr size_t max_list_length = 64;  // depths, head counts: a handful in any real model
}

config_reader::config_reader(const nlohmann::json& json, std::string section)
    : json_(json), section_(std::move(section)) {
    if (!json_.is_object()) throw error(error_kind::corrupt_file, section_ + ": expected a JSON object");
}

std::string config_reader::where(const std::string& key) const { return section_ + "." + key; }

const nlohmann::json* config_reader::find(const std::string& key) const {
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
}

int64_t config_reader::integer(const std::string& key, int64_t fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (v->is_number_integer()) return v->get<int64_t>();
    if (v->is_number_float()) {
        const double d = v->get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
    }
    throw error(error_kind::corrupt_file, where(key) + " must be an integer, got " + v->dump());
}

double config_reader::number(const std::string& key, double fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number()) throw error(error_kind::corrupt_file, where(key) + " must be a number, got " + v->dump());
    const double d = v->get<double>();
    if (!std::isfinite(d)) throw error(error_kind::corrupt_file, where(key) + " must be finite");
    return d;
}

bool config_reader::boolean(const std::string& key, bool fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean())
        throw error(error_kind::corrupt_file, where(key) + " must be true or false, got " + v->dump());
    return v->get<bool>();
}

std::string config_reader::string(const std::string& key, const std::string& fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) throw error(error_kind::corrupt_file, where(key) + " must be a string, got " + v->dump());
    return v->get<std::string>();
}

std::vector<int64_t> config_reader::integer_list(const std::string& key, const std::vector<int64_t>& fallback) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_array() || v->empty() || v->size() > max_list_length)
        throw error(error_kind::corrupt_file,
                    where(key) + " must be a list of 1 to " + std::to_string(max_list_length) + " integers");
    std::vector<int64_t> out;
    for (const auto& e : *v) {
        if (!e.is_number_integer())
            throw error(error_kind::corrupt_file, where(key) + " must hold integers, got " + e.dump());
        out.push_back(e.get<int64_t>());
    }
    return out;
}

}  // namespace sonavec
