// The `sonavec` Python module: the public API (include/sonavec/) as numpy arrays, dicts and exceptions.
// The GIL is released while the library computes and taken again for Python callbacks; a callback that
// raises (KeyboardInterrupt included) cancels the run and its exception is raised from the call.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sonavec/descriptors.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/export.h"
#include "sonavec/file_tags.h"
#include "sonavec/find.h"
#include "sonavec/library.h"
#include "sonavec/model.h"
#include "sonavec/precision.h"
#include "sonavec/tagging.h"
#include "sonavec/timeline.h"
#include "sonavec/track.h"
#include "sonavec/version.h"
#include "sonavec/window_plan.h"

namespace py = pybind11;
namespace fs = std::filesystem;
using namespace sonavec;

namespace {

// --- Exceptions: sonavec.Error and one subclass per error_kind, each also a built-in exception where
// one means the same, so `except FileNotFoundError` catches a missing file. ---

struct error_class {
    error_kind kind;
    const char* name;
    PyObject* builtin;  // a second base, or null
};

std::map<error_kind, py::handle>& error_classes() {
    static std::map<error_kind, py::handle> classes;
    return classes;
}
py::handle base_error_class;

void add_error_classes(py::module_& m) {
    base_error_class = PyErr_NewExceptionWithDoc(
        "sonavec.Error", "Every error of the sonavec library; .kind names its kind (\"not found\", ...).",
        PyExc_Exception, nullptr);
    m.attr("Error") = base_error_class;
    const error_class kinds[] = {
        {error_kind::invalid_input, "InvalidInput", PyExc_ValueError},
        {error_kind::not_found, "NotFound", PyExc_FileNotFoundError},
        {error_kind::corrupt_file, "CorruptFile", nullptr},
        {error_kind::io, "IOFailure", PyExc_OSError},
        {error_kind::unsupported, "Unsupported", PyExc_NotImplementedError},
        {error_kind::busy, "Busy", PyExc_BlockingIOError},
        {error_kind::cancelled, "Cancelled", nullptr},
    };
    for (const error_class& k : kinds) {
        py::tuple bases = k.builtin ? py::make_tuple(base_error_class, py::handle(k.builtin))
                                    : py::make_tuple(base_error_class);
        const std::string qualified = std::string("sonavec.") + k.name;
        PyObject* cls = PyErr_NewException(qualified.c_str(), bases.ptr(), nullptr);
        if (!cls) throw py::error_already_set();
        error_classes()[k.kind] = cls;
        m.attr(k.name) = py::handle(cls);
    }
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const error& e) {
            const py::handle cls = error_classes().at(e.kind());
            py::object instance = py::reinterpret_borrow<py::object>(cls)(py::str(e.what()));
            instance.attr("kind") = error_kind_name(e.kind());
            PyErr_SetObject(cls.ptr(), instance.ptr());
        }
    });
}

[[noreturn]] void invalid(const std::string& message) { throw error(error_kind::invalid_input, message); }

// A parser of the library's that names the accepted values, its error made invalid_input.
template <typename F>
auto parse_argument(const char* argument, F&& parse) {
    try {
        return parse();
    } catch (const error& e) {
        invalid(std::string(argument) + ": " + e.what());
    }
}

// --- Arrays: a vector's storage handed to numpy, not copied ---

template <typename T>
py::array_t<T> to_array(std::vector<T>&& data, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<T>(std::move(data));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(shape, owned->data(), owner);
}

py::array_t<float> to_matrix(std::vector<float>&& data, int64_t dim) {
    const auto rows = static_cast<py::ssize_t>(dim > 0 ? static_cast<int64_t>(data.size()) / dim : 0);
    return to_array(std::move(data), {rows, static_cast<py::ssize_t>(dim)});
}

// A str or path is one path; pybind11 would take a str for a sequence of one-letter paths.
std::vector<fs::path> path_list(const py::object& paths) {
    if (py::isinstance<py::str>(paths) || py::hasattr(paths, "__fspath__")) return {py::cast<fs::path>(paths)};
    return py::cast<std::vector<fs::path>>(paths);
}

// --- Track parameters, as `sonavec embed` takes them ---

// max_seconds None: the plan's own bound, 300 s, or for segments the whole recording (up to a week).
track_embed_params track_params(const engine& eng, const std::string& windows, std::optional<double> window,
                                std::optional<double> hop, std::optional<double> max_seconds, bool per_window) {
    track_embed_params p;
    p.plan.kind = parse_argument("windows", [&] { return parse_window_plan_kind(windows); });
    if (p.plan.kind == window_plan_kind::segments) p.plan = segments_plan();  // as `sonavec index --windows segments`
    p.plan.window_seconds = window;
    p.plan.hop_seconds = hop;
    if (max_seconds) p.plan.max_seconds = *max_seconds;
    p.keep_window_vectors = per_window;
    validate_track_params(p, eng);
    return p;
}

py::dict track_dict(track_embedding&& t, int64_t dim) {
    py::dict d;
    d["path"] = t.path.empty() ? py::object(py::none()) : py::object(py::str(t.path.string()));
    d["duration_seconds"] = t.info.duration_seconds;
    d["sample_rate"] = t.info.sample_rate;
    d["channels"] = t.info.channels;
    d["codec"] = t.info.codec;
    d["container"] = t.info.container;
    d["tags"] = t.info.tags;
    py::list windows;
    for (window_embedding& w : t.windows) {
        py::dict wd;
        wd["start_seconds"] = w.start_seconds;
        wd["length_seconds"] = w.length_seconds;
        if (!w.vector.empty()) wd["vector"] = to_array(std::move(w.vector), {static_cast<py::ssize_t>(dim)});
        windows.append(wd);
    }
    d["windows"] = windows;
    d["vector"] = to_array(std::move(t.vector), {static_cast<py::ssize_t>(dim)});
    return d;
}

std::shared_ptr<engine> open_engine(const std::optional<fs::path>& model, const std::string& products, int threads,
                                    model_use use) {
    engine_params p = engine_default_params();
    p.products = parse_argument("precision", [&] { return parse_precision(products); });
    if (threads < 0) invalid("threads must be 0 (all cores) or more, got " + std::to_string(threads));
    p.threads = threads;
    p.model_dir = resolve_model_dir(model ? model->string() : std::string(), use);
    py::gil_scoped_release unlocked;
    return engine::open(p);
}

// --- Library results as dicts ---

py::dict entry_dict(const catalog_entry& e) {
    py::dict d;
    d["id"] = e.id;
    d["path"] = e.path;
    d["duration_seconds"] = e.duration_seconds;
    d["format"] = e.format;
    d["sample_rate"] = e.sample_rate;
    d["channels"] = e.channels;
    d["tags"] = e.tags;
    d["status"] = entry_status_name(e.status);
    if (!e.error.empty()) d["error"] = e.error;
    d["model"] = e.model_id;
    d["window_plan"] = e.window_plan;
    d["size_bytes"] = e.size_bytes;
    d["content_hash"] = e.content_hash;
    // As search --json and the exports print them: {taxonomy: [{label, probability}]} and the stored
    // descriptors (None when the track was not analysed; None inside where there is no value).
    const py::object loads = py::module_::import("json").attr("loads");
    d["inferred"] = loads(inferred_tags_json(e.inferred));
    d["descriptors"] = e.descriptors ? loads(descriptors_json(*e.descriptors)) : py::object(py::none());
    return d;
}

py::list matches_list(const std::vector<search_match>& matches) {
    py::list out;
    for (const search_match& m : matches) {
        py::dict d = entry_dict(m.track);
        d["score"] = m.score;
        if (m.fused > 0) {  // text and hybrid searches
            d["fused"] = m.fused;
            d["audio_rank"] = m.audio_rank;
            d["text_rank"] = m.text_rank;
            d["text_score"] = m.text_score;
        }
        out.append(d);
    }
    return out;
}

py::dict report_dict(const index_report& r) {
    py::list failures, unreadable;
    for (const auto& f : r.failures)
        failures.append(py::dict(py::arg("path") = f.path, py::arg("error") = f.error, py::arg("retried") = f.retried));
    for (const auto& [path, reason] : r.unreadable)
        unreadable.append(py::dict(py::arg("path") = path, py::arg("error") = reason));
    py::dict d;
    d["library"] = r.library.string();
    d["found"] = r.found;
    d["embedded"] = r.embedded;
    d["reused"] = r.reused;
    d["unchanged"] = r.unchanged;
    d["removed"] = r.removed;
    d["other_model"] = r.other_model;
    d["failures"] = failures;
    d["unreadable"] = unreadable;
    d["vector_index"] = r.vector_index;
    d["index_failure"] = r.index_failure;
    py::list fingerprint_failures;
    for (const auto& [path, reason] : r.fingerprint_failures)
        fingerprint_failures.append(py::dict(py::arg("path") = path, py::arg("error") = reason));
    d["fingerprinted"] = r.fingerprinted;
    d["recordings_printed"] = r.recordings_printed;
    d["fingerprint_failures"] = fingerprint_failures;
    d["seconds"] = r.seconds;
    d["complete"] = r.complete();
    return d;
}

// As `sonavec find --json` prints it (find_report_json, the one encoding the CLI and the server use).
py::dict find_report_dict(const find_report& r) {
    return py::module_::import("json").attr("loads")(find_report_json(r)).cast<py::dict>();
}

py::dict stats_dict(const library_stats& s) {
    py::list failures;
    for (const auto& [path, reason] : s.counts.failures)
        failures.append(py::dict(py::arg("path") = path, py::arg("error") = reason));
    py::dict index;
    index["present"] = s.index.present;
    index["current"] = s.index.current;
    index["file_bytes"] = s.index.file_bytes;
    index["description"] = s.index.description;
    index["memory_bytes"] = s.index.memory_bytes;
    py::dict d;
    d["dir"] = s.dir.string();
    d["catalog_file"] = s.catalog_file.string();
    d["catalog_bytes"] = s.catalog_bytes;
    d["schema_version"] = s.schema_version;
    d["files"] = s.counts.files;
    d["ok"] = s.counts.ok;
    d["failed"] = s.counts.failed;
    d["windows"] = s.counts.windows;
    d["by_model"] = s.counts.by_model;
    d["by_format"] = s.counts.by_format;
    d["failures"] = failures;
    d["index"] = index;
    return d;
}

py::dict export_dict(const export_report& r) {
    py::dict d;
    d["records"] = r.records;
    d["dim"] = r.dim;
    d["model"] = r.model_id;
    d["warnings"] = r.warnings;
    return d;
}

// Search keywords, shared by every search method: k, min_seconds, max_seconds, format, path_glob,
// tag=(key, value), where={taxonomy: label} (inferred tags), index ("auto", "exact", "ann"), nprobe, threads, model_id.
search_params search_params_from(const py::kwargs& kwargs) {
    search_params p;
    for (const auto& [key_handle, value] : kwargs) {
        const std::string key = py::cast<std::string>(key_handle);
        if (value.is_none()) continue;
        if (key == "k") p.k = py::cast<int64_t>(value);
        else if (key == "min_seconds") p.filter.min_seconds = py::cast<double>(value);
        else if (key == "max_seconds") p.filter.max_seconds = py::cast<double>(value);
        else if (key == "format") p.filter.format = py::cast<std::string>(value);
        else if (key == "path_glob") p.filter.path_glob = py::cast<std::string>(value);
        else if (key == "tag") std::tie(p.filter.tag_key, p.filter.tag_value) = py::cast<std::pair<std::string, std::string>>(value);
        else if (key == "index") p.index = parse_argument("index", [&] { return parse_index_choice(py::cast<std::string>(value)); });
        else if (key == "nprobe") p.nprobe = py::cast<int>(value);
        else if (key == "threads") p.threads = py::cast<int>(value);
        else if (key == "model_id") p.model_id = py::cast<std::string>(value);
        else if (key == "min_bpm") p.filter.min_bpm = py::cast<double>(value);
        else if (key == "max_bpm") p.filter.max_bpm = py::cast<double>(value);
        else if (key == "key") p.filter.key = py::cast<std::string>(value);
        else if (key == "mode") p.mode = parse_argument("mode", [&] { return parse_search_mode(py::cast<std::string>(value)); });
        else if (key == "words") p.words = py::cast<std::string>(value);
        else if (key == "rrf_k") p.rrf_k = py::cast<int>(value);
        else if (key == "where")
            for (const auto& [taxonomy, label] : py::cast<std::map<std::string, std::string>>(value))
                p.filter.inferred.emplace_back(taxonomy, label);
        else throw py::type_error("unexpected keyword argument '" + key + "'");
    }
    if (p.k < 1) invalid("k must be at least 1, got " + std::to_string(p.k));
    return p;
}

// A long library call (index, analyze) with a Python progress callback: the callback runs on the
// calling thread with the GIL released, so it takes the GIL, lets Python see a pending Ctrl-C, and
// calls back; an exception it raises cancels the run (what was committed stays) and is raised again
// from the call instead of the cancellation.
class python_progress {
public:
    explicit python_progress(py::object callback) : callback_(std::move(callback)) {}

    const std::atomic<bool>* cancel() const { return &cancel_; }
    std::function<void(const index_progress&)> function() {
        return [this](const index_progress& step) {
            py::gil_scoped_acquire locked;
            if (raised_) return;
            try {
                if (PyErr_CheckSignals() != 0) throw py::error_already_set();
                if (!callback_.is_none()) callback_(step);
            } catch (py::error_already_set& e) {
                raised_ = std::move(e);
                cancel_ = true;
            }
        };
    }
    // Runs the call without the GIL; raises the callback's exception in place of what it caused.
    template <typename F>
    auto run(F&& call) {
        std::optional<decltype(call())> result;
        try {
            py::gil_scoped_release unlocked;
            result = call();
        } catch (...) {
            if (raised_) throw std::move(*raised_);
            throw;
        }
        if (raised_) throw std::move(*raised_);
        return std::move(*result);
    }

private:
    py::object callback_;
    std::atomic<bool> cancel_{false};
    std::optional<py::error_already_set> raised_;
};

// --- Library: one library::open, used by one call at a time (Python threads may share it) ---

class py_library {
    // Runs f without the GIL, one library call at a time (defined first: its return type is deduced).
    template <typename F>
    auto locked(F&& f) {
        py::gil_scoped_release unlocked;
        std::lock_guard<std::recursive_mutex> one_call(mutex_);
        return f();
    }

    // The engine that embeds queries when none is given: opened once per model and kept.
    std::shared_ptr<engine> query_engine(const std::optional<fs::path>& model) {
        const std::string key = model ? model->string() : std::string();
        auto& slot = query_engines_[key];
        if (!slot) slot = open_engine(model, "fp32", 0, model_use::audio_and_text);
        return slot;
    }

public:
    py_library(const std::optional<fs::path>& dir, const std::string& mode) {
        library::open_mode m;
        if (mode == "create") m = library::open_mode::create;
        else if (mode == "existing") m = library::open_mode::existing;
        else if (mode == "read_only") m = library::open_mode::read_only;
        else invalid("mode must be create, existing or read_only, got '" + mode + "'");
        const fs::path where = dir ? *dir : library::default_dir();
        py::gil_scoped_release unlocked;
        lib_ = library::open(where, m);
    }

    fs::path dir() const { return lib_->dir(); }

    py::dict index(const py::object& roots, const std::optional<fs::path>& model,
                   std::shared_ptr<engine> eng, const py::object& progress, const std::string& windows,
                   std::optional<double> window, std::optional<double> hop, std::optional<double> max_seconds,
                   bool per_window, int threads, bool force, const std::string& products, bool fingerprints) {
        const std::vector<fs::path> folders = path_list(roots);
        if (!eng) eng = open_engine(model, products, 1, model_use::audio);  // workers of one core each, as the CLI
        index_params p;
        p.track = track_params(*eng, windows, window, hop, max_seconds, per_window);
        p.threads = threads;
        p.force = force;
        p.fingerprints = fingerprints;
        python_progress calls(progress);
        p.cancel = calls.cancel();
        p.progress = calls.function();
        return report_dict(calls.run([&] {
            std::lock_guard<std::recursive_mutex> one_call(mutex_);
            return lib_->index(folders, *eng, p);
        }));
    }

    py::list search(const std::string& text, std::shared_ptr<engine> eng, const std::optional<fs::path>& model,
                    bool use_cache, const py::kwargs& kwargs) {
        search_params p = search_params_from(kwargs);
        if (p.mode == search_mode::text && !eng) {  // words alone: no model to load
            if (p.words.empty()) p.words = text;
            return matches_list(locked([&] { return lib_->search_vector({}, p); }));
        }
        if (!eng) eng = query_engine(model);
        return matches_list(locked([&] { return lib_->search_text(text, *eng, p, use_cache); }));
    }

    py::list search_vector(const py::array_t<float, py::array::c_style | py::array::forcecast>& query,
                           const py::kwargs& kwargs) {
        const search_params p = search_params_from(kwargs);
        if (query.ndim() != 1) invalid("the query vector must be one-dimensional, got " + std::to_string(query.ndim()) + " dimensions");
        const std::span<const float> q(query.data(), static_cast<size_t>(query.size()));
        return matches_list(locked([&] { return lib_->search_vector(q, p); }));
    }

    py::list search_file(const fs::path& file, std::shared_ptr<engine> eng, const std::optional<fs::path>& model,
                         const std::string& windows, const py::kwargs& kwargs) {
        const search_params p = search_params_from(kwargs);
        if (!eng) eng = query_engine(model);
        const track_embed_params track = track_params(*eng, windows, std::nullopt, std::nullopt, std::nullopt, false);
        return matches_list(locked([&] { return lib_->search_file(file, eng.get(), p, track); }));
    }

    py::list similar(int64_t id, const py::kwargs& kwargs) {
        const search_params p = search_params_from(kwargs);
        return matches_list(locked([&] { return lib_->similar(id, p); }));
    }

    py::object find(const py::object& key) {
        std::optional<catalog_entry> e;
        if (py::isinstance<py::int_>(key)) {
            const auto id = py::cast<int64_t>(key);
            e = locked([&] { return lib_->find(id); });
        } else {
            const std::string path = py::cast<fs::path>(key).string();
            e = locked([&] { return lib_->find(path); });
        }
        if (!e) return py::none();
        return entry_dict(*e);
    }

    // Moments inside the segments-plan recordings: a path-like query, or a str naming a regular file, is a
    // clip (find_clip); any other str a description (find_text). sigmas is find_params::min_sigmas.
    py::dict find_moments(const py::object& query, std::shared_ptr<engine> eng, std::optional<double> min_score,
                          double sigmas, double min_match, double min_print, int64_t max_results, bool refine,
                          const std::optional<std::string>& path_glob, const std::optional<std::string>& model_id,
                          const std::optional<std::string>& within, const std::optional<py::dict>& examples,
                          double silence_db, double min_silence) {
        if (!eng) invalid("find needs an Engine of the segments' model");
        const bool path_like = py::hasattr(query, "__fspath__");
        if (!path_like && !py::isinstance<py::str>(query))
            throw py::type_error("query must be a str (a text, or a file's path) or an os.PathLike");
        find_params p;
        p.min_score = min_score;
        p.min_sigmas = sigmas;
        p.min_match = min_match;
        p.min_print_similarity = min_print;
        if (max_results < 1) invalid("max_results must be at least 1, got " + std::to_string(max_results));
        p.max_results = static_cast<size_t>(max_results);
        p.refine = refine;
        if (path_glob) p.path_glob = *path_glob;
        p.model_id = model_id;
        const fs::path clip = path_like ? py::cast<fs::path>(query) : fs::path();
        const std::string text = path_like ? std::string() : py::cast<std::string>(query);
        const timeline_request request = timeline_options(examples, silence_db, min_silence);
        const find_report r = locked([&] {
            if (within) {
                p.within = parse_segment_kind(*within);
                p.timeline = request.make(*eng);
            }
            std::error_code ec;
            if (path_like) return lib_->find_clip(clip, *eng, p);
            if (fs::is_regular_file(fs::path(text), ec)) return lib_->find_clip(text, *eng, p);
            return lib_->find_text(text, *eng, p);
        });
        return find_report_dict(r);
    }

    // What timeline and find's within share: examples {kind: path or [paths]}, read with the GIL held,
    // become the kinds' vectors when `make` runs (without it: embedding them takes a while).
    struct timeline_request {
        timeline_params params;
        std::map<std::string, std::vector<fs::path>> examples;
        timeline_params make(const engine& eng) const {
            timeline_params p = params;
            if (!examples.empty()) p.labels = segment_labels(eng, examples);
            return p;
        }
    };
    static timeline_request timeline_options(const std::optional<py::dict>& examples, double silence_db, double min_silence) {
        timeline_request r;
        r.params.silence_db = silence_db;
        r.params.min_silence_seconds = min_silence;
        if (examples)
            for (const auto& [kind, value] : *examples) {
                auto& files = r.examples[py::cast<std::string>(kind)];
                if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) files.push_back(py::cast<fs::path>(value));
                else
                    for (const py::handle& f : value) files.push_back(py::cast<fs::path>(f));
            }
        return r;
    }

    py::object timeline(std::shared_ptr<engine> eng, const std::optional<std::string>& path_glob,
                        const std::optional<py::dict>& examples, double silence_db, double min_silence,
                        const std::optional<std::string>& model_id, const std::string& format,
                        const std::optional<fs::path>& picture) {
        if (!eng) invalid("timeline needs an Engine of the segments' model");
        if (format != "dict" && format != "csv" && format != "audacity" && format != "webvtt")
            invalid("format must be 'dict', 'csv', 'audacity' or 'webvtt', got '" + format + "'");
        const timeline_request request = timeline_options(examples, silence_db, min_silence);
        const timeline_report r = locked([&] {
            timeline_params p = request.make(*eng);
            if (path_glob) p.path_glob = *path_glob;
            p.model_id = model_id;
            return lib_->timeline(p, *eng);
        });
        if (picture) {
            timeline_picture_options o;
            if (r.files.size() == 1) o.title = fs::path(r.files[0].path).filename().string();
            locked([&] { write_timeline_picture(r, *picture, o); });
        }
        if (format == "csv") return py::str(timeline_csv(r));
        if (format == "audacity" || format == "webvtt") {
            if (r.files.size() != 1)
                invalid(format + " describes one recording, and " + std::to_string(r.files.size()) +
                        " match: give path= a pattern that matches one");
            return py::str(format == "webvtt" ? timeline_webvtt(r.files[0]) : timeline_audacity(r.files[0]));
        }
        return py::module_::import("json").attr("loads")(timeline_json(r));
    }

    py::dict recurring(int64_t min_count, double min_length, double min_similarity, int64_t max_items,
                       const std::optional<std::string>& path_glob, const std::optional<fs::path>& excerpts) {
        recurring_params p;
        if (min_count < 2) invalid("min_count must be at least 2, got " + std::to_string(min_count));
        if (max_items < 1) invalid("max_items must be at least 1, got " + std::to_string(max_items));
        p.min_count = static_cast<size_t>(min_count);
        p.min_length = min_length;
        p.min_similarity = min_similarity;
        p.max_items = static_cast<size_t>(max_items);
        if (path_glob) p.path_glob = *path_glob;
        if (excerpts) p.excerpts_dir = excerpts->string();
        const recurring_report r = locked([&] { return lib_->recurring(p); });
        return py::module_::import("json").attr("loads")(recurring_report_json(r)).cast<py::dict>();
    }

    std::map<std::string, int64_t> models() {
        return locked([&] { return lib_->models(); });
    }

    py::list entries() {
        const std::vector<catalog_entry> all = locked([&] { return lib_->entries(); });
        py::list out;
        for (const catalog_entry& e : all) out.append(entry_dict(e));
        return out;
    }

    py::dict analyze(const py::object& roots, bool force, int threads, const std::string& tempo, double excerpt_seconds,
                     std::pair<double, double> bpm_range, const py::object& progress) {
        analyze_params p;
        if (!roots.is_none()) p.roots = path_list(roots);
        p.force = force;
        p.threads = threads;
        if (tempo == "qm") p.descriptors.tempo = tempo_method::qm;
        else if (tempo == "aubio") p.descriptors.tempo = tempo_method::aubio;
        else invalid("tempo must be \"qm\" or \"aubio\", not \"" + tempo + "\"");
        p.descriptors.excerpt_seconds = excerpt_seconds;
        std::tie(p.descriptors.min_bpm, p.descriptors.max_bpm) = bpm_range;
        python_progress calls(progress);
        p.cancel = calls.cancel();
        p.progress = calls.function();
        const std::optional<analyze_report> r = calls.run([&] {
            std::lock_guard<std::recursive_mutex> one_call(mutex_);
            return lib_->analyze(p);
        });
        py::dict d;
        d["analyzed"] = r->analyzed;
        d["current"] = r->current;
        d["failures"] = r->failures;
        d["seconds"] = r->seconds;
        return d;
    }

    // A seed: an int (track id), a path (an audio file), "text:WORDS", or (seed, weight).
    static recommend_seed seed_from(const py::handle& h) {
        recommend_seed s;
        py::object what = py::reinterpret_borrow<py::object>(h);
        if (py::isinstance<py::tuple>(h)) {
            const auto t = py::cast<py::tuple>(h);
            if (t.size() != 2) invalid("a weighted seed is (seed, weight)");
            what = t[0];
            s.weight = py::cast<double>(t[1]);
        }
        if (py::isinstance<py::bool_>(what)) invalid("a seed is a track id, a path or \"text:WORDS\", not a bool");
        if (py::isinstance<py::int_>(what)) {
            s.id = py::cast<int64_t>(what);
        } else if (py::isinstance<py::str>(what) && py::cast<std::string>(what).rfind("text:", 0) == 0) {
            s.what = recommend_seed::kind::text;
            s.text = py::cast<std::string>(what).substr(5);
        } else {
            s.what = recommend_seed::kind::file;
            s.file = py::cast<fs::path>(what);
        }
        return s;
    }

    py::list recommend(const py::list& like, const py::list& unlike, std::shared_ptr<engine> eng,
                       const std::optional<fs::path>& model, double diversity, double unlike_weight, size_t per_folder,
                       size_t per_artist, const py::kwargs& kwargs) {
        recommend_params p;
        for (const auto& h : like) p.like.push_back(seed_from(h));
        for (const auto& h : unlike) p.unlike.push_back(seed_from(h));
        p.search = search_params_from(kwargs);
        if (!kwargs.contains("k")) p.search.k = 20;
        p.diversity = diversity;
        p.unlike_weight = unlike_weight;
        p.per_folder = per_folder;
        p.per_artist = per_artist;
        bool needs_model = model.has_value();
        for (const auto* side : {&p.like, &p.unlike})
            for (const auto& s : *side)  // as the CLI: text, or a file the library does not hold
                needs_model = needs_model || s.what == recommend_seed::kind::text ||
                              (s.what == recommend_seed::kind::file && !locked([&] { return lib_->find_file(s.file); }));
        if (!eng && needs_model) eng = query_engine(model);
        return matches_list(locked([&] { return lib_->recommend(p, eng.get()); }));
    }

    py::list path(int64_t from, int64_t to, size_t steps, const py::kwargs& kwargs) {
        path_params p;
        p.from = from;
        p.to = to;
        p.steps = steps;
        p.search = search_params_from(kwargs);
        return matches_list(locked([&] { return lib_->path(p); }));
    }

    py::dict duplicates(const py::object& tiers, double min_fingerprint, double min_cosine, double min_duration_ratio,
                        const std::optional<std::string>& model_id, int threads) {
        duplicate_params p;
        p.tiers.clear();
        if (py::isinstance<py::str>(tiers) || py::isinstance<py::int_>(tiers)) {
            p.tiers.push_back(parse_duplicate_tier(py::str(tiers)));
        } else {
            for (const py::handle t : tiers) p.tiers.push_back(parse_duplicate_tier(py::str(t)));
        }
        p.same_recording = min_fingerprint;
        p.similar_cosine = min_cosine;
        p.min_duration_ratio = min_duration_ratio;
        p.model_id = model_id;
        p.threads = threads;
        const duplicate_report r = locked([&] { return lib_->duplicates(p); });
        py::list groups;
        for (const duplicate_group& g : r.groups) {
            py::list members;
            for (size_t i = 0; i < g.members.size(); i++) {
                const duplicate_member& m = g.members[i];
                members.append(py::dict(py::arg("id") = m.id, py::arg("path") = m.path, py::arg("keep") = i == 0,
                                        py::arg("score") = m.score, py::arg("offset_seconds") = m.offset_seconds,
                                        py::arg("format") = m.format, py::arg("lossless") = m.lossless,
                                        py::arg("bitrate") = m.bitrate, py::arg("duration_seconds") = m.duration_seconds,
                                        py::arg("size_bytes") = m.size_bytes));
            }
            groups.append(py::dict(py::arg("tier") = duplicate_tier_name(g.tier), py::arg("members") = members));
        }
        return py::dict(py::arg("groups") = groups, py::arg("tracks") = r.tracks,
                        py::arg("without_fingerprint") = r.without_fingerprint, py::arg("seconds") = r.seconds);
    }

    py::dict clusters(const std::string& method, size_t k, size_t max_k, size_t min_size, double radius,
                      const std::vector<std::string>& taxonomies, std::shared_ptr<engine> eng,
                      const std::optional<fs::path>& model, const std::optional<std::string>& model_id, uint64_t seed,
                      int threads) {
        cluster_params p;
        p.method = parse_cluster_method(method);
        p.k = k;
        p.max_k = max_k;
        p.min_size = min_size;
        p.radius = radius;
        p.model_id = model_id;
        p.seed = seed;
        p.threads = threads;
        if (!taxonomies.empty()) {
            if (!eng) eng = query_engine(model);
            for (const auto& name : taxonomies) p.labels.push_back(prepare_labels(*eng, find_taxonomy(name)));
        }
        const cluster_report r = locked([&] { return lib_->clusters(p); });
        py::list groups;
        for (const cluster_info& c : r.clusters)
            groups.append(py::dict(py::arg("id") = c.id, py::arg("name") = c.name, py::arg("labels") = c.name_labels,
                                   py::arg("members") = c.members, py::arg("cosine") = c.member_cosine,
                                   py::arg("centre") = py::array_t<float>(static_cast<py::ssize_t>(c.centre.size()), c.centre.data())));
        return py::dict(py::arg("method") = cluster_method_name(r.method), py::arg("clusters") = groups,
                        py::arg("outliers") = r.outliers, py::arg("tracks") = r.tracks, py::arg("k") = r.k,
                        py::arg("chosen_by") = r.chosen_by, py::arg("radius") = r.radius, py::arg("seconds") = r.seconds);
    }

    py::dict map(bool rebuild, bool store, size_t neighbors, double min_dist, int epochs,
                 const std::optional<std::string>& model_id, uint64_t seed, int threads,
                 const std::optional<std::string>& colour_by, size_t k) {
        map_params p;
        p.rebuild = rebuild;
        p.store = store;
        p.neighbors = neighbors;
        p.min_dist = min_dist;
        p.epochs = epochs;
        p.model_id = model_id;
        p.seed = seed;
        p.threads = threads;
        const map_report r = locked([&] { return lib_->map(p); });
        std::vector<std::string> categories;
        if (colour_by) {
            cluster_params cp;
            cp.k = k;
            cp.threads = threads;
            categories = locked([&] { return lib_->map_categories(r, *colour_by, cp); });
        }
        const auto n = static_cast<py::ssize_t>(r.points.size());
        py::array_t<float> xy({n, static_cast<py::ssize_t>(2)});
        py::array_t<int64_t> ids(n);
        py::array_t<bool> placed(n);
        auto x = xy.mutable_unchecked<2>();
        auto id = ids.mutable_unchecked<1>();
        auto pl = placed.mutable_unchecked<1>();
        for (py::ssize_t i = 0; i < n; i++) {
            const map_point& q = r.points[static_cast<size_t>(i)];
            x(i, 0) = q.x;
            x(i, 1) = q.y;
            id(i) = q.id;
            pl(i) = q.placed;
        }
        py::dict out(py::arg("ids") = ids, py::arg("xy") = xy, py::arg("placed") = placed, py::arg("model_id") = r.model_id,
                     py::arg("laid_out") = r.placed, py::arg("kept") = r.kept, py::arg("rebuilt") = r.rebuilt,
                     py::arg("edges") = r.edges, py::arg("neighbours_seconds") = r.neighbours_seconds,
                     py::arg("layout_seconds") = r.layout_seconds);
        if (colour_by) out["categories"] = categories;
        return out;
    }

    py::dict retag(std::shared_ptr<engine> eng, const std::optional<fs::path>& model,
                   const std::vector<std::string>& taxonomies, int threads, bool use_cache) {
        std::vector<taxonomy> chosen;
        for (const auto& name : taxonomies) chosen.push_back(find_taxonomy(name));
        if (!eng) eng = query_engine(model);
        retag_params p;
        p.threads = threads;
        p.use_cache = use_cache;
        const retag_report r = locked([&] { return lib_->retag(*eng, chosen, p); });
        py::dict d;
        d["model"] = r.model_id;
        d["tracks"] = r.tracks;
        d["taxonomies"] = r.taxonomies;
        d["labels"] = r.labels;
        d["stored"] = r.stored;
        d["probes"] = r.probes;  // learned probes applied again
        d["scoring_seconds"] = r.scoring_seconds;
        return d;
    }

    py::tuple vectors(const std::optional<std::string>& model_id) {
        catalog_vectors v = locked([&] { return lib_->vectors(model_id); });
        const auto rows = static_cast<py::ssize_t>(v.ids.size());
        return py::make_tuple(to_array(std::move(v.ids), {rows}),
                              to_array(std::move(v.data), {rows, static_cast<py::ssize_t>(v.dim)}));
    }

    py::dict stats(size_t max_failures) {
        return stats_dict(locked([&] { return lib_->stats(max_failures); }));
    }

    py::dict prune(bool dry_run) {
        const prune_report r = locked([&] { return lib_->prune(dry_run); });
        py::dict d;
        d["removed"] = r.removed;
        d["bytes_before"] = r.bytes_before;
        d["bytes_after"] = r.bytes_after;
        return d;
    }

    py::dict export_to(const fs::path& file, const std::string& format, bool windows, int64_t batch,
                       const std::optional<std::string>& model_id) {
        export_options o;
        o.format = parse_export_format(format);
        o.windows = windows;
        o.batch = batch;
        return export_dict(locked([&] { return lib_->export_to(file, o, model_id); }));
    }

    py::dict import_from(const fs::path& file, const std::string& model_id) {
        import_options o;
        o.model_id = model_id;
        const import_report r = locked([&] { return lib_->import_from(file, o); });
        py::dict d;
        d["records"] = r.records;
        d["dim"] = r.dim;
        d["model"] = r.model_id;
        d["replaced"] = r.replaced;
        d["normalised"] = r.normalised;
        d["renamed"] = r.renamed;
        return d;
    }

    // Examples of a probe: a track id, a path (str or os.PathLike), or a list of them.
    static std::vector<std::string> example_list(const py::object& given) {
        const auto one = [](const py::handle& item) -> std::string {
            if (py::isinstance<py::bool_>(item)) throw py::type_error("an example is a track id or a path, not a bool");
            if (py::isinstance<py::int_>(item)) return std::to_string(py::cast<int64_t>(item));
            return py::cast<fs::path>(item).string();
        };
        if (py::isinstance<py::int_>(given) || py::isinstance<py::str>(given) || py::hasattr(given, "__fspath__"))
            return {one(given)};
        std::vector<std::string> out;
        for (const py::handle item : given) out.push_back(one(item));
        return out;
    }

    static py::dict probe_dict(linear_probe p) {
        py::dict d;
        d["name"] = p.name;
        d["model"] = p.model_id;
        d["dim"] = p.weights.size();
        d["positives"] = p.positives;
        d["negatives"] = p.negatives;
        d["cv_accuracy"] = p.cv_accuracy;
        d["l2"] = p.regularization;
        d["threshold"] = p.threshold;
        d["bias"] = p.bias;
        const auto dim = static_cast<py::ssize_t>(p.weights.size());
        d["weights"] = to_array(std::move(p.weights), {dim});
        return d;
    }

    py::dict learn(const std::string& name, const py::object& positive, const py::object& negative,
                   const std::optional<std::string>& model_id, double l2) {
        const std::vector<std::string> pos = example_list(positive), neg = example_list(negative);
        learn_params p;
        p.model_id = model_id;
        p.probe.l2 = l2;
        learn_report r = locked([&] { return lib_->learn(name, pos, neg, p); });
        const int folds = r.probe.folds;
        py::dict d = probe_dict(std::move(r.probe));
        d["folds"] = folds;
        d["tracks"] = r.tracks;
        d["tagged"] = r.tagged;
        d["seconds"] = r.seconds;
        return d;
    }

    py::list probes() {
        std::vector<linear_probe> all = locked([&] { return lib_->probes(); });
        py::list out;
        for (auto& p : all) out.append(probe_dict(std::move(p)));
        return out;
    }

    void remove_probe(const std::string& name) {
        locked([&] { lib_->remove_probe(name); });
    }

private:
    std::unique_ptr<library> lib_;
    std::recursive_mutex mutex_;  // recursive: a progress callback may query the library it indexes
    std::map<std::string, std::shared_ptr<engine>> query_engines_;
};

// --- Log messages to a Python function ---

// The library calls the callback holding its log lock, and the callback takes the GIL: the lock is only
// ever taken here without the GIL, or the two could deadlock.
void set_python_log_callback(const py::object& fn) {
    if (fn.is_none()) {
        py::gil_scoped_release unlocked;
        set_log_callback({});
        return;
    }
    // The callback may be copied and dropped on any thread: the Python object is released under the GIL.
    std::shared_ptr<py::object> target(new py::object(fn), [](py::object* o) {
        py::gil_scoped_acquire locked;
        delete o;
    });
    log_callback callback = [target](log_level level, const std::string& message) {
        py::gil_scoped_acquire locked;
        try {
            (*target)(level == log_level::note ? "note" : "warning", message);
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable("sonavec log callback");
        }
    };
    py::gil_scoped_release unlocked;
    set_log_callback(std::move(callback));
}


// --- Zero-shot tags (sonavec/tagging.h) ---

py::dict taxonomy_dict(const taxonomy& t) {
    py::dict d;
    d["name"] = t.name;
    d["labels"] = t.labels;
    d["templates"] = t.templates;
    return d;
}

// A taxonomy argument: "genre", "genre,mood", a file path, or a list of those.
std::vector<taxonomy> taxonomy_list(const py::object& given, const std::optional<std::string>& label_template) {
    std::vector<std::string> items;
    if (py::isinstance<py::str>(given) || py::hasattr(given, "__fspath__")) {
        const std::string s = py::isinstance<py::str>(given) ? py::cast<std::string>(given)
                                                              : py::cast<fs::path>(given).string();
        for (size_t b = 0, e; b <= s.size(); b = e + 1) {
            e = std::min(s.find(',', b), s.size());
            if (e > b) items.push_back(s.substr(b, e - b));
        }
    } else {
        for (const auto& p : py::cast<std::vector<fs::path>>(given)) items.push_back(p.string());
    }
    if (items.empty()) invalid("taxonomy names no taxonomy");
    std::vector<taxonomy> out;
    for (const auto& item : items) {
        taxonomy t = find_taxonomy(item);
        out.push_back(label_template ? with_templates(std::move(t), {*label_template}) : std::move(t));
    }
    return out;
}

py::dict tags_dict(const std::vector<taxonomy_tags>& tags) {
    py::dict d;
    for (const auto& t : tags) {
        py::list list;
        for (const auto& g : t.tags) list.append(py::dict(py::arg("label") = g.label, py::arg("probability") = g.probability));
        d[py::str(t.taxonomy)] = list;
    }
    return d;
}

// An array of unit rows [n, dim] (a single (dim,) vector is one row).
std::pair<std::vector<float>, int64_t> rows_of(const py::array_t<float, py::array::c_style | py::array::forcecast>& a,
                                                const char* what) {
    if (a.ndim() != 1 && a.ndim() != 2) invalid(std::string(what) + " must be a (dim,) or (n, dim) array");
    const int64_t n = a.ndim() == 1 ? 1 : static_cast<int64_t>(a.shape(0));
    return {std::vector<float>(a.data(), a.data() + a.size()), n};
}

void add_tagging(py::module_& m) {
    m.def(
        "taxonomies", [] {
            py::dict d;
            for (const auto& t : builtin_taxonomies()) d[py::str(t.name)] = taxonomy_dict(t);
            return d;
        },
        "the built-in taxonomies: name -> {name, labels, templates}");
    m.def(
        "load_taxonomy", [](const fs::path& path) { return taxonomy_dict(load_taxonomy(path)); }, py::arg("path"),
        "a taxonomy file (one label per line, '# template: ... {} ...' lines) as {name, labels, templates}");
    m.def(
        "score",
        [](const py::array_t<float, py::array::c_style | py::array::forcecast>& vectors,
           const py::array_t<float, py::array::c_style | py::array::forcecast>& label_vectors, float logit_scale,
           int threads) {
            auto [audio, n] = rows_of(vectors, "vectors");
            auto [labels, nl] = rows_of(label_vectors, "label_vectors");
            label_set set;
            set.name = "labels";
            set.dim = label_vectors.ndim() == 2 ? static_cast<int64_t>(label_vectors.shape(1)) : static_cast<int64_t>(labels.size());
            set.labels.assign(static_cast<size_t>(nl), std::string());
            set.vectors = std::move(labels);
            if (threads < 0) invalid("threads must be 0 (all cores) or more");
            std::vector<float> p;
            {
                py::gil_scoped_release unlocked;
                p = score_batch(audio, n, set, logit_scale, threads);
            }
            return to_matrix(std::move(p), nl);
        },
        py::arg("vectors"), py::arg("label_vectors"), py::arg("logit_scale"), py::kw_only(), py::arg("threads") = 0,
        R"(Zero-shot probabilities from stored vectors alone: (n, labels) float32, each row the softmax over
labels of logit_scale * cosine(vector, label vector) (Engine.logit_scale, Engine.label_vectors).)");

    auto cls = py::reinterpret_borrow<py::class_<engine, std::shared_ptr<engine>>>(m.attr("Engine"));
    cls.def_property_readonly("logit_scale", &engine::logit_scale,
                              "exp(logit_scale_a): the model's factor on cosines before the zero-shot softmax");
    cls.def(
        "label_vectors",
        [](const engine& e, const py::object& taxonomy_arg, std::optional<std::string> label_template, bool cache) {
            const std::vector<taxonomy> ts = taxonomy_list(taxonomy_arg, label_template);
            if (ts.size() != 1) invalid("label_vectors takes one taxonomy");
            label_set set;
            {
                py::gil_scoped_release unlocked;
                set = prepare_labels(e, ts[0], cache);
            }
            py::dict d;
            d["name"] = set.name;
            d["labels"] = set.labels;
            d["vectors"] = to_matrix(std::move(set.vectors), set.dim);
            return d;
        },
        py::arg("taxonomy"), py::kw_only(), py::arg("template") = py::none(), py::arg("cache") = true,
        R"(One taxonomy's label vectors: {name, labels, vectors (labels, dim) float32}, each the normalised mean
of its prompts' text vectors (through the text cache unless cache=False).)");
    cls.def(
        "tag",
        [](const engine& e, const py::object& input, const py::object& taxonomy_arg, int top, bool multi,
           std::optional<std::string> label_template, std::optional<int> sample_rate, const std::string& windows,
           bool cache) {
            const std::vector<taxonomy> ts = taxonomy_list(taxonomy_arg, label_template);
            tag_params tp;
            if (top < 1) invalid("top must be 1 or more, got " + std::to_string(top));
            tp.top = top;
            tp.multi = multi;
            const track_embed_params p = track_params(e, windows, std::nullopt, std::nullopt, std::nullopt, false);
            const bool is_path = py::isinstance<py::str>(input) || py::hasattr(input, "__fspath__");
            if (is_path == sample_rate.has_value())
                invalid(is_path ? "sample_rate is only for samples" : "samples need sample_rate");
            std::vector<float> samples;
            fs::path path;
            if (is_path) path = py::cast<fs::path>(input);
            else {
                const auto a = py::cast<py::array_t<float, py::array::c_style | py::array::forcecast>>(input);
                if (a.ndim() != 1) invalid("samples must be a one-dimensional (mono) array");
                samples.assign(a.data(), a.data() + a.size());
            }
            std::vector<taxonomy_tags> tags;
            {
                py::gil_scoped_release unlocked;
                std::vector<label_set> sets;
                for (const auto& t : ts) sets.push_back(prepare_labels(e, t, cache));
                const track_embedding track =
                    is_path ? embed_track(e, path, p) : embed_samples(e, samples, *sample_rate, p);
                tags = tag_vector(track.vector, sets, e.logit_scale(), tp);
            }
            return tags_dict(tags);
        },
        py::arg("path_or_samples"), py::kw_only(), py::arg("taxonomy") = "genre,mood,instrument,vocals,usecase",
        py::arg("top") = 3, py::arg("multi") = false, py::arg("template") = py::none(),
        py::arg("sample_rate") = py::none(), py::arg("windows") = "seed", py::arg("cache") = true,
        R"(Zero-shot tags of a file (a path) or of mono samples (a 1-D array with sample_rate), as `sonavec tag`:
{taxonomy: [{label, probability}]}, the top labels, or with multi=True those at least half the best one's
probability and twice uniform (at most 10). taxonomy: built-in names ("genre,mood"),
taxonomy files, or a list of them; template replaces their prompts ("{}": each label as is).)");
}

}  // namespace

// --- Acoustic descriptors (sonavec/descriptors.h): sonavec.analyze_file ---

namespace {

py::object positive_or_none(double v) { return v > 0 ? py::object(py::float_(v)) : py::object(py::none()); }
py::object text_or_none(const std::string& s) { return s.empty() ? py::object(py::none()) : py::object(py::str(s)); }

// The keys and values of `sonavec analyze --json`, except that a loudness of silence is -inf here.
py::dict descriptors_dict(const track_descriptors& d) {
    py::dict out;
    out["duration_seconds"] = d.duration_seconds;
    out["sample_rate"] = d.sample_rate;
    out["channels"] = d.channels;
    out["bpm"] = positive_or_none(d.bpm);
    out["bpm_raw"] = positive_or_none(d.bpm_raw);
    out["bpm_confidence"] = d.bpm_confidence;
    out["key"] = text_or_none(d.key);
    out["camelot"] = text_or_none(d.camelot);
    out["key_confidence"] = d.key_confidence;
    out["loudness_lufs"] = d.loudness_lufs;
    out["loudness_range_lu"] = d.loudness_range_lu;
    out["true_peak_dbtp"] = d.true_peak_dbtp;
    out["energy"] = d.energy;
    out["loop"] = d.loop;
    return out;
}

void add_descriptors(py::module_& m) {
    m.def(
        "analyze_file",
        [](const fs::path& path, const std::string& tempo, double excerpt_seconds, double min_bpm, double max_bpm,
           double max_seconds) {
            descriptor_params p;
            if (tempo == "qm") p.tempo = tempo_method::qm;
            else if (tempo == "aubio") p.tempo = tempo_method::aubio;
            else invalid("tempo must be \"qm\" or \"aubio\", not \"" + tempo + "\"");
            p.excerpt_seconds = excerpt_seconds;
            p.min_bpm = min_bpm;
            p.max_bpm = max_bpm;
            p.max_seconds = max_seconds;
            track_descriptors d;
            {
                py::gil_scoped_release unlocked;
                d = analyze_file(path, p);
            }
            return descriptors_dict(d);
        },
        py::arg("path"), py::kw_only(), py::arg("tempo") = "qm", py::arg("excerpt_seconds") = 0.0,
        py::arg("min_bpm") = 60.0, py::arg("max_bpm") = 200.0, py::arg("max_seconds") = 3600.0,
        R"(The file's acoustic descriptors, as `sonavec analyze --json` gives them, in a dict: bpm (None when no
beat), bpm_raw, bpm_confidence, key ("A minor", None when none), camelot ("8A"), key_confidence,
loudness_lufs (EBU R128 integrated; -inf for silence), loudness_range_lu, true_peak_dbtp, energy (0-1),
loop (bool), duration_seconds, sample_rate, channels.

tempo: "qm" or "aubio"; excerpt_seconds: tempo and key from that much around the middle (0: all);
the tempo is folded by octaves into [min_bpm, max_bpm).)");
}

}  // namespace

PYBIND11_MODULE(sonavec, m) {
    m.doc() = "sonavec: CLAP audio and text embeddings (numpy arrays) and audio libraries searched by text or sound.";
    m.attr("__version__") = sonavec::version();
    add_error_classes(m);

    py::class_<engine, std::shared_ptr<engine>>(m, "Engine", R"(A CLAP model loaded for embedding.

Engine(model=None, precision="fp32", threads=0): model is a model directory (Hugging Face layout); None
takes $SONAVEC_MODEL, else the cached laion/clap-htsat-unfused (`sonavec model pull`). threads: compute
threads, 0 = all cores. Vectors are float32 and L2-normalised: cosine similarity is a dot product.)")
        .def(py::init([](const std::optional<fs::path>& model, const std::string& precision, int threads) {
                 return open_engine(model, precision, threads, model_use::audio);
             }),
             py::arg("model") = py::none(), py::arg("precision") = "fp32", py::arg("threads") = 0)
        .def_property_readonly("dim", &engine::dim, "size of the shared embedding space (512 for the real model)")
        .def_property_readonly("model_id", &engine::model_id, "which model makes the vectors: NAME@DIGEST of its files")
        .def_property_readonly("sample_rate", &engine::sample_rate, "the audio tower's input rate (48000)")
        .def_property_readonly("window_seconds", &engine_window_seconds, "the audio tower's input length in seconds")
        .def_property_readonly("model_dir", [](const engine& e) { return e.params().model_dir; })
        .def_property_readonly("precision", [](const engine& e) { return std::string(precision_name(e.params().products)); })
        .def_property_readonly("threads", [](const engine& e) { return e.params().threads; })
        .def(
            "preload",
            [](const engine& e, bool audio, bool text) {
                py::gil_scoped_release unlocked;
                e.preload(audio, text);
            },
            py::kw_only(), py::arg("audio") = true, py::arg("text") = true,
            "loads the towers now instead of on first use (to time loading apart from embedding)")
        .def(
            "embed_text",
            [](const engine& e, const py::object& texts) {
                std::vector<std::string> list;
                if (py::isinstance<py::str>(texts)) list.push_back(py::cast<std::string>(texts));
                else list = py::cast<std::vector<std::string>>(texts);
                std::vector<float> out;
                {
                    py::gil_scoped_release unlocked;
                    out = e.embed_texts(list);
                }
                return to_matrix(std::move(out), e.dim());
            },
            py::arg("texts"), "float32 array (len(texts), dim), one unit row per text (a str is one text)")
        .def(
            "embed_file",
            [](const engine& e, const fs::path& path, const std::string& windows, std::optional<double> window,
               std::optional<double> hop, std::optional<double> max_seconds, bool details) -> py::object {
                const track_embed_params p = track_params(e, windows, window, hop, max_seconds, details);
                track_embedding t;
                {
                    py::gil_scoped_release unlocked;
                    t = embed_track(e, path, p);
                }
                if (details) return track_dict(std::move(t), e.dim());
                return to_array(std::move(t.vector), {static_cast<py::ssize_t>(e.dim())});
            },
            py::arg("path"), py::kw_only(), py::arg("windows") = "seed", py::arg("window") = py::none(),
            py::arg("hop") = py::none(), py::arg("max_seconds") = py::none(), py::arg("details") = false,
            R"(The file's vector, (dim,) float32: the same window plan and bits as `sonavec embed`.

windows: "seed" (3 x 7 s at 10/45/80 %), "full" (every hop seconds), "first" or "segments" (10 s windows
every 5 s over the whole recording, for Library.find); window and hop in seconds (None: the plan's
default); max_seconds: only the start of a longer track is analysed (None: 300 s, segments a week). details=True
returns a dict instead: vector, duration_seconds, sample_rate, channels, codec, container, tags and
windows (start_seconds, length_seconds, vector).)")
        .def(
            "embed_files",
            [](const engine& e, const py::object& inputs, int threads, const std::string& windows,
               std::optional<double> window, std::optional<double> hop, std::optional<double> max_seconds) {
                embed_tracks_params p;
                p.track = track_params(e, windows, window, hop, max_seconds, false);
                if (threads < 0) invalid("threads must be 0 (all cores) or more, got " + std::to_string(threads));
                p.workers = threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
                const std::vector<fs::path> given = path_list(inputs);
                std::vector<std::optional<std::vector<float>>> vectors;
                std::vector<std::string> failures;
                audio_file_walk walk;
                {
                    py::gil_scoped_release unlocked;
                    walk = find_audio_files(given);
                    vectors.resize(walk.files.size());
                    failures.resize(walk.files.size());
                    embed_tracks(e, walk.files, p, [&](size_t i, const track_embedding* t, const std::string& why) {
                        if (t) vectors[i] = t->vector;
                        else failures[i] = why.empty() ? "unknown error" : why;
                    });
                }
                std::vector<float> matrix;
                py::list paths, failed, unreadable;
                for (size_t i = 0; i < walk.files.size(); i++) {
                    if (vectors[i]) {
                        matrix.insert(matrix.end(), vectors[i]->begin(), vectors[i]->end());
                        paths.append(walk.files[i].string());
                    } else {
                        failed.append(py::dict(py::arg("path") = walk.files[i].string(), py::arg("error") = failures[i]));
                    }
                }
                for (const unreadable_path& u : walk.unreadable)
                    unreadable.append(py::dict(py::arg("path") = u.path.string(), py::arg("error") = u.reason));
                py::dict out;
                out["vectors"] = to_matrix(std::move(matrix), e.dim());
                out["paths"] = paths;
                out["failures"] = failed;
                out["unreadable"] = unreadable;
                return out;
            },
            py::arg("paths"), py::kw_only(), py::arg("threads") = 0, py::arg("windows") = "seed",
            py::arg("window") = py::none(), py::arg("hop") = py::none(), py::arg("max_seconds") = py::none(),
            R"(Files and folders (searched for audio files) as `sonavec embed` embeds them, on threads workers
of one core each (0: all cores). Returns a dict: vectors (n, dim) float32 of the files that were embedded,
paths (their paths, row by row), failures and unreadable ([{path, error}]: a file that fails is reported
and the others are still embedded).)")
        .def(
            "embed_audio",
            [](const engine& e, const py::array_t<float, py::array::c_style | py::array::forcecast>& samples,
               int sample_rate, const std::string& windows, std::optional<double> window, std::optional<double> hop,
               std::optional<double> max_seconds, bool details) -> py::object {
                if (samples.ndim() != 1)
                    invalid("samples must be a one-dimensional (mono) array, got " + std::to_string(samples.ndim()) +
                            " dimensions");
                const track_embed_params p = track_params(e, windows, window, hop, max_seconds, details);
                const std::span<const float> s(samples.data(), static_cast<size_t>(samples.size()));
                track_embedding t;
                {
                    py::gil_scoped_release unlocked;
                    t = embed_samples(e, s, sample_rate, p);
                }
                if (details) return track_dict(std::move(t), e.dim());
                return to_array(std::move(t.vector), {static_cast<py::ssize_t>(e.dim())});
            },
            py::arg("samples"), py::arg("sample_rate"), py::kw_only(), py::arg("windows") = "seed",
            py::arg("window") = py::none(), py::arg("hop") = py::none(), py::arg("max_seconds") = py::none(),
            py::arg("details") = false,
            R"(The vector of mono samples (a 1-D array, converted to float32) at sample_rate (8000 to 384000 Hz):
resampled to the engine's rate as a file's audio is, then windowed and averaged as embed_file.)");

    py::class_<index_progress>(m, "IndexProgress", "One file of an index run done: done of total, its path, and why it failed")
        .def_readonly("done", &index_progress::done)
        .def_readonly("total", &index_progress::total)
        .def_readonly("path", &index_progress::path)
        .def_readonly("error", &index_progress::error)
        .def("__repr__", [](const index_progress& p) {
            return "IndexProgress(done=" + std::to_string(p.done) + ", total=" + std::to_string(p.total) + ")";
        });

    py::class_<py_library>(m, "Library", R"(A library of audio files and their vectors, searched by text or sound.

Library(path=None, mode="create"): path None is the default library ($XDG_DATA_HOME/sonavec/library);
mode "create" (made when missing), "existing" (NotFound when missing) or "read_only" (writes nothing).
Search keywords: k=10, min_seconds, max_seconds, format, path_glob, tag=(key, value), where={taxonomy:
label} (inferred tags, e.g. {"learned": "wedding"}), min_bpm, max_bpm, key ("A minor", "8A"), index="auto"|"exact"|"ann", nprobe, threads, model_id. Results: a list of dicts (score, id, path, duration_seconds,
format, sample_rate, channels, tags, model, ...), best first.)")
        .def(py::init<const std::optional<fs::path>&, const std::string&>(), py::arg("path") = py::none(),
             py::arg("mode") = "create")
        .def_property_readonly("dir", &py_library::dir)
        .def("index", &py_library::index, py::arg("roots"), py::kw_only(), py::arg("model") = py::none(),
             py::arg("engine") = py::none(), py::arg("progress") = py::none(), py::arg("windows") = "seed",
             py::arg("window") = py::none(), py::arg("hop") = py::none(), py::arg("max_seconds") = py::none(),
             py::arg("per_window") = false, py::arg("threads") = 0, py::arg("force") = false,
             py::arg("precision") = "fp32", py::arg("fingerprints") = true,
             R"(Adds folders and files or brings them up to date (as `sonavec index`) and returns the report as a dict.

windows, window, hop and max_seconds: the window plan, as Engine.embed_file takes it ("seed", "full",
"first" or "segments"; index with "segments" for find()).
engine: an Engine to embed with, else one opened on model (None: the default model). progress(p) is
called after each file with an IndexProgress; if it raises, the run stops after the files in flight
(what was committed stays) and the exception is raised from index(). Ctrl-C does the same.
fingerprints: then store each track's Chromaprint fingerprint for duplicates() (its first 120 s decoded again).)")
        .def("search", &py_library::search, py::arg("text"), py::kw_only(), py::arg("engine") = py::none(),
             py::arg("model") = py::none(), py::arg("use_cache") = true,
             R"(tracks matching a description. Every search takes k, the filters (min_seconds, max_seconds, format,
path_glob, tag, where, min_bpm, max_bpm, key), index, nprobe, threads, model_id, and mode: "audio" (CLAP
similarity, the default), "text" (words against names and tags, BM25; no model needed) or "hybrid" (both,
reciprocal rank fusion with rrf_k=60), with words= (search: the text by default). Text and hybrid
matches also carry fused, audio_rank, text_rank and text_score.)")
        .def("search_vector", &py_library::search_vector, py::arg("vector"), "tracks nearest a vector of the library's model")
        .def("search_file", &py_library::search_file, py::arg("path"), py::kw_only(), py::arg("engine") = py::none(),
             py::arg("model") = py::none(), py::arg("windows") = "seed", "tracks that sound like an audio file")
        .def("similar", &py_library::similar, py::arg("id"), "tracks that sound like the library's track id")
        .def("find", &py_library::find, py::arg("id_or_path"), "the track's row as a dict, or None")
        .def("find", &py_library::find_moments, py::arg("query"), py::arg("engine"), py::kw_only(),
             py::arg("min_score") = py::none(), py::arg("sigmas") = 5.0, py::arg("min_match") = 0.5,
             py::arg("min_print") = 0.7, py::arg("max_results") = 1000, py::arg("refine") = true, py::arg("path") = py::none(),
             py::arg("model_id") = py::none(), py::arg("within") = py::none(), py::arg("examples") = py::none(),
             py::arg("silence_db") = -60.0, py::arg("min_silence") = 2.0,
             R"(With an engine: where inside the library's long recordings a clip plays, or a description fits (as
`sonavec find --json`). The recordings must be indexed with windows="segments" (10 s windows every 5 s);
else NotFound. query: an os.PathLike, or a str naming a file, is a clip (its first 10 s at most); any
other str a text. engine: an Engine of the segments' model (model_id: the segments of another id).

A clip's own fingerprint (also as if played 1 and 2 % slower and faster, each place
rescored at speeds 0.5 % apart) is first slid along each
recording's: where at least min_print of the bits agree (1: off), the clip is placed by its spectrogram
and kept when that matches too (print_similarity says so). Otherwise an occurrence must score sigmas
robust deviations above this query's median window over the archive
(min_score: an absolute cosine, -1 to 1, instead), and a clip's moments must also correlate with its
log-mel spectrogram at least min_match (-1: off). Each moment is placed to within about half a second
(refine=False: the stored 10 s windows as they are); max_results, best first; path: a shell pattern
the recordings' paths must match; within: only moments inside stretches of that kind ("speech",
"music", "speech over music", "noise"), as timeline() labels them (examples, silence_db and
min_silence as there). Returns {query_seconds, windows, files, candidates, regions, printed,
print_hits, windows_within, median, deviation, moment_median, moment_deviation, threshold, scan_seconds, refine_seconds,
print_seconds, occurrences: [{id, path, start_seconds, end_seconds, score, sigmas, coarse_score, match,
print_similarity}]}, best first.

    lib.index(["archive"], engine=eng, windows="segments")
    for o in lib.find(Path("jingle.wav"), eng)["occurrences"]:
        print(o["path"], o["start_seconds"], o["score"])
    lib.find("crowd cheering", eng, min_score=0.3))")
        .def("recurring", &py_library::recurring, py::kw_only(), py::arg("min_count") = 3, py::arg("min_length") = 5.0,
             py::arg("min_similarity") = 0.85, py::arg("max_items") = 1000, py::arg("path") = py::none(),
             py::arg("excerpts") = py::none(),
             R"(Audio that recurs across the library's segments-plan recordings, without a query (as `sonavec
recurring --json`): jingles, idents, ads, beds, from the recordings' whole fingerprints (no engine
needed). An item must occur at least min_count times, each matched stretch at least min_length seconds,
at least min_similarity of the fingerprint bits agreeing over 2 s; path: a shell pattern the recordings'
paths must match; excerpts: a folder to write each item's first occurrence to (item-0001.wav, ...).
NotFound when no segments-plan recording has a print. Returns {recordings, hours, seeds, pairs, seconds,
items: [{length_seconds, count, excerpt, occurrences: [{id, path, start_seconds, end_seconds,
similarity}]}]}, most occurrences first.

    for item in lib.recurring(min_count=5)["items"]:
        print(item["count"], item["occurrences"][0]["path"], item["occurrences"][0]["start_seconds"]))")
        .def("timeline", &py_library::timeline, py::arg("engine"), py::kw_only(), py::arg("path") = py::none(),
             py::arg("examples") = py::none(), py::arg("silence_db") = -60.0, py::arg("min_silence") = 2.0,
             py::arg("model_id") = py::none(), py::arg("format") = "dict", py::arg("picture") = py::none(),
             R"(What each stretch of the library's segments-plan recordings holds (as `sonavec timeline`): speech,
music, speech over music, noise or silence, from the stored windows and levels (nothing is decoded).
Each stored window is scored zero-shot against one vector per kind: the built-in "segments"
taxonomy's prompts, or for the kinds in examples ({kind: path or [paths]}) the mean vector of those
files. Silence is an RMS level below silence_db for at least min_silence seconds (ffmpeg
silencedetect's defaults). path: a shell pattern the recordings' paths must match. Returns
{kinds, seconds, files: [{id, path, duration_seconds, windows, has_levels, segments: [{start_seconds,
end_seconds, kind, probability, level_db}]}]}; format="csv" the CSV text, "audacity" or "webvtt" the
labels or cues of the one recording path matches; picture: also draw the timelines to this .png or
.svg (a strip per recording, coloured by kind). NotFound without segments-plan recordings.

    t = lib.timeline(eng, path="*/show-1.wav", examples={"music": ["bed1.wav", "bed2.wav"]})
    for s in t["files"][0]["segments"]:
        print(s["start_seconds"], s["end_seconds"], s["kind"])
    Path("show-1.vtt").write_text(lib.timeline(eng, path="*/show-1.wav", format="webvtt")))")
        .def("models", &py_library::models, "model id -> files: which models' vectors the library holds")
        .def("entries", &py_library::entries, "every row as a dict (as find), by id, failed rows included")
        .def("analyze", &py_library::analyze, py::arg("roots") = py::none(), py::kw_only(), py::arg("force") = false,
             py::arg("threads") = 0, py::arg("tempo") = "qm", py::arg("excerpt_seconds") = 0.0,
             py::arg("bpm_range") = std::pair<double, double>{60.0, 200.0}, py::arg("progress") = py::none(),
             R"(Stores the acoustic descriptors of the library's tracks (as `sonavec index --analyze`), those
under roots (None: all) that have none for their current bytes (force: all); the tempo is folded by
octaves into bpm_range (as analyze_file's min_bpm, max_bpm). Returns {analyzed, current,
failures: [(path, reason)], seconds}. progress(p) as for index. The rows' "descriptors" then hold them,
and search takes min_bpm=, max_bpm=, key="A minor" (or "8A").)")
        .def("retag", &py_library::retag, py::kw_only(), py::arg("engine") = py::none(), py::arg("model") = py::none(),
             py::arg("taxonomies") = std::vector<std::string>{"genre", "mood", "instrument", "vocals", "usecase"},
             py::arg("threads") = 0, py::arg("use_cache") = true,
             R"(Recomputes the inferred tags from the stored vectors (as `sonavec retag`): taxonomies are built-in
names or taxonomy files. The rows' "inferred" then hold them, and search takes where={"mood": "calm"}.)")
        .def("vectors", &py_library::vectors, py::arg("model_id") = py::none(),
             "(ids int64 (n,), vectors float32 (n, dim)) of one model's tracks, without a copy per row")
        .def("stats", &py_library::stats, py::arg("max_failures") = 20)
        .def("prune", &py_library::prune, py::kw_only(), py::arg("dry_run") = false)
        .def("export", &py_library::export_to, py::arg("path"), py::kw_only(), py::arg("format") = "json",
             py::arg("windows") = false, py::arg("batch") = 0, py::arg("model_id") = py::none(),
             "writes the vectors as `sonavec export` does (json, jsonl, npy, csv, qdrant, ...)")
        .def("import_file", &py_library::import_from, py::arg("path"), py::kw_only(), py::arg("model_id") = "",
             "adds vectors made elsewhere (as `sonavec import`)")
        .def("recommend", &py_library::recommend, py::arg("like"), py::kw_only(), py::arg("unlike") = py::list(),
             py::arg("engine") = py::none(), py::arg("model") = py::none(), py::arg("diversity") = 0.3,
             py::arg("unlike_weight") = 0.5, py::arg("per_folder") = 0, py::arg("per_artist") = 0,
             R"(Tracks like the seeds in like and unlike those in unlike (as `sonavec recommend`), seeds left out,
best first. A seed is a track id, an audio file, "text:WORDS", or (seed, weight). k=20 and the search
filters as keywords. diversity: maximal marginal relevance (0: nearest first); per_folder / per_artist:
caps. Text seeds and files outside the library are embedded with engine (or model).)")
        .def("path", &py_library::path, py::arg("from_id"), py::arg("to_id"), py::kw_only(), py::arg("steps") = 10,
             "a playlist of steps tracks from one track id to another along the spherical interpolation (as `sonavec path`);\n"
             "search filters as keywords apply to the tracks between, not to the two ends")
        .def("duplicates", &py_library::duplicates, py::kw_only(),
             py::arg("tiers") = std::vector<std::string>{"identical", "same-recording", "similar"},
             py::arg("min_fingerprint") = same_recording_similarity, py::arg("min_cosine") = similar_min_cosine,
             py::arg("min_duration_ratio") = similar_min_duration_ratio, py::arg("model_id") = py::none(),
             py::arg("threads") = 0,
             R"(Duplicate groups for review (as `sonavec duplicates`); nothing is deleted or moved. tiers: "identical"
(same bytes), "same-recording" (Chromaprint fingerprints stored by index), "similar" (CLAP cosine, durations
within min_duration_ratio), or 1, 2, 3. Returns {groups: [{tier, members: [{id, path, keep, score,
offset_seconds, format, lossless, bitrate, duration_seconds, size_bytes}]}], tracks, without_fingerprint,
seconds}; each group's first member is the copy to keep.)")
        .def("clusters", &py_library::clusters, py::kw_only(), py::arg("method") = "kmeans", py::arg("k") = 0,
             py::arg("max_k") = 0, py::arg("min_size") = 5, py::arg("radius") = 0.0,
             py::arg("taxonomies") = std::vector<std::string>{}, py::arg("engine") = py::none(),
             py::arg("model") = py::none(), py::arg("model_id") = py::none(), py::arg("seed") = 1, py::arg("threads") = 0,
             R"(The library's clusters (as `sonavec clusters`): method "kmeans" (k=0: chosen by silhouette up to max_k)
or "density" (DBSCAN; radius=0: the k-dist knee), min_size the smallest cluster. taxonomies name each
cluster by the labels nearest its centre (embedded with engine or model); without, by the inferred tags
most of its tracks carry. Returns {method, clusters: [{id, name, labels, members, cosine, centre}],
outliers, tracks, k, chosen_by, radius, seconds}; members most central first.)")
        .def("map", &py_library::map, py::kw_only(), py::arg("rebuild") = false, py::arg("store") = true,
             py::arg("neighbors") = 15, py::arg("min_dist") = 0.1, py::arg("epochs") = 0, py::arg("model_id") = py::none(),
             py::arg("seed") = 1, py::arg("threads") = 0, py::arg("colour_by") = py::none(), py::arg("k") = 0,
             R"(The library's 2D map (as `sonavec map`): UMAP on the kNN graph. Tracks already on the stored map keep
their points and only new ones are laid out, unless rebuild; store=False leaves the library unchanged.
Returns {ids, xy (n x 2 float32), placed (laid out by this call), model_id, laid_out, kept, rebuilt,
edges, neighbours_seconds, layout_seconds}, by track id. colour_by="cluster" (k clusters, 0: chosen by
silhouette), "folder", "none" or a taxonomy's name adds categories: one name per point ("" for none),
as write_map_picture takes them.)")
        .def("learn", &py_library::learn, py::arg("name"), py::arg("positive"), py::arg("negative"), py::kw_only(),
             py::arg("model_id") = py::none(), py::arg("l2") = 1.0,
             R"(Learns a tag from examples (as `sonavec learn`): a linear probe on the stored vectors, applied to
every track of their model as the inferred tag learned=NAME. positive and negative: a track id, a
file or folder the library holds, or a list of them. Returns the probe as a dict (name, model, dim,
positives, negatives, cv_accuracy: balanced and cross-validated, l2, threshold, bias, weights, folds,
tracks, tagged, seconds).)")
        .def("probes", &py_library::probes, "the stored probes, as learn returns them (without the run's counts)")
        .def("remove_probe", &py_library::remove_probe, py::arg("name"), "drops a stored probe and its tags");

    // Tags in audio files (sonavec/file_tags.h): a plan is a list of dicts, one per field.
    m.def("read_tags", [](const std::filesystem::path& path) { return sonavec::read_file_tags(path); }, py::arg("path"),
          "the file's own tags: NAME -> list of values (TITLE, ARTIST, GENRE, BPM, INITIALKEY, MOOD, ...)");
    m.def(
        "write_tags",
        [](const std::filesystem::path& path, const sonavec::tag_fields& fields, bool apply, const std::vector<std::string>& overwrite) {
            sonavec::tag_write_options options;
            options.overwrite = overwrite;
            const sonavec::tag_plan plan = [&] {
                py::gil_scoped_release unlocked;
                return apply ? sonavec::apply_tag_write(path, fields, options) : sonavec::plan_tag_write(path, fields, options);
            }();
            py::list changes;
            for (const auto& c : plan.changes) {
                py::dict d;
                d["field"] = c.field;
                d["tag"] = c.tag;
                d["old"] = c.old_value;
                d["new"] = c.new_value;
                d["action"] = sonavec::tag_action_name(c.action);
                changes.append(d);
            }
            py::dict out;
            out["path"] = plan.file.string();
            out["format"] = plan.format;
            out["written"] = plan.written;
            out["changes"] = changes;
            return out;
        },
        py::arg("path"), py::arg("fields"), py::kw_only(), py::arg("apply") = false, py::arg("overwrite") = std::vector<std::string>{},
        "plans (apply=False) or writes fields {bpm, key, genre, mood, replaygain_track_gain, ...: value} into the file; "
        "existing tags are kept unless overwrite names them. Returns {path, format, written, changes: [{field, tag, old, new, action}]}");
    m.def("default_library_dir", &library::default_dir);
    m.def(
        "write_map_picture",
        [](py::array_t<int64_t, py::array::c_style | py::array::forcecast> ids,
           py::array_t<float, py::array::c_style | py::array::forcecast> xy, const std::vector<std::string>& categories,
           const std::filesystem::path& file, const std::string& title, int width, int height) {
            if (xy.ndim() != 2 || xy.shape(1) != 2 || ids.ndim() != 1 || ids.shape(0) != xy.shape(0))
                throw error(error_kind::invalid_input, "write_map_picture: ids (n) and xy (n x 2) must match");
            std::vector<map_point> points(static_cast<size_t>(ids.shape(0)));
            for (size_t i = 0; i < points.size(); i++)
                points[i] = {ids.at(static_cast<py::ssize_t>(i)), xy.at(static_cast<py::ssize_t>(i), 0),
                             xy.at(static_cast<py::ssize_t>(i), 1), false};
            map_picture_options o;
            o.title = title;
            o.width = width;
            o.height = height;
            py::gil_scoped_release unlocked;
            write_map_picture(points, categories, file, o);
        },
        py::arg("ids"), py::arg("xy"), py::arg("categories"), py::arg("file"), py::kw_only(), py::arg("title") = "",
        py::arg("width") = 1600, py::arg("height") = 1200,
        R"(Draws a map (Library.map's ids and xy) coloured by one category per point ("": unlabelled), with a
legend, as a PNG or SVG by the file's extension.)");
    m.def(
        "resolve_model_dir", [](const std::string& given) { return resolve_model_dir(given); },
        py::arg("model") = "", "the model directory an Engine would use (NotFound, with how to get it, when incomplete)");
    m.def("set_log_callback", &set_python_log_callback, py::arg("callback"),
          "callback(level, message) receives the library's notes and warnings (None: back to stderr)");
    // A Python log callback must not outlive the interpreter.
    py::module_::import("atexit").attr("register")(py::cpp_function([] { set_python_log_callback(py::none()); }));
    add_tagging(m);
    add_descriptors(m);
}
