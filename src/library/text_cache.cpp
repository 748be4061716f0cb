#include "library/text_cache.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <unordered_map>

#include "sonavec/model.h"
#include "library/model_identity.h"
#include "library/sqlite_db.h"
#include "sonavec/error.h"
#include "util/sha256.h"

namespace sonavec {

namespace {

constexpr size_t max_text_bytes = 65536;  // longer texts are embedded every time, not stored
constexpr int max_value_bytes = 1 << 20;

// "name size mtime_ns path" of a file, or "name absent".
std::string file_identity(const std::filesystem::path& path, const std::string& name) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return name + " absent\n";
    std::error_code ec;
    const auto canon = std::filesystem::weakly_canonical(path, ec);
    return name + " " + std::to_string(st.st_size) + " " +
           std::to_string(int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec) + " " +
           (ec ? path.string() : canon.string()) + "\n";
}

// The database and any journal SQLite left beside it.
void remove_cache_files(const std::filesystem::path& file) {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        std::error_code ec;
        std::filesystem::remove(file.string() + suffix, ec);
    }
}

}  // namespace

std::filesystem::path text_cache::default_path() { return default_cache_root().parent_path() / "text-cache.sqlite"; }

std::string text_cache::model_key(const std::filesystem::path& model_dir, precision products) {
    std::string id = "sonavec text cache 1\n";
    for (const auto& name : model_config_files()) id += file_identity(model_dir / name, name);
    for (const auto& name : model_weight_files()) id += file_identity(model_dir / name, name);
    // The weights' content too: a checkpoint swapped in with the old size and mtime is another model.
    try {
        id += "model " + model_identity(model_dir) + "\n";
    } catch (const error&) {
        id += "model unreadable\n";  // the engine reports it when it loads
    }
    // Another build of sonavec may compute other numbers (a fixed bug, other kernels).
    id += file_identity("/proc/self/exe", "executable");
    // bf16 and int8 products give other numbers; fp32 adds nothing, so its keys stay as they were.
    if (products != precision::fp32) id += std::string("precision ") + precision_name(products) + "\n";
    sha256 h;
    h.update(id.data(), id.size());
    return h.finish_hex();
}

text_cache::text_cache(const std::filesystem::path& file, std::string model_key, int64_t dim, warn_fn warn)
    : file_(file), key_(std::move(model_key)), dim_(dim), warn_(std::move(warn)) {
    open_or_replace();
}

text_cache::~text_cache() = default;

void text_cache::warn(const std::string& what) {
    if (warn_) warn_(what);
}

void text_cache::open_or_replace() {
    db_.reset();
    auto open = [&] {
        std::filesystem::create_directories(file_.parent_path());
        auto db = std::make_unique<sqlite_db>(file_, sqlite_open::create, max_value_bytes);
        db->exec("PRAGMA synchronous = OFF");  // a cache: losing the last rows to a power cut is harmless
        db->exec(
            "CREATE TABLE IF NOT EXISTS text_vectors (id INTEGER PRIMARY KEY, model TEXT NOT NULL, "
            "text TEXT NOT NULL, vector BLOB NOT NULL, UNIQUE (model, text))");
        db->prepare("SELECT id, vector FROM text_vectors WHERE model = ?1 AND text = ?2");  // the layout we expect
        return db;
    };
    try {
        db_ = open();
        return;
    } catch (const std::exception& e) {
        warn(std::string("text cache unreadable, starting a new one: ") + e.what());
    }
    try {
        remove_cache_files(file_);
        db_ = open();
    } catch (const std::exception& e) {
        warn(std::string("text cache off for this run: ") + e.what());
        db_.reset();
    }
}

std::optional<std::vector<float>> text_cache::get(const std::string& text) {
    if (!db_ || text.size() > max_text_bytes) return std::nullopt;
    try {
        sqlite_statement s = db_->prepare("SELECT vector FROM text_vectors WHERE model = ?1 AND text = ?2");
        s.bind(1, key_);
        s.bind(2, text);
        if (!s.step()) return std::nullopt;
        size_t size = 0;
        const void* blob = s.column_blob(0, size);
        if (!blob || size != static_cast<size_t>(dim_) * sizeof(float)) return std::nullopt;
        std::vector<float> v(static_cast<size_t>(dim_));
        std::memcpy(v.data(), blob, size);
        for (float x : v)
            if (!std::isfinite(x)) return std::nullopt;
        return v;
    } catch (const std::exception& e) {
        warn(std::string("text cache unreadable, starting a new one: ") + e.what());
        db_.reset();
        remove_cache_files(file_);
        open_or_replace();
        return std::nullopt;
    }
}

void text_cache::put(const std::string& text, const float* vector) {
    if (!db_ || text.size() > max_text_bytes) return;
    try {
        sqlite_transaction tx(*db_);
        sqlite_statement s = db_->prepare("INSERT OR REPLACE INTO text_vectors (model, text, vector) VALUES (?1, ?2, ?3)");
        s.bind(1, key_);
        s.bind(2, text);
        s.bind_blob(3, vector, static_cast<size_t>(dim_) * sizeof(float));
        s.run();
        // Ids grow with each insert: the oldest rows go first.
        db_->exec("DELETE FROM text_vectors WHERE id <= (SELECT max(id) FROM text_vectors) - " +
                  std::to_string(max_rows));
        tx.commit();
    } catch (const std::exception& e) {
        warn(std::string("cannot store in the text cache: ") + e.what());
    }
}

std::vector<float> embed_texts_cached(const engine& eng, text_cache* cache, const std::vector<std::string>& texts) {
    if (!cache) return eng.embed_texts(texts);
    const auto dim = static_cast<size_t>(eng.dim());
    std::vector<float> out(texts.size() * dim);
    std::vector<std::string> missing;
    std::unordered_map<std::string, std::vector<size_t>> rows_of_missing;
    for (size_t i = 0; i < texts.size(); i++) {
        if (auto v = cache->get(texts[i])) {
            std::copy(v->begin(), v->end(), out.begin() + static_cast<long>(i * dim));
            continue;
        }
        auto& rows = rows_of_missing[texts[i]];
        if (rows.empty()) missing.push_back(texts[i]);
        rows.push_back(i);
    }
    if (missing.empty()) return out;
    const std::vector<float> computed = eng.embed_texts(missing);
    for (size_t m = 0; m < missing.size(); m++) {
        const float* v = computed.data() + m * dim;
        for (size_t row : rows_of_missing[missing[m]]) std::copy(v, v + dim, out.begin() + static_cast<long>(row * dim));
        cache->put(missing[m], v);
    }
    return out;
}

}  // namespace sonavec
