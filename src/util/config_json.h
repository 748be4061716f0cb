// Typed, validated reads from one section of a model's JSON config (config.json's audio_config,
// text_config, preprocessor_config.json). An absent or null key takes the reference class's default;
// a present key of the wrong type is an error naming the section and the key.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sonavec {

class config_reader {
public:
    // section: how messages name it, e.g. "text_config" or "preprocessor_config.json".
    config_reader(const nlohmann::json& json, std::string section);

    int64_t integer(const std::string& key, int64_t fallback) const;  // whole floats such as 48000.0 accepted
    double number(const std::string& key, double fallback) const;     // finite only
    bool boolean(const std::string& key, bool fallback) const;
    std::string string(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> integer_list(const std::string& key, const std::vector<int64_t>& fallback) const;

    const nlohmann::json* find(const std::string& key) const;  // null when absent or JSON null
    std::string where(const std::string& key) const;            // "text_config.vocab_size"

private:
    const nlohmann::json& json_;
    std::string section_;
};

}  // namespace sonavec
