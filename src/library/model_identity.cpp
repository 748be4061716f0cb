#include "library/model_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sonavec/model.h"  // model_weight_files, default_cache_root
#include "sonavec/atomic_file.h"
#include "sonavec/error.h"
#include "util/file_error_kind.h"
#include "util/sha256.h"

namespace sonavec {

namespace {

constexpr size_t max_cache_bytes = 1 << 20;  // a few hundred models' files; a larger file is ignored
constexpr size_t max_cache_entries = 256;    // others than the model's own are dropped beyond this
constexpr size_t id_hex_digits = 16;         // 64 bits: no accidental collision between checkpoints

// What must be unchanged for a remembered digest to stand for the file.
std::string stat_key(const struct stat& st) {
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
           std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

bool is_hex_digest(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

std::map<std::string, remembered_digest> parse_model_digests(std::string_view text) {
    std::map<std::string, remembered_digest> out;
    if (text.size() > max_cache_bytes) return out;
    // Nothing deeper than path -> {"stat", "sha256"} is even built.
    const nlohmann::json j = nlohmann::json::parse(
        text.begin(), text.end(), [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) { return depth <= 2; }, false);
    if (!j.is_object()) return out;
    for (const auto& [path, entry] : j.items()) {
        if (!entry.is_object()) continue;
        const auto st = entry.find("stat");
        const auto digest = entry.find("sha256");
        if (st == entry.end() || digest == entry.end() || !st->is_string() || !digest->is_string()) continue;
        if (!is_hex_digest(digest->get<std::string>()) || st->get<std::string>().size() > 200) continue;
        out[path] = {st->get<std::string>(), digest->get<std::string>()};
    }
    return out;
}

namespace {

// What parse_model_digests keeps of the cache file (nothing when it is absent or too large).
std::map<std::string, remembered_digest> read_cache(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size > max_cache_bytes) return {};
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return parse_model_digests(text.str());
}

std::string cache_text(const std::map<std::string, remembered_digest>& cache) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [path, d] : cache) j[path] = {{"stat", d.stat_key}, {"sha256", d.sha256}};
    return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::filesystem::path model_digest_cache_file() { return default_cache_root().parent_path() / "model-digests.json"; }

std::string model_identity(const std::filesystem::path& model_dir) {
    std::filesystem::path dir = std::filesystem::absolute(model_dir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();

    std::filesystem::path cache_file;
    std::map<std::string, remembered_digest> cache;
    try {
        cache_file = model_digest_cache_file();
        cache = read_cache(cache_file);
    } catch (const std::exception&) {
        cache_file.clear();  // no HOME: digests are computed every time
    }
    bool cache_changed = false;

    std::string listing = "sonavec model 1\n";
    std::set<std::string> listed;  // this model's cache entries
    // What fixes the vector space: the architecture, the front end and the weights the engine loads (the
    // first of model_weight_files present). The tokenizer files shape text queries, not the stored
    // vectors, and an audio-only model folder may lack them.
    std::vector<std::string> names = {"config.json", "preprocessor_config.json"};
    for (const auto& w : model_weight_files()) {
        std::error_code ec;
        if (std::filesystem::exists(dir / w, ec)) {
            names.push_back(w);
            break;
        }
    }
    for (const std::string& name : names) {
        const std::filesystem::path file = dir / name;
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) {
            const int err = errno;
            throw error(file_error_kind(err), file.string() + ": cannot read the model file");
        }
        std::error_code ec;
        const std::string path = std::filesystem::weakly_canonical(file, ec).string();
        const std::string key = stat_key(st);
        const auto known = cache.find(path);
        std::string digest = known != cache.end() && known->second.stat_key == key ? known->second.sha256 : "";
        if (digest.empty()) {
            digest = sha256_file_hex(file);
            cache[path] = {key, digest};
            cache_changed = true;
        }
        listing += name + " " + digest + "\n";
        listed.insert(path);
    }
    if (cache_changed && !cache_file.empty()) {
        // Beyond the bound, keep this model's entries and drop others (not by age: paths sort).
        for (auto it = cache.begin(); cache.size() > max_cache_entries && it != cache.end();)
            it = listed.count(it->first) ? std::next(it) : cache.erase(it);
        try {
            std::filesystem::create_directories(cache_file.parent_path());
            write_file_atomically(cache_file, cache_text(cache));
        } catch (const std::exception&) {
            // a read-only cache: the digests are computed again next time
        }
    }
    sha256 h;
    h.update(listing.data(), listing.size());
    return dir.filename().string() + "@" + h.finish_hex().substr(0, id_hex_digits);
}

}  // namespace sonavec
