// routes.h: query parameters read and bounded here, answers as JSON (track_json.h), errors thrown as
// sonavec::error for the server's one handler to map to a status.
#include "routes.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "openapi.h"
#include "track_json.h"
#include "web_assets.h"
#include "sonavec/error.h"
#include "sonavec/track.h"
#include "sonavec/version.h"

namespace sonavec::server {

namespace {

using nlohmann::json;

void send(httplib::Response& res, const json& j, int status = 200) {
    res.status = status;
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), json_type);
}

[[noreturn]] void bad(const std::string& message) { throw error(error_kind::invalid_input, message); }

std::optional<std::string> param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    return req.get_param_value(name);
}

double number(const httplib::Request& req, const char* name, double lo, double hi) {
    const std::string text = *param(req, name);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
        bad(std::string(name) + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
}

int64_t integer(const httplib::Request& req, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
    if (!req.has_param(name)) return fallback;
    const std::string text = *param(req, name);
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        bad(std::string(name) + " must be a whole number");
    const int64_t v = std::stoll(text);
    if (v < lo || v > hi) bad(std::string(name) + " must be " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
}

int64_t path_id(const httplib::Request& req) {
    const std::string text = req.matches[1];
    if (text.size() > 18) throw error(error_kind::not_found, "no such track");
    return std::stoll(text);
}

// k, the filters and the mode, as `sonavec search` takes them.
search_params search_from(const httplib::Request& req) {
    search_params p;
    p.threads = 1;  // requests run side by side: one that took every core would only queue behind the others
    p.stale_index_ok = true;  // an index run's commits never make a search wait for the index to reload
    p.k = integer(req, "k", 10, 1, 1000);
    if (auto v = param(req, "mode")) p.mode = parse_search_mode(*v);
    if (auto v = param(req, "words")) p.words = *v;
    if (req.has_param("min_seconds")) p.filter.min_seconds = number(req, "min_seconds", 0, 1e7);
    if (req.has_param("max_seconds")) p.filter.max_seconds = number(req, "max_seconds", 0, 1e7);
    if (auto v = param(req, "format")) p.filter.format = *v;
    if (auto v = param(req, "path")) p.filter.path_glob = *v;
    if (auto v = param(req, "tag")) {
        const size_t eq = v->find('=');
        if (eq == std::string::npos || eq == 0) bad("tag is KEY=VALUE");
        p.filter.tag_key = v->substr(0, eq);
        p.filter.tag_value = v->substr(eq + 1);
    }
    for (size_t i = 0; i < req.get_param_value_count("where"); i++) {
        const std::string w = req.get_param_value("where", i);
        const size_t eq = w.find('=');
        if (eq == std::string::npos || eq == 0) bad("where is TAXONOMY=LABEL");
        p.filter.inferred.emplace_back(w.substr(0, eq), w.substr(eq + 1));
    }
    if (req.has_param("min_bpm")) p.filter.min_bpm = number(req, "min_bpm", 1, 1000);
    if (req.has_param("max_bpm")) p.filter.max_bpm = number(req, "max_bpm", 1, 1000);
    if (auto v = param(req, "key")) p.filter.key = *v;
    return p;
}

const engine& need_engine(const api_context& ctx, const char* what) {
    if (!ctx.eng)
        throw error(error_kind::unsupported, std::string(what) + " needs a model: start the server with --model DIR");
    return *ctx.eng;
}

const char* audio_type(const std::string& path) {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".mp3") return "audio/mpeg";
    if (ext == ".flac") return "audio/flac";
    if (ext == ".wav") return "audio/wav";
    if (ext == ".ogg" || ext == ".opus") return "audio/ogg";
    if (ext == ".m4a" || ext == ".mp4" || ext == ".aac") return "audio/mp4";
    if (ext == ".aif" || ext == ".aiff") return "audio/aiff";
    return "application/octet-stream";
}

// An upload as a private temporary file (removed when this ends), named with the upload's extension so
// that the decoder may use it as a hint.
struct upload_file {
    std::filesystem::path path;
    explicit upload_file(const httplib::MultipartFormData& f) {
        std::string ext = std::filesystem::path(f.filename).extension().string();
        if (ext.size() > 8 || ext.find_first_not_of(".abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) ext = "";
        std::string pattern = (std::filesystem::temp_directory_path() / "sonavec-upload-XXXXXX").string() + ext;
        const int fd = mkstemps(pattern.data(), static_cast<int>(ext.size()));
        if (fd < 0) throw error(error_kind::io, "cannot make a temporary file for the upload");
        path = pattern;
        size_t done = 0;
        while (done < f.content.size()) {
            const ssize_t w = ::write(fd, f.content.data() + done, f.content.size() - done);
            if (w <= 0) {
                ::close(fd);
                std::filesystem::remove(path);
                throw error(error_kind::io, "cannot write the upload to a temporary file");
            }
            done += static_cast<size_t>(w);
        }
        ::close(fd);
    }
    ~upload_file() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

}  // namespace

int http_status(error_kind kind) {
    switch (kind) {
        case error_kind::invalid_input: return 400;
        case error_kind::not_found: return 404;
        case error_kind::corrupt_file: return 422;
        case error_kind::unsupported: return 501;
        case error_kind::busy: return 409;
        case error_kind::cancelled: return 503;
        case error_kind::io: break;
    }
    return 500;
}

void add_routes(httplib::Server& http, api_context& ctx) {
    // The page, from the binary itself.
    for (size_t i = 0; i < web_asset_count; i++) {
        const web_asset& a = web_assets[i];
        auto serve = [&a](const httplib::Request&, httplib::Response& res) {
            res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.type);
            res.set_header("Cache-Control", "no-cache");
            res.set_header("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; img-src 'self' data:");
        };
        http.Get(a.path, serve);
        if (std::string(a.path) == "/index.html") http.Get("/", serve);
    }
    http.Get("/api/health", [&](const httplib::Request&, httplib::Response& res) {
        send(res, {{"status", "ok"}, {"version", SONAVEC_VERSION}, {"model", ctx.eng ? ctx.eng->model_id() : ""}});
    });
    http.Get("/api/openapi.json", [](const httplib::Request&, httplib::Response& res) { send(res, openapi_document()); });
    http.Get("/api/stats", [&](const httplib::Request&, httplib::Response& res) {
        const library_stats s = ctx.lib->stats(0);
        send(res, {{"files", s.counts.files},          {"ok", s.counts.ok},
                   {"failed", s.counts.failed},        {"models", s.counts.by_model},
                   {"formats", s.counts.by_format},    {"analysed", s.counts.analysed},
                   {"fingerprinted", s.counts.fingerprinted}, {"taxonomies", s.counts.by_taxonomy},
                   {"schema_version", s.schema_version}, {"index", s.index.description}});
    });
    http.Get("/api/search", [&](const httplib::Request& req, httplib::Response& res) {
        search_params p = search_from(req);
        const std::string q = param(req, "q").value_or("");
        if (q.empty()) bad("search needs q, the text to look for");
        if (q.size() > 2000) bad("q is longer than 2000 bytes");
        if (p.mode == search_mode::text) {  // words alone: no model needed
            if (p.words.empty()) p.words = q;
            send(res, matches_json(ctx.lib->search_vector({}, p)));
            return;
        }
        const engine& eng = need_engine(ctx, "a text search");
        if (p.words.empty()) p.words = q;
        if (!p.model_id) p.model_id = eng.model_id();
        send(res, matches_json(ctx.lib->search_vector(ctx.texts->vector(q), p)));
    });
    http.Get(R"(/api/similar/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        send(res, matches_json(ctx.lib->similar(path_id(req), search_from(req))));
    });
    http.Post("/api/similar", [&](const httplib::Request& req, httplib::Response& res) {
        if (!req.has_file("file")) bad("post the audio as a multipart field named file");
        const engine& eng = need_engine(ctx, "searching by an uploaded file");
        const httplib::MultipartFormData f = req.get_file_value("file");
        if (f.content.empty()) bad("the uploaded file is empty");
        const upload_file tmp(f);
        track_embed_params tp;
        validate_track_params(tp, eng);
        track_embedding t;
        try {
            const std::lock_guard one(ctx.audio_tower);  // it uses every core already (text_query_vectors)
            t = embed_track(eng, tmp.path, tp);
        } catch (const error& e) {
            // The message names the upload, never the temporary file.
            std::string m = e.what();
            for (size_t at; (at = m.find(tmp.path.string())) != std::string::npos;) m.replace(at, tmp.path.string().size(), "the upload");
            throw error(e.kind(), m);
        }
        if (t.info.duration_seconds > ctx.options.max_upload_seconds)
            bad("the upload is longer than " + std::to_string(static_cast<int>(ctx.options.max_upload_seconds)) + " s");
        search_params p = search_from(req);
        p.model_id = eng.model_id();
        send(res, matches_json(ctx.lib->search_vector(t.vector, p)));
    });
    // Moments inside the library's segments-plan recordings (sonavec/find.h): q a text, or a posted clip.
    const auto find_from = [](const httplib::Request& req) {
        find_params p;
        if (req.has_param("min_score")) p.min_score = number(req, "min_score", -1, 1);
        if (req.has_param("sigmas")) p.min_sigmas = number(req, "sigmas", 0, 100);
        p.max_results = static_cast<size_t>(integer(req, "max", 100, 1, 10000));
        p.path_glob = param(req, "path").value_or("");
        if (const auto within = param(req, "within")) {
            p.within = parse_segment_kind(*within);
            if (*p.within == segment_kind::silence) bad("within=silence would find nothing to hear");
        }
        return p;
    };
    http.Get("/api/find", [&, find_from](const httplib::Request& req, httplib::Response& res) {
        const std::string q = param(req, "q").value_or("");
        if (q.empty()) bad("find needs q, the text to look for");
        if (q.size() > 2000) bad("q is longer than 2000 bytes");
        const engine& eng = need_engine(ctx, "finding moments");
        const find_params p = find_from(req);
        const std::lock_guard one(ctx.audio_tower);  // the refinement runs the audio tower
        res.set_content(find_report_json(ctx.lib->find_text(q, eng, p)), json_type);
    });
    http.Post("/api/find", [&, find_from](const httplib::Request& req, httplib::Response& res) {
        if (!req.has_file("file")) bad("post the clip as a multipart field named file");
        const engine& eng = need_engine(ctx, "finding an uploaded clip");
        const httplib::MultipartFormData f = req.get_file_value("file");
        if (f.content.empty()) bad("the uploaded file is empty");
        const upload_file tmp(f);
        const find_params p = find_from(req);
        const std::lock_guard one(ctx.audio_tower);
        try {
            res.set_content(find_report_json(ctx.lib->find_clip(tmp.path, eng, p)), json_type);
        } catch (const error& e) {
            std::string m = e.what();
            for (size_t at; (at = m.find(tmp.path.string())) != std::string::npos;) m.replace(at, tmp.path.string().size(), "the upload");
            throw error(e.kind(), m);
        }
    });
    // Recurring material: from the recordings' fingerprints, so no engine and no audio tower.
    http.Get("/api/recurring", [&](const httplib::Request& req, httplib::Response& res) {
        recurring_params p;
        p.min_count = static_cast<size_t>(integer(req, "min_count", 3, 2, 1000000));
        if (req.has_param("min_length")) p.min_length = number(req, "min_length", 0, 3600);
        p.max_items = static_cast<size_t>(integer(req, "max", 100, 1, 10000));
        p.path_glob = param(req, "path").value_or("");
        res.set_content(recurring_report_json(ctx.lib->recurring(p)), json_type);
    });
    // The timeline of the segments-plan recordings (sonavec/timeline.h): JSON, or one recording's CSV,
    // Audacity labels or WebVTT cues (an <audio> element's <track>).
    http.Get("/api/timeline", [&](const httplib::Request& req, httplib::Response& res) {
        timeline_params p;
        p.path_glob = param(req, "path").value_or("");
        if (req.has_param("silence_db")) p.silence_db = number(req, "silence_db", -120, 0);
        if (req.has_param("min_silence")) p.min_silence_seconds = number(req, "min_silence", 0.1, 3600);
        const std::string format = param(req, "format").value_or("json");
        if (format != "json" && format != "csv" && format != "webvtt" && format != "audacity")
            bad("format must be json, csv, webvtt or audacity");
        const engine& eng = need_engine(ctx, "a timeline");
        const timeline_report r = [&] {
            const std::lock_guard one(ctx.audio_tower);  // the kinds' scores use every core
            return ctx.lib->timeline(p, eng);
        }();
        if (format == "json") return res.set_content(timeline_json(r), json_type);
        if (format == "csv") return res.set_content(timeline_csv(r), "text/csv; charset=utf-8");
        if (r.files.size() != 1) bad(format + " describes one recording, and " + std::to_string(r.files.size()) + " match path");
        if (format == "webvtt") return res.set_content(timeline_webvtt(r.files[0]), "text/vtt; charset=utf-8");
        res.set_content(timeline_audacity(r.files[0]), "text/plain; charset=utf-8");
    });
    http.Get(R"(/api/tracks/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
        const auto e = ctx.lib->find(path_id(req));
        if (!e) throw error(error_kind::not_found, "no such track");
        send(res, track_json(*e));
    });
    // Many tracks at once (a map selection's playlist): POST {ids: [...]}, up to 100,000; unknown ids left out.
    http.Post("/api/tracks", [&](const httplib::Request& req, httplib::Response& res) {
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("ids") || !body["ids"].is_array())
            bad("tracks takes a JSON object {ids: [track ids]}");
        if (body["ids"].size() > 100000) bad("at most 100,000 ids at once");
        json out = json::array();
        for (const json& id : body["ids"]) {
            if (!id.is_number_integer()) bad("each id is a whole number");
            if (const auto e = ctx.lib->find(id.get<int64_t>())) out.push_back(track_json(*e));
        }
        send(res, out);
    });
    http.Get(R"(/api/tracks/(\d+)/audio)", [&](const httplib::Request& req, httplib::Response& res) {
        // Only the catalog's own files, by id: there is no path parameter to traverse.
        const auto e = ctx.lib->find(path_id(req));
        if (!e || e->status != entry_status::ok || e->window_plan == "import") throw error(error_kind::not_found, "no audio for this track");
        std::error_code ec;
        const auto size = std::filesystem::file_size(e->path, ec);
        if (ec) throw error(error_kind::not_found, "the track's file is gone (index the library again)");
        auto file = std::make_shared<std::ifstream>(e->path, std::ios::binary);
        if (!*file) throw error(error_kind::io, "the track's file cannot be read");
        // One byte range inside the file, or the whole file: httplib 0.11 would answer a range past the
        // end with a 206 whose bytes never come, and each of many ranges with a part of its own (RFC 9110
        // lets a server ignore them). req is process_request's own Request, not a const object.
        auto& ranges = const_cast<httplib::Request&>(req).ranges;
        if (ranges.size() == 1 && (ranges[0].first >= 0 || ranges[0].second >= 0)) {
            const auto n = static_cast<ssize_t>(size);
            auto [first, last] = ranges[0];  // -1: not given
            if (first < 0) {                 // the last `last` bytes
                first = std::max<ssize_t>(0, n - last);
                last = n - 1;
            } else if (last < 0 || last >= n) {
                last = n - 1;
            }
            if (first >= n || first > last) {
                ranges.clear();
                res.set_header("Content-Range", "bytes */" + std::to_string(size));
                send(res, {{"error", "the range is outside the file (" + std::to_string(size) + " bytes)"}, {"kind", "bad request"}}, 416);
                return;
            }
            ranges[0] = {first, last};
        } else {
            ranges.clear();
        }
        res.set_header("Accept-Ranges", "bytes");
        res.set_content_provider(static_cast<size_t>(size), audio_type(e->path),
                                 [file](size_t offset, size_t length, httplib::DataSink& sink) {
                                     char buf[1 << 16];
                                     file->clear();
                                     file->seekg(static_cast<std::streamoff>(offset));
                                     while (length > 0) {
                                         const size_t n = std::min(length, sizeof buf);
                                         file->read(buf, static_cast<std::streamsize>(n));
                                         const auto got = static_cast<size_t>(file->gcount());
                                         if (got == 0 || !sink.write(buf, got)) return false;
                                         length -= got;
                                     }
                                     return true;
                                 });
    });
    http.Get("/api/map", [&](const httplib::Request& req, httplib::Response& res) {
        map_params p;
        p.store = false;  // the stored map is kept; tracks not on it are placed for this answer only
        if (auto v = param(req, "model_id")) p.model_id = *v;
        const map_report m = ctx.lib->map(p);
        json points = json::array();
        for (const map_point& q : m.points) points.push_back({q.id, q.x, q.y});
        json answer = {{"model", m.model_id}, {"points", points}, {"placed", m.placed}, {"kept", m.kept}};
        // colour=cluster|folder|TAXONOMY: the categories by size, and each point's index among them (-1: none).
        if (auto by = param(req, "colour")) {
            cluster_params clusters;  // k: 0 chooses it by silhouette (minutes on 100,000 tracks)
            clusters.k = static_cast<size_t>(integer(req, "k", 0, 0, 1000));
            const std::vector<std::string> cat = ctx.lib->map_categories(m, *by, clusters);
            std::map<std::string, int64_t> size;
            for (const std::string& c : cat)
                if (!c.empty()) size[c]++;
            std::vector<std::pair<int64_t, std::string>> order;
            for (const auto& [name, n] : size) order.emplace_back(-n, name);
            std::sort(order.begin(), order.end());
            std::map<std::string, int64_t> index;
            json names = json::array(), counts = json::array();
            for (const auto& [n, name] : order) {
                index[name] = static_cast<int64_t>(names.size());
                names.push_back(name);
                counts.push_back(-n);
            }
            json colour = json::array();
            for (const std::string& c : cat) colour.push_back(c.empty() ? -1 : index[c]);
            answer["categories"] = names;
            answer["category_sizes"] = counts;
            answer["colour"] = colour;
        }
        send(res, answer);
    });
    http.Get("/api/clusters", [&](const httplib::Request& req, httplib::Response& res) {
        cluster_params p;
        if (auto v = param(req, "method")) p.method = parse_cluster_method(*v);
        p.k = static_cast<size_t>(integer(req, "k", 0, 0, 1000));
        p.min_size = static_cast<size_t>(integer(req, "min_size", 5, 1, 100000));
        const cluster_report r = ctx.lib->clusters(p);
        json clusters = json::array();
        for (const cluster_info& c : r.clusters)
            clusters.push_back({{"id", c.id}, {"name", c.name}, {"members", c.members}});
        send(res, {{"clusters", clusters}, {"outliers", r.outliers}, {"k", r.k}, {"chosen_by", r.chosen_by}});
    });
    http.Get("/api/duplicates", [&](const httplib::Request&, httplib::Response& res) {
        const duplicate_report r = ctx.lib->duplicates({});
        json groups = json::array();
        for (const duplicate_group& g : r.groups) {
            json members = json::array();
            for (size_t i = 0; i < g.members.size(); i++)
                members.push_back({{"id", g.members[i].id}, {"path", g.members[i].path}, {"keep", i == 0},
                                   {"score", g.members[i].score}});
            groups.push_back({{"tier", duplicate_tier_name(g.tier)}, {"members", members}});
        }
        send(res, {{"groups", groups}, {"tracks", r.tracks}});
    });
    http.Get("/api/path", [&](const httplib::Request& req, httplib::Response& res) {
        path_params p;
        if (!req.has_param("from") || !req.has_param("to")) bad("path needs from and to, two track ids");
        p.from = integer(req, "from", 0, 0, INT64_MAX / 2);
        p.to = integer(req, "to", 0, 0, INT64_MAX / 2);
        p.steps = static_cast<size_t>(integer(req, "steps", 10, 2, 1000));
        send(res, matches_json(ctx.lib->path(p)));
    });
    http.Post("/api/index", [&](const httplib::Request& req, httplib::Response& res) {
        if (!ctx.options.allow_index) {
            send(res, {{"error", "this server only reads the library (started with --no-index)"}, {"kind", "forbidden"}}, 403);
            return;
        }
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("folders") || !body["folders"].is_array())
            bad("index takes a JSON object {folders: [absolute paths]}");
        std::vector<std::filesystem::path> folders;
        for (const json& f : body["folders"]) {
            if (!f.is_string()) bad("each folder is a path");
            folders.emplace_back(f.get<std::string>());
        }
        ctx.indexing->start(folders);
        send(res, ctx.indexing->state(), 202);
    });
    http.Delete("/api/index", [&](const httplib::Request&, httplib::Response& res) {
        ctx.indexing->cancel();
        send(res, ctx.indexing->state());
    });
    http.Get("/api/index", [&](const httplib::Request&, httplib::Response& res) { send(res, ctx.indexing->state()); });
    // Server-sent events: the state at once and after each change, until the run ends.
    http.Get("/api/index/events", [&](const httplib::Request&, httplib::Response& res) {
        res.set_header("Cache-Control", "no-cache");
        auto seen = std::make_shared<uint64_t>(0);
        auto first = std::make_shared<bool>(true);
        res.set_chunked_content_provider("text/event-stream", [&ctx, seen, first](size_t, httplib::DataSink& sink) {
            if (*first) *seen = ctx.indexing->changes();
            else *seen = ctx.indexing->wait_change(*seen, 15000);
            *first = false;
            const json s = ctx.indexing->state();
            const std::string state = s["state"];
            const std::string event = "event: " + std::string(state == "running" ? "progress" : state == "idle" ? "idle" : "end") +
                                      "\ndata: " + s.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
            if (!sink.write(event.data(), event.size())) return false;
            if (state != "running") sink.done();
            return true;
        });
    });
    http.Post("/api/recommend", [&](const httplib::Request& req, httplib::Response& res) {
        const json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) bad("recommend takes a JSON object {like: [...], unlike: [...], k}");
        recommend_params p;
        auto seeds = [&](const char* side, std::vector<recommend_seed>& out) {
            if (!body.contains(side)) return;
            if (!body[side].is_array() || body[side].size() > 100) bad(std::string(side) + " is a list of at most 100 seeds");
            for (const json& s : body[side]) {
                recommend_seed seed;
                if (s.is_number_integer()) seed.id = s.get<int64_t>();
                else if (s.is_string()) {
                    seed.what = recommend_seed::kind::text;
                    seed.text = s.get<std::string>();
                } else bad("a seed is a track id or a text");
                out.push_back(std::move(seed));
            }
        };
        seeds("like", p.like);
        seeds("unlike", p.unlike);
        if (body.contains("k")) {
            if (!body["k"].is_number_integer() || body["k"].get<int64_t>() < 1 || body["k"].get<int64_t>() > 1000) bad("k is 1 to 1000");
            p.search.k = body["k"].get<int64_t>();
        }
        send(res, matches_json(ctx.lib->recommend(p, ctx.eng.get())));
    });
}

}  // namespace sonavec::server
