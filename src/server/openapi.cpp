// openapi.h: one entry per route, its parameters and what it answers.
#include "openapi.h"

#include "sonavec/version.h"

namespace sonavec::server {

namespace {

using nlohmann::json;

json query(const char* name, const char* type, const char* what, bool required = false) {
    return {{"name", name}, {"in", "query"}, {"required", required}, {"description", what}, {"schema", {{"type", type}}}};
}

json id_param() {
    return {{"name", "id"}, {"in", "path"}, {"required", true}, {"description", "a track id"}, {"schema", {{"type", "integer"}}}};
}

json answer(const char* what, const char* ref) {
    return {{"200", {{"description", what}, {"content", {{"application/json", {{"schema", {{"$ref", std::string("#/components/schemas/") + ref}}}}}}}}},
            {"default", {{"description", "an error"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
}

json search_parameters() {
    return json::array({query("k", "integer", "how many results (1 to 1000, default 10)"),
                        query("mode", "string", "audio (CLAP similarity), text (names and tags, BM25) or hybrid (fused)"),
                        query("words", "string", "the words for mode text or hybrid (search: q by default)"),
                        query("min_seconds", "number", "shortest duration"), query("max_seconds", "number", "longest duration"),
                        query("format", "string", "container, as FFmpeg names it (flac, mp3, wav, ...)"),
                        query("path", "string", "a shell pattern over the whole path ('*/drums/*')"),
                        query("tag", "string", "KEY=VALUE: the file's tag KEY contains VALUE"),
                        query("where", "string", "TAXONOMY=LABEL: an inferred tag (repeatable)"),
                        query("min_bpm", "number", "slowest tempo"), query("max_bpm", "number", "fastest tempo"),
                        query("key", "string", "a key or Camelot code (A minor, Bbm, 8A)")});
}

}  // namespace

json openapi_document() {
    json paths;
    paths["/api/health"]["get"] = {{"summary", "the server is up; its version and model"}, {"responses", answer("status", "Health")}};
    paths["/api/stats"]["get"] = {{"summary", "the library's counts"}, {"responses", answer("counts", "Stats")}};
    json search = search_parameters();
    search.insert(search.begin(), query("q", "string", "the description to look for", true));
    paths["/api/search"]["get"] = {{"summary", "tracks matching a description"}, {"parameters", search},
                                   {"responses", answer("best first", "Matches")}};
    json similar = search_parameters();
    similar.insert(similar.begin(), id_param());
    paths["/api/similar/{id}"]["get"] = {{"summary", "tracks that sound like a library track"}, {"parameters", similar},
                                         {"responses", answer("best first", "Matches")}};
    paths["/api/similar"]["post"] = {
        {"summary", "tracks that sound like an uploaded file (embedded now, never stored)"},
        {"parameters", search_parameters()},
        {"requestBody",
         {{"required", true},
          {"content", {{"multipart/form-data", {{"schema", {{"type", "object"}, {"properties", {{"file", {{"type", "string"}, {"format", "binary"}}}}}}}}}}}}},
        {"responses", answer("best first", "Matches")}};
    const json ids = {{"type", "object"}, {"properties", {{"ids", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}}};
    paths["/api/tracks"]["post"] = {
        {"summary", "many tracks' metadata at once (ids not in the library are left out)"},
        {"requestBody", {{"required", true}, {"content", {{"application/json", {{"schema", ids}}}}}}},
        {"responses", answer("the tracks", "Matches")}};
    paths["/api/tracks/{id}"]["get"] = {{"summary", "a track's metadata, tags and descriptors"}, {"parameters", json::array({id_param()})},
                                        {"responses", answer("the track", "Track")}};
    paths["/api/tracks/{id}/audio"]["get"] = {
        {"summary", "the track's file itself, with byte ranges (Range: bytes=A-B)"},
        {"parameters", json::array({id_param()})},
        {"responses", {{"200", {{"description", "the whole file"}}}, {"206", {{"description", "the range asked for"}}}}}};
    paths["/api/map"]["get"] = {{"summary", "the 2D map: [id, x, y] per track"}, {"parameters", json::array({query("model_id", "string", "whose map"), query("colour", "string", "cluster, folder or a taxonomy: categories and each point's index among them"), query("k", "integer", "with colour=cluster: how many (0: chosen by silhouette)")})},
                                {"responses", answer("points", "Map")}};
    paths["/api/clusters"]["get"] = {{"summary", "the library's clusters"},
                                     {"parameters", json::array({query("method", "string", "kmeans or density"),
                                                                 query("k", "integer", "k-means: how many (0: by silhouette)"),
                                                                 query("min_size", "integer", "the smallest cluster")})},
                                     {"responses", answer("clusters", "Clusters")}};
    paths["/api/duplicates"]["get"] = {{"summary", "duplicate groups for review; the first member is the copy to keep"},
                                       {"responses", answer("groups", "Duplicates")}};
    paths["/api/path"]["get"] = {{"summary", "a playlist from one track to another"},
                                 {"parameters", json::array({query("from", "integer", "the first track", true), query("to", "integer", "the last track", true),
                                                             query("steps", "integer", "tracks in all (2 to 1000, default 10)")})},
                                 {"responses", answer("the path, in order", "Matches")}};
    const json find_parameters = json::array({query("min_score", "number", "an absolute cosine bound (default: 5 robust sigmas)"),
                                              query("sigmas", "number", "the automatic bound in robust sigmas (default 5)"),
                                              query("max", "integer", "at most this many moments (default 100)"),
                                              query("path", "string", "only recordings whose path matches this shell pattern"),
                                              query("within", "string", "only moments inside stretches of speech, music, speech over music or noise (as /api/timeline labels them)")});
    json find_text_parameters = find_parameters;
    find_text_parameters.push_back(query("q", "string", "the description", true));
    paths["/api/find"]["get"] = {{"summary", "moments inside the segments-plan recordings that fit a description"},
                                 {"parameters", find_text_parameters},
                                 {"responses", answer("the moments, best first", "Moments")}};
    const json clip_upload = {{"type", "object"}, {"properties", {{"file", {{"type", "string"}, {"format", "binary"}}}}}};
    paths["/api/find"]["post"] = {{"summary", "where a posted clip plays inside the segments-plan recordings"},
                                  {"parameters", find_parameters},
                                  {"requestBody", {{"required", true}, {"content", {{"multipart/form-data", {{"schema", clip_upload}}}}}}},
                                  {"responses", answer("the moments, best first", "Moments")}};
    paths["/api/recurring"]["get"] = {
        {"summary", "audio that recurs across the segments-plan recordings (jingles, idents, beds), without a query"},
        {"parameters", json::array({query("min_count", "integer", "occurrences an item needs (default 3)"),
                                    query("min_length", "number", "seconds each match lasts at least (default 5)"),
                                    query("max", "integer", "at most this many items (default 100)"),
                                    query("path", "string", "only recordings whose path matches this shell pattern")})},
        {"responses", answer("the items, most occurrences first", "Recurring")}};
    paths["/api/timeline"]["get"] = {
        {"summary", "what each stretch of the segments-plan recordings holds: speech, music, speech over music, noise or silence"},
        {"parameters", json::array({query("path", "string", "only recordings whose path matches this shell pattern"),
                                    query("format", "string", "json (default), csv, or for one recording webvtt or audacity"),
                                    query("silence_db", "number", "silence is an RMS level below this (default -60)"),
                                    query("min_silence", "number", "for at least this many seconds (default 2)")})},
        {"responses", answer("the timelines, by path", "Timeline")}};
    paths["/api/recommend"]["post"] = {
        {"summary", "tracks like the liked seeds and unlike the others"},
        {"requestBody",
         {{"required", true},
          {"content", {{"application/json", {{"schema", {{"type", "object"}, {"properties", {{"like", {{"type", "array"}}}, {"unlike", {{"type", "array"}}}, {"k", {{"type", "integer"}}}}}}}}}}}}},
        {"responses", answer("best first", "Matches")}};
    const json folders = {{"type", "object"}, {"properties", {{"folders", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
    paths["/api/index"]["post"] = {
        {"summary", "start an index run over folders in the background (403 with --no-index, 409 while one runs)"},
        {"requestBody", {{"required", true}, {"content", {{"application/json", {{"schema", folders}}}}}}},
        {"responses", {{"202", {{"description", "started: the run's state"}}}, {"default", {{"description", "refused"}}}}}};
    paths["/api/index"]["get"] = {{"summary", "the index run's state: idle, running (done of total), done, failed or cancelled"},
                                  {"responses", answer("state", "IndexState")}};
    paths["/api/index"]["delete"] = {{"summary", "cancel the run (what it committed stays)"}, {"responses", answer("state", "IndexState")}};
    paths["/api/index/events"]["get"] = {
        {"summary", "server-sent events: the run's state at once and after each change (progress, then end)"},
        {"responses", {{"200", {{"description", "text/event-stream"}}}}}};
    paths["/api/openapi.json"]["get"] = {{"summary", "this document"}, {"responses", {{"200", {{"description", "OpenAPI 3.0"}}}}}};
    const json object = {{"type", "object"}};
    json schemas = {{"Health", object}, {"Stats", object}, {"Track", object}, {"Map", object}, {"Clusters", object}, {"Duplicates", object}, {"IndexState", object}, {"Moments", object}, {"Recurring", object}, {"Timeline", object},
                    {"Matches", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Track"}}}}},
                    {"Error", {{"type", "object"}, {"properties", {{"error", {{"type", "string"}}}, {"kind", {{"type", "string"}}}}}}}};
    return {{"openapi", "3.0.3"},
            {"info", {{"title", "sonavec"}, {"version", SONAVEC_VERSION}, {"description", "A local audio library's search API"}}},
            {"components", {{"schemas", schemas}, {"securitySchemes", {{"token", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
            {"paths", paths}};
}

}  // namespace sonavec::server
