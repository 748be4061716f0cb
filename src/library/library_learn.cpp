// library::learn: a linear probe trained on examples the library already holds (their stored vectors),
// stored in the probes table and applied to every track of its model as the inferred tag learned=NAME.
#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "library/catalog.h"
#include "library/library_impl.h"
#include "library/library_lock.h"
#include "sonavec/error.h"
#include "util/text_case.h"
#include "util/utf8.h"

namespace sonavec {

namespace {

// Examples per side at most: the fit holds them as doubles, six times over for the folds (20,000 x 512
// is 80 MB); a folder larger than that is not "a few examples", and the vectors do the work.
constexpr size_t max_examples = 20000;

void check_probe_name(const std::string& name) {
    if (name.empty() || name.size() > 100)
        throw error(error_kind::invalid_input, "a probe's name must be 1 to 100 bytes, got " + std::to_string(name.size()));
    for (const unsigned char ch : name)
        if (ch < 0x20 || ch == 0x7f || ch == ',' || ch == '=' || ch == '/')
            throw error(error_kind::invalid_input, "a probe's name may not hold ',', '=', '/' or control characters (it is "
                                                   "searched as --where learned=NAME): '" + name + "'");
    if (!is_valid_utf8(name)) throw error(error_kind::invalid_input, "a probe's name must be UTF-8 text");
}

// Digits that name no file or folder here ("2024" may be a folder, as recommend and path read it).
bool is_track_id(const std::string& item) {
    std::error_code ec;
    return !item.empty() && item.size() <= 18 &&
           std::all_of(item.begin(), item.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
           !std::filesystem::exists(item, ec);
}

// The ids of the rows one example names: a track id, a file's row, or the rows under a folder, looked up
// by the absolute path as given and then by the real path (symlinks resolved), as index stores them.
// A folder's rows without a vector (files that failed) are left out; a track or file named alone must have one.
struct named_rows {
    std::vector<int64_t> ids;
    bool folder = false;
};

named_rows example_ids(const catalog& c, const std::string& item) {
    if (is_track_id(item)) {
        const int64_t id = std::stoll(item);
        if (!c.find(id)) throw error(error_kind::not_found, "the library holds no track with id " + item);
        return {{id}, false};
    }
    if (item.empty()) throw error(error_kind::invalid_input, "an empty example (a track id, file or folder)");
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path given = fs::absolute(item, ec).lexically_normal();
    if (ec) throw error(error_kind::invalid_input, item + ": not a usable path: " + ec.message());
    if (given.has_relative_path() && given.filename().empty()) given = given.parent_path();  // "/music/"
    std::vector<fs::path> candidates{given};
    const fs::path real = fs::canonical(given, ec);
    if (!ec && real != given) candidates.push_back(real);
    named_rows out;
    for (const fs::path& p : candidates) {
        if (const auto row = c.file_state(p.string())) out.ids.push_back(row->id);
        for (const catalog_file_state& row : c.file_states_under(p.string())) {
            out.ids.push_back(row.id);
            out.folder = true;
        }
    }
    if (out.ids.empty()) throw error(error_kind::not_found, item + ": the library holds no track at or under this path");
    return out;
}

struct example_rows {
    std::vector<int64_t> ids;  // in the order given, each once
    std::vector<std::string> paths;
    std::vector<float> vectors;  // ids.size() x dim
    std::set<std::string> models;
};

example_rows load_examples(const catalog& c, const std::vector<std::string>& items, const char* which,
                           const std::optional<std::string>& model_id) {
    if (items.empty()) throw error(error_kind::invalid_input, std::string("no ") + which + " examples given");
    example_rows out;
    std::set<int64_t> seen;
    size_t dim = 0;
    for (const std::string& item : items) {
        const named_rows rows = example_ids(c, item);
        for (const int64_t id : rows.ids) {
            if (!seen.insert(id).second) continue;
            const std::optional<catalog_entry> e = c.find(id, true);
            if (!e) throw error(error_kind::not_found, "track " + std::to_string(id) + " vanished from the library");
            if ((e->status != entry_status::ok || e->vector.empty()) && rows.folder) continue;
            if (e->status != entry_status::ok || e->vector.empty())
                throw error(error_kind::invalid_input, e->path + ": has no vector to learn from (" + e->error + ")");
            if (model_id && e->model_id != *model_id && rows.folder) continue;  // a folder of several models' rows
            if (model_id && e->model_id != *model_id)
                throw error(error_kind::invalid_input, e->path + ": its vector is of model " + e->model_id + ", not " + *model_id);
            if (dim == 0) dim = e->vector.size();
            if (e->vector.size() != dim)
                throw error(error_kind::invalid_input, e->path + ": a vector of " + std::to_string(e->vector.size()) +
                                                           " dimensions among examples of " + std::to_string(dim));
            out.ids.push_back(id);
            out.paths.push_back(e->path);
            out.vectors.insert(out.vectors.end(), e->vector.begin(), e->vector.end());
            out.models.insert(e->model_id);
            if (out.ids.size() > max_examples)
                throw error(error_kind::invalid_input, std::string("more than ") + std::to_string(max_examples) + " " + which +
                                                           " examples: give a smaller folder or a list of tracks");
        }
    }
    if (out.ids.empty())
        throw error(error_kind::invalid_input, std::string("none of the ") + which + " examples has a vector to learn from" +
                                                   (model_id ? " of model " + *model_id : std::string()));
    return out;
}

}  // namespace

size_t library_impl::store_probe(const linear_probe& probe, const catalog_vectors& v) {
    std::vector<std::pair<int64_t, double>> tagged;
    const auto dim = static_cast<size_t>(v.dim);
    for (size_t i = 0; i < v.ids.size(); i++) {
        const double p = probe_probability(probe, std::span<const float>(v.data.data() + i * dim, dim));
        if (p >= probe.threshold) tagged.emplace_back(v.ids[i], p);
    }
    cat().put_probe(probe, learned_taxonomy, tagged);
    return tagged.size();
}

learn_report library_impl::learn(const std::string& name, const std::vector<std::string>& positives,
                                 const std::vector<std::string>& negatives, const learn_params& params) {
    check_writable("learn");
    check_probe_name(name);
    if (!has_catalog()) throw error(error_kind::not_found, "no library at " + dir_.string() + " (sonavec index DIR creates one)");
    const library_lock writer(dir_, "learn");
    catalog& c = cat();
    // --where compares names case-insensitively: "Wedding" and "wedding" would be one filter, two probes.
    for (const linear_probe& other : c.probes())
        if (other.name != name && ascii_lower(other.name) == ascii_lower(name))
            throw error(error_kind::invalid_input, "a probe named '" + other.name + "' exists: learn it again under that name, "
                                                   "or remove it first (--where ignores case)");
    const example_rows pos = load_examples(c, positives, "positive", params.model_id);
    const example_rows neg = load_examples(c, negatives, "negative", params.model_id);
    const std::set<int64_t> pos_ids(pos.ids.begin(), pos.ids.end());
    for (size_t i = 0; i < neg.ids.size(); i++)
        if (pos_ids.count(neg.ids[i]))
            throw error(error_kind::invalid_input, neg.paths[i] + ": is both a positive and a negative example");
    std::set<std::string> models = pos.models;
    models.insert(neg.models.begin(), neg.models.end());
    if (models.size() != 1) {
        std::string list;
        for (const std::string& m : models) list += (list.empty() ? "" : ", ") + (m.empty() ? std::string("(none)") : m);
        throw error(error_kind::invalid_input, "the examples' vectors are of several models (" + list + "): name one");
    }
    const size_t dim = pos.vectors.size() / pos.ids.size();
    if (neg.vectors.size() != neg.ids.size() * dim)
        throw error(error_kind::invalid_input, "the positive and negative examples' vectors differ in size");

    learn_report r;
    const auto start = std::chrono::steady_clock::now();
    r.probe = train_probe(pos.vectors, pos.ids.size(), neg.vectors, neg.ids.size(), dim, params.probe);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.probe.name = name;
    r.probe.model_id = *models.begin();
    const catalog_vectors v = c.vectors(r.probe.model_id);
    r.tracks = v.ids.size();
    r.tagged = store_probe(r.probe, v);
    return r;
}

std::vector<linear_probe> library_impl::probes() const {
    const catalog* c = reader();
    return c ? c->probes() : std::vector<linear_probe>{};
}

void library_impl::remove_probe(const std::string& name) {
    check_writable("learn --remove");
    if (!has_catalog()) throw error(error_kind::not_found, "no library at " + dir_.string());
    const library_lock writer(dir_, "learn --remove");
    if (!cat().remove_probe(name, learned_taxonomy))
        throw error(error_kind::not_found, "the library holds no probe named '" + name + "'");
}

}  // namespace sonavec
