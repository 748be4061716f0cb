#include "library/library_index.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "library/library_impl.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec {

namespace {

bool kind_matches(const vector_index& idx, index_choice choice) {
    if (choice == index_choice::automatic) return true;
    return idx.approximate() == (choice == index_choice::ann);
}

vector_index build_from(const catalog& cat, index_choice choice, const std::string& model_id, int threads) {
    const catalog_vectors v = cat.vectors(model_id);
    return vector_index::build(v.data.data(), v.ids.data(), static_cast<int64_t>(v.ids.size()), v.dim, choice, threads);
}

}  // namespace

std::filesystem::path library_index_file(const catalog& cat) { return cat.dir() / "vectors.index"; }

std::string library_index_fingerprint(const catalog& cat, const std::string& model_id) {
    return cat.fingerprint() + " model=" + model_id;
}

vector_index rebuild_library_index(const catalog& cat, index_choice choice, const std::string& model_id, int threads) {
    const std::string fingerprint = library_index_fingerprint(cat, model_id);
    vector_index idx = build_from(cat, choice, model_id, threads);
    idx.save(library_index_file(cat), fingerprint);
    return idx;
}

vector_index open_library_index(const catalog& cat, index_choice choice, const std::string& model_id, int threads,
                                bool* rebuilt) {
    const std::string fingerprint = library_index_fingerprint(cat, model_id);
    if (std::filesystem::exists(library_index_file(cat))) {
        try {
            vector_index idx = vector_index::load(library_index_file(cat), fingerprint);
            if (kind_matches(idx, choice)) {
                if (rebuilt) *rebuilt = false;
                return idx;
            }
        } catch (const error&) {
            // stale or damaged: rebuilt below
        }
    }
    if (rebuilt) *rebuilt = true;
    vector_index idx = build_from(cat, choice, model_id, threads);
    // A library the user may not write (another user's, a read-only mount) is searched from memory.
    if (::access(cat.dir().c_str(), W_OK) != 0) return idx;
    try {
        idx.save(library_index_file(cat), fingerprint);
    } catch (const error& e) {
        log_message(log_level::note,
                    std::string("the index could not be saved (") + e.what() + "); it will be rebuilt next time");
    }
    return idx;
}

std::shared_ptr<const vector_index> library_impl::index_for(const catalog& c, index_choice choice,
                                                            const std::string& model_id, int threads, bool stale_ok) const {
    const std::string fingerprint = library_index_fingerprint(c, model_id);
    const std::string model_part = fingerprint.substr(fingerprint.find(" model="));
    std::shared_ptr<const vector_index> stale;
    {
        std::lock_guard lock(index_mutex_);
        for (const loaded_index& l : loaded_) {
            if (l.choice != choice) continue;
            if (l.fingerprint == fingerprint) return l.index;
            if (l.fingerprint.substr(l.fingerprint.find(" model=")) == model_part) stale = l.index;
        }
    }
    if (stale_ok && stale) {
        bool idle = false;
        if (refreshing_.compare_exchange_strong(idle, true)) {
            std::lock_guard lock(refresh_mutex_);
            if (refresher_.joinable()) refresher_.join();  // the last one, finished
            refresher_ = std::thread([this, choice, model_id, threads] {
                // Below the searches it serves (Linux: this thread's own nice value).
                (void)setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
                try {
                    if (const catalog* now = reader()) load_index(*now, choice, model_id, threads);
                } catch (const std::exception& e) {
                    log_message(log_level::note, std::string("the vector index could not be reloaded: ") + e.what());
                }
                refreshing_ = false;
            });
        }
        return stale;
    }
    return load_index(c, choice, model_id, threads);
}

std::shared_ptr<const vector_index> library_impl::load_index(const catalog& c, index_choice choice,
                                                             const std::string& model_id, int threads) const {
    // Searches that arrive together (a server's first requests) wait for one load instead of each
    // loading (or building) an index of their own.
    std::lock_guard opening(index_open_mutex_);
    const std::string fingerprint = library_index_fingerprint(c, model_id);
    {
        std::lock_guard lock(index_mutex_);
        for (const loaded_index& l : loaded_)
            if (l.fingerprint == fingerprint && l.choice == choice) return l.index;
    }
    auto index = std::make_shared<const vector_index>(open_library_index(c, choice, model_id, threads));
    std::lock_guard lock(index_mutex_);
    std::erase_if(loaded_, [&](const loaded_index& l) {
        return l.choice == choice && l.fingerprint.substr(l.fingerprint.find(" model=")) == fingerprint.substr(fingerprint.find(" model="));
    });
    loaded_.push_back({fingerprint, choice, index});
    if (loaded_.size() > 4) loaded_.erase(loaded_.begin());
    return index;
}

}  // namespace sonavec
