// library export and import: vectors out to the formats other tools load, and back in (library_impl.h).
#include <algorithm>
#include <set>

#include "library/export_formats.h"
#include "library/import_formats.h"
#include "library/library_impl.h"
#include "library/library_lock.h"
#include "sonavec/atomic_file.h"
#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr size_t rows_per_transaction = 500;

std::string joined(const std::set<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + (n.empty() ? std::string("(none)") : n);
    return s;
}

}  // namespace

// The ok tracks of one model: vectors of two models are two different spaces and must not share a file.
std::vector<catalog_entry> library_impl::exportable(const export_options& options,
                                                    const std::optional<std::string>& model_id) const {
    std::vector<catalog_entry> out;
    std::set<std::string> models, all_models;
    size_t without_windows = 0;
    const catalog* c = reader();
    for (auto& e : c ? c->entries(true) : std::vector<catalog_entry>{}) {
        if (e.status != entry_status::ok || e.vector.empty()) continue;
        all_models.insert(e.model_id);
        if (model_id && e.model_id != *model_id) continue;
        models.insert(e.model_id);
        if (e.windows.empty() || e.windows.front().vector.empty()) without_windows++;
        out.push_back(std::move(e));
    }
    if (all_models.empty())
        throw error(error_kind::not_found, "the library at " + dir_.string() + " holds no vectors to export");
    if (out.empty())
        throw error(error_kind::not_found, "the library holds no vectors of model '" + model_id.value_or("") +
                                               "' (it holds " + joined(all_models) + ")");
    if (models.size() > 1)
        throw error(error_kind::invalid_input, "the library holds vectors of " + std::to_string(models.size()) +
                                                   " models (" + joined(models) +
                                                   "), which are different spaces: choose one by its model id");
    if (options.windows && without_windows > 0)
        throw error(error_kind::invalid_input,
                    std::to_string(without_windows) + " of " + std::to_string(out.size()) +
                        " tracks have no per-window vectors: index them with per-window vectors, or export without them");
    return out;
}

export_report library_impl::export_to(std::ostream& out, const export_options& options,
                                      const std::optional<std::string>& model_id) const {
    const std::vector<catalog_entry> entries = exportable(options, model_id);
    export_report report = options.format == export_format::npy ? write_npy(out, entries, options.windows)
                                                                : write_export(out, entries, options);
    report.model_id = entries.front().model_id;
    return report;
}

export_report library_impl::export_to(const std::filesystem::path& file, const export_options& options,
                                      const std::optional<std::string>& model_id) const {
    const std::vector<catalog_entry> entries = exportable(options, model_id);
    atomic_file_writer writer(file);
    export_report report = options.format == export_format::npy ? write_npy(writer.stream(), entries, options.windows)
                                                                : write_export(writer.stream(), entries, options);
    writer.commit();
    if (options.format == export_format::npy) {
        const std::string base = file.string();
        write_file_atomically(base + ".paths.txt", npy_paths_text(entries, options.windows));
        if (options.windows) write_file_atomically(base + ".windows.txt", npy_windows_text(entries));
        write_file_atomically(base + ".tags.jsonl", npy_derived_text(entries, options.windows));
    }
    report.model_id = entries.front().model_id;
    return report;
}

import_report library_impl::import_from(const std::filesystem::path& file, const import_options& options) {
    check_writable("import");
    // Everything is checked before the first row is written, so a refused file changes nothing (and a
    // library that does not exist yet is made only for a file that passes).
    const import_result result = read_vectors_file(file, options);
    std::set<std::string> models;
    for (const auto& e : result.entries) models.insert(e.model_id);
    const library_lock writer(dir_, "import");
    std::map<std::string, int64_t> dims;
    if (has_catalog()) {
        // The vector length of each model the file holds and the library already has, from one of its rows.
        for (const auto& [model, count] : this->models()) {
            if (!models.count(model)) continue;
            const std::vector<int64_t> ids = reader()->matching_ids({}, model);
            if (ids.empty()) continue;
            if (auto row = reader()->find(ids.front(), true); row && !row->vector.empty())
                dims[model] = static_cast<int64_t>(row->vector.size());
        }
    }
    if (models.count(""))
        throw error(error_kind::invalid_input,
                    file.string() + ": does not say which model made its vectors: name it (the CLI's --model-id ID; this library holds " +
                        models_text(this->models()) + ")");
    for (const auto& m : models) {
        auto it = dims.find(m);
        if (it != dims.end() && it->second != result.dim)
            throw error(error_kind::invalid_input,
                        file.string() + ": its vectors have " + std::to_string(result.dim) +
                            " values, but the library's vectors of model '" + m + "' have " + std::to_string(it->second));
    }
    catalog& c = cat();
    import_report r;
    r.records = result.entries.size();
    r.dim = result.dim;
    r.model_id = result.entries.empty() ? std::string() : result.entries.front().model_id;
    r.normalised = result.normalised;
    r.renamed = result.renamed;
    for (const auto& e : result.entries) r.replaced += c.find(e.path).has_value();
    for (size_t begin = 0; begin < result.entries.size(); begin += rows_per_transaction) {
        const size_t end = std::min(result.entries.size(), begin + rows_per_transaction);
        c.put_many({result.entries.begin() + static_cast<long>(begin), result.entries.begin() + static_cast<long>(end)});
    }
    return r;
}

}  // namespace sonavec
