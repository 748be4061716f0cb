// A persistent cache of text embeddings, so that a repeated query or prompt list skips the tokenizer
// and the text tower. One SQLite file (default $XDG_CACHE_HOME/sonavec/text-cache.sqlite); a row per
// (model key, exact text).
//
//   text_cache cache(text_cache::default_path(), text_cache::model_key(model_dir), eng->dim(), warn);
//   std::vector<float> v = embed_texts_cached(*eng, &cache, {"rain on a tin roof"});
//
// The model key names everything a vector depends on: the model's files (path, size, modification
// time), the sonavec executable that computes it and the precision of its matrix products, so a new
// build, new weights or another --precision miss. The file is outside data: a row of the wrong size
// or with non-finite values is a miss, and a file SQLite cannot read is replaced by a new one (with a
// warning). Cache trouble never fails a command.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sonavec/engine.h"

namespace sonavec {

class sqlite_db;

class text_cache {
public:
    using warn_fn = std::function<void(const std::string&)>;

    // $XDG_CACHE_HOME/sonavec/text-cache.sqlite (else ~/.cache/...).
    static std::filesystem::path default_path();
    // A digest of the model directory's files, of this executable and of the precision (see above);
    // fp32 keys are those of caches written before the precision was part of the key.
    static std::string model_key(const std::filesystem::path& model_dir, precision products = precision::fp32);

    // Opens (or creates) the file; on any trouble, warns and replaces it, or works as an empty cache.
    text_cache(const std::filesystem::path& file, std::string model_key, int64_t dim, warn_fn warn);
    ~text_cache();
    text_cache(const text_cache&) = delete;
    text_cache& operator=(const text_cache&) = delete;

    // dim() floats for this model and text, or nothing.
    std::optional<std::vector<float>> get(const std::string& text);
    void put(const std::string& text, const float* vector);

    // Rows kept; past this, the oldest are dropped.
    static constexpr int64_t max_rows = 20000;

private:
    void open_or_replace();
    void warn(const std::string& what);

    std::filesystem::path file_;
    std::string key_;
    int64_t dim_;
    warn_fn warn_;
    std::unique_ptr<sqlite_db> db_;  // null when the cache is off for this run
};

// eng.embed_texts for the texts the cache lacks (one batch), the rest from the cache; rows in the
// order of texts. cache may be null.
std::vector<float> embed_texts_cached(const engine& eng, text_cache* cache, const std::vector<std::string>& texts);

}  // namespace sonavec
