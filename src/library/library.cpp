// Opening a library, reading it, its stats, prune, and the text cache (library_impl.h).
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

#include "library/library_impl.h"
#include "library/library_index.h"
#include "library/library_lock.h"
#include "library/text_cache.h"
#include "library/vector_index.h"
#include "sonavec/error.h"

namespace sonavec {

std::filesystem::path library::default_dir() { return catalog::default_library_dir(); }

std::unique_ptr<library> library::open(const std::filesystem::path& dir, open_mode mode) {
    if (dir.empty()) throw error(error_kind::invalid_input, "the library folder is empty");
    return std::make_unique<library_impl>(std::filesystem::absolute(dir).lexically_normal(), mode);
}

library_impl::~library_impl() {
    std::lock_guard lock(refresh_mutex_);
    if (refresher_.joinable()) refresher_.join();
}

library_impl::library_impl(const std::filesystem::path& dir, open_mode mode) : dir_(dir), mode_(mode) {
    // An existing catalog is opened (and checked) now; a new one is made by the first write.
    if (mode != open_mode::create || std::filesystem::exists(dir_ / "catalog.sqlite")) cat();
}

catalog& library_impl::cat() const {
    std::lock_guard lock(cat_mutex_);
    if (!cat_) {
        const catalog_open how = mode_ == open_mode::create     ? catalog_open::create_if_missing
                                 : mode_ == open_mode::existing ? catalog_open::existing
                                                                : catalog_open::read_only;
        cat_.emplace(dir_, how);
    }
    return *cat_;
}

const catalog* library_impl::reader() const {
    {
        std::lock_guard lock(cat_mutex_);
        if (cat_) return &*cat_;
    }
    std::error_code ec;
    if (mode_ == open_mode::create && !std::filesystem::exists(dir_ / "catalog.sqlite", ec)) return nullptr;
    return &cat();
}

void library_impl::check_writable(const char* what) const {
    if (mode_ == open_mode::read_only)
        throw error(error_kind::invalid_input,
                    std::string("the library at ") + dir_.string() + " was opened read-only: cannot " + what);
}

std::map<std::string, int64_t> library_impl::models() const {
    const catalog* c = reader();
    if (!c) return {};
    // Every search asks: counted again only when the vectors changed (the catalog's fingerprint).
    const std::string fingerprint = c->fingerprint();
    {
        std::lock_guard lock(index_mutex_);
        if (models_fingerprint_ == fingerprint) return models_;
    }
    std::map<std::string, int64_t> held = c->models();
    std::lock_guard lock(index_mutex_);
    models_fingerprint_ = fingerprint;
    models_ = held;
    return held;
}

std::string models_text(const std::map<std::string, int64_t>& models) {
    std::string out;
    for (const auto& [id, n] : models)
        out += (out.empty() ? "" : ", ") + (id.empty() ? std::string("(imported without a model id)") : id) + " (" +
               std::to_string(n) + " files)";
    return out.empty() ? "none" : out;
}

library_stats library_impl::stats(size_t max_failures) const {
    library_stats st;
    const catalog* made = reader();
    if (!made) {  // a library not made yet: empty
        st.dir = dir_;
        st.catalog_file = dir_ / "catalog.sqlite";
        st.index.description = "none (built by sonavec index or search)";
        return st;
    }
    const catalog& c = *made;
    st.dir = c.dir();
    st.catalog_file = c.file();
    st.catalog_bytes = c.disk_bytes();
    st.counts = c.stats(max_failures);
    st.schema_version = c.schema_version();
    auto& idx = st.index;
    const std::filesystem::path file = library_index_file(c);
    std::error_code ec;
    idx.present = std::filesystem::exists(file, ec);
    if (!idx.present) {
        idx.description = "none (built by sonavec index or search)";
        return st;
    }
    idx.file_bytes = std::filesystem::file_size(file, ec);
    // The index holds one model's vectors: current when it matches the catalog and one of its models.
    std::string why = "the library holds no vectors";
    for (const auto& [model, count] : st.counts.by_model) {
        try {
            const vector_index v = vector_index::load(file, library_index_fingerprint(c, model));
            idx.current = true;
            idx.description = v.description() + ", model " + model;
            idx.memory_bytes = v.memory_bytes();
            return st;
        } catch (const error& e) {
            why = e.what();
        }
    }
    // Stale (the catalog changed since), of a model no longer held, or damaged: rebuilt when needed.
    idx.description = "not current, rebuilt by the next index or search (" + why + ")";
    return st;
}

namespace {

// Only a file the system says is not there: a permission or I/O error is no proof that it is gone.
bool file_is_gone(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

// Imported records name files of another machine (or none): prune leaves them.
bool imported(const catalog_entry& e) { return e.window_plan == "import" || e.path.empty() || e.path[0] != '/'; }

}  // namespace

prune_report library_impl::prune(bool dry_run) {
    if (!dry_run) check_writable("prune");
    // A dry run only reads: never held up by (or holding up) a writer.
    std::unique_ptr<library_lock> writer;
    if (!dry_run) writer = std::make_unique<library_lock>(dir_, "prune");
    catalog& c = cat();
    prune_report r;
    std::vector<int64_t> gone;
    for (const auto& e : c.entries()) {
        if (imported(e) || !file_is_gone(e.path)) continue;
        gone.push_back(e.id);
        r.removed.push_back(e.path);
    }
    r.bytes_before = c.disk_bytes();
    if (!dry_run && !gone.empty()) {
        c.remove_many(gone);
        c.vacuum();
    }
    r.bytes_after = c.disk_bytes();
    return r;
}

std::filesystem::path text_cache_file() { return text_cache::default_path(); }

std::vector<float> embed_texts_cached(const engine& eng, const std::vector<std::string>& texts, bool use_cache) {
    std::unique_ptr<text_cache> cache;
    if (use_cache) {
        auto warn = [](const std::string& what) { log_message(log_level::warning, what); };
        try {
            cache = std::make_unique<text_cache>(text_cache_file(),
                                                 text_cache::model_key(eng.params().model_dir, eng.params().products),
                                                 eng.dim(), warn);
        } catch (const std::exception& e) {
            warn(std::string("text cache off for this run: ") + e.what());  // e.g. no cache directory
        }
    }
    return embed_texts_cached(eng, cache.get(), texts);
}

std::string library_impl::one_model(const std::optional<std::string>& asked, const std::string& purpose) const {
    const std::map<std::string, int64_t> held = models();
    if (asked) {
        if (!held.count(*asked))
            throw error(error_kind::not_found,
                        "the library holds no vectors of model " + *asked + " (it holds " + models_text(held) + ")");
        return *asked;
    }
    if (held.size() == 1) return held.begin()->first;
    throw error(error_kind::invalid_input,
                "the library holds vectors of several models (" + models_text(held) + "): say which one " + purpose);
}

}  // namespace sonavec
