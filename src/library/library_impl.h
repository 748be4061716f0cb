// The library behind include/sonavec/library.h: a catalog and the vector index that goes with it. Its
// methods are spread by job: library.cpp (opening, reading, stats, prune, the text cache),
// library_indexing.cpp, library_search.cpp and library_transfer.cpp (export and import).
#pragma once
#include <filesystem>
#include <memory>
#include <vector>
#include <atomic>
#include <mutex>
#include <thread>
#include <optional>
#include <string>

#include "library/catalog.h"
#include "sonavec/library.h"

namespace sonavec {

class vector_index;

class library_impl final : public library {
public:
    library_impl(const std::filesystem::path& dir, open_mode mode);
    ~library_impl() override;  // waits for a background index refresh

    const std::filesystem::path& dir() const override { return dir_; }

    index_report index(const std::vector<std::filesystem::path>& roots, const engine& eng,
                       const index_params& params) override;

    std::vector<search_match> search_vector(std::span<const float> query, const search_params& params) const override;
    std::vector<search_match> search_text(const std::string& text, const engine& eng, const search_params& params,
                                          bool use_cache) const override;
    std::vector<search_match> search_file(const std::filesystem::path& file, const engine* eng,
                                          const search_params& params, const track_embed_params& track) const override;
    std::vector<search_match> similar(int64_t id, const search_params& params) const override;

    std::optional<catalog_entry> find(int64_t id, bool with_vectors) const override {
        const catalog* c = reader();
        return c ? c->find(id, with_vectors) : std::nullopt;
    }
    std::optional<catalog_entry> find(const std::string& path, bool with_vectors) const override {
        const catalog* c = reader();
        return c ? c->find(path, with_vectors) : std::nullopt;
    }
    std::optional<catalog_entry> find_file(const std::filesystem::path& file, bool with_vectors) const override;
    std::vector<catalog_entry> entries() const override {
        const catalog* c = reader();
        return c ? c->entries(false) : std::vector<catalog_entry>{};
    }
    std::map<std::string, int64_t> models() const override;
    catalog_vectors vectors(const std::optional<std::string>& model_id) const override {
        const catalog* c = reader();
        return c ? c->vectors(model_id) : catalog_vectors{};
    }
    library_stats stats(size_t max_failures) const override;
    prune_report prune(bool dry_run) override;

    export_report export_to(std::ostream& out, const export_options& options,
                            const std::optional<std::string>& model_id) const override;
    export_report export_to(const std::filesystem::path& file, const export_options& options,
                            const std::optional<std::string>& model_id) const override;
    import_report import_from(const std::filesystem::path& file, const import_options& options) override;
    retag_report retag(const engine& eng, const std::vector<taxonomy>& taxonomies, const retag_params& params) override;
    analyze_report analyze(const analyze_params& params) override;
    std::vector<search_match> recommend(const recommend_params& params, const engine* eng) const override;
    std::vector<search_match> path(const path_params& params) const override;
    find_report find_clip(const std::filesystem::path& clip, const engine& eng, const find_params& params) const override;
    find_report find_text(const std::string& text, const engine& eng, const find_params& params) const override;
    recurring_report recurring(const recurring_params& params) const override;
    timeline_report timeline(const timeline_params& params, const engine& eng) const override;
    duplicate_report duplicates(const duplicate_params& params) const override;
    cluster_report clusters(const cluster_params& params) const override;
    map_report map(const map_params& params) override;
    std::vector<std::string> map_categories(const map_report& map, const std::string& by,
                                            const cluster_params& clusters) const override;
    learn_report learn(const std::string& name, const std::vector<std::string>& positives,
                       const std::vector<std::string>& negatives, const learn_params& params) override;
    std::vector<linear_probe> probes() const override;
    void remove_probe(const std::string& name) override;

    // The segments-plan windows of a model (catalog::segment_windows), kept while the catalog is unchanged:
    // a long-lived handle (sonavec serve, Python) reads them out of SQLite once, not per find.
    std::shared_ptr<const catalog::segment_rows> segment_rows(const std::string& model_id,
                                                              const std::string& path_glob) const;
    // The whole-recording prints (catalog::recording_prints, without levels), by path, kept the same way.
    using print_list = std::vector<catalog::stored_print>;
    std::shared_ptr<const print_list> recording_prints(const std::string& path_glob) const;
    // The timelines of the recordings whose windows are in rows (one run of rows per file, as
    // segment_windows gives them), by path: library::timeline's work, and find's for params.within.
    std::vector<file_timeline> timelines(const catalog& c, const catalog::segment_rows& rows, const label_set& labels,
                                         float logit_scale, const timeline_params& params) const;

private:
    // The catalog for a write, made on first use when the library is opened to be created and has none
    // yet: a library is made only by a run that writes to it (an import whose file is refused makes none).
    catalog& cat() const;
    // The catalog for a read: opened when its file exists, now or since the library was opened (another
    // process may have made it); null when there is none yet, and a read finds nothing. Reads never make one.
    const catalog* reader() const;
    bool has_catalog() const { return reader() != nullptr; }
    // The write methods of a library opened read_only refuse before touching anything.
    void check_writable(const char* what) const;
    // The model a collection tool works on: the one asked for (not_found unless the library holds it),
    // else the library's only one (invalid_input naming them when it holds several, "for ..." saying why).
    std::string one_model(const std::optional<std::string>& asked, const std::string& purpose) const;
    // The model whose vectors a query searches: params.model_id, else `fallback`; it must be one the
    // library holds (when it holds any).
    std::string model_to_search(const search_params& params, const std::string& fallback) const;
    // model_id's vectors nearest to query, as matches without vectors.
    std::vector<search_match> nearest(std::span<const float> query, const std::string& model_id,
                                      const search_params& params) const;
    std::vector<catalog_entry> exportable(const export_options& options, const std::optional<std::string>& model_id) const;

    // index's last step: the fingerprints of the ok tracks under roots that have none for their bytes.
    void store_fingerprints(const std::vector<std::filesystem::path>& roots, const index_params& params,
                            index_report& r);
    void store_recording_prints(const std::vector<std::string>& prefixes, const index_params& params, index_report& r);
    // Applies a probe to its model's vectors v and stores it with its tags; returns how many were tagged.
    size_t store_probe(const linear_probe& probe, const catalog_vectors& v);

    // model_id's vector index for a search or a collection tool: the one loaded last while the catalog
    // is unchanged (a server's searches then skip loading it), else opened as open_library_index does.
    // Shared: a search may go on with it after a newer one replaces it here.
    // With stale_ok, a catalog changed since the last load (another handle's commit) is answered from
    // the index loaded before while a background thread loads the new one.
    std::shared_ptr<const vector_index> index_for(const catalog& c, index_choice choice, const std::string& model_id,
                                                  int threads, bool stale_ok = false) const;
    std::shared_ptr<const vector_index> load_index(const catalog& c, index_choice choice, const std::string& model_id,
                                                   int threads) const;

    std::filesystem::path dir_;
    open_mode mode_;
    struct loaded_index {
        std::string fingerprint;
        index_choice choice;
        std::shared_ptr<const vector_index> index;
    };
    mutable std::mutex index_mutex_;
    mutable std::mutex index_open_mutex_;  // one index opened (or built) at a time: the others wait for it
    mutable std::vector<loaded_index> loaded_;  // a few, newest last
    mutable std::mutex refresh_mutex_;          // guards refresher_
    mutable std::thread refresher_;             // the background load of stale_ok searches
    mutable std::atomic<bool> refreshing_{false};
    mutable std::string models_fingerprint_;    // models() as counted at this fingerprint
    mutable std::map<std::string, int64_t> models_;
    struct loaded_segments {
        std::string fingerprint, model_id, path_glob;
        std::shared_ptr<const catalog::segment_rows> rows;
    };
    mutable std::mutex segments_mutex_;
    mutable std::optional<loaded_segments> segments_;  // the last read
    struct loaded_prints {
        std::string version, path_glob;
        std::shared_ptr<const print_list> prints;
    };
    mutable std::optional<loaded_prints> prints_;  // the last read, under segments_mutex_
    mutable std::mutex cat_mutex_;  // guards the catalog's creation on first use
    mutable std::optional<catalog> cat_;
};


}  // namespace sonavec
