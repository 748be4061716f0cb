#include "library/export_formats.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "audio/audio_files.h"
#include "library/name_uuid.h"
#include "library/npy_format.h"
#include "util/base64.h"
#include "sonavec/descriptors.h"
#include "sonavec/error.h"
#include "util/enum_names.h"
#include "sonavec/escaped_text.h"
#include "sonavec/float_text.h"
#include "util/utf8.h"

namespace sonavec {

namespace {

using nlohmann::json;

// Paths and tags are not always valid UTF-8; a bad byte becomes U+FFFD rather than breaking the file.
std::string json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string utf8_text(const std::string& s) { return json::parse(json_text(json(s))).get<std::string>(); }

std::string number_text(double v) { return json(v).dump(); }

std::string vector_text(const std::vector<float>& v) { return json_vector(v.data(), static_cast<int64_t>(v.size())); }

constexpr enum_name<export_format> format_names[] = {
    {export_format::json, "json"},
    {export_format::jsonl, "jsonl"},
    {export_format::npy, "npy"},
    {export_format::csv, "csv"},
    {export_format::qdrant, "qdrant"},
    {export_format::pinecone, "pinecone"},
    {export_format::chroma, "chroma"},
    {export_format::weaviate, "weaviate"},
    {export_format::pgvector, "pgvector"},
};

// One exported vector: a track, or one of its windows.
struct record {
    const catalog_entry* entry = nullptr;
    int window = -1;  // index into entry->windows; -1 for the track's own vector
    const std::vector<float>* vector = nullptr;
    std::string uuid;

    const catalog_window* win() const { return window < 0 ? nullptr : &entry->windows[static_cast<size_t>(window)]; }
};

// Every entry checked before a byte is written: a half-written export would look complete.
std::vector<record> collect(const std::vector<catalog_entry>& entries, bool windows, int64_t& dim) {
    std::vector<record> out;
    dim = 0;
    auto take = [&](const catalog_entry& e, int window, const std::vector<float>& v) {
        if (v.empty()) throw error(error_kind::corrupt_file, e.path + ": has no vector to export");
        if (dim == 0) dim = static_cast<int64_t>(v.size());
        if (static_cast<int64_t>(v.size()) != dim)
            throw error(
                error_kind::corrupt_file,
                e.path + ": vector of " + std::to_string(v.size()) + " values, the others have " + std::to_string(dim));
        for (float x : v)
            if (!std::isfinite(x))
                throw error(error_kind::corrupt_file, e.path + ": vector holds a value that is not finite");
        record r;
        r.entry = &e;
        r.window = window;
        r.vector = &v;
        r.uuid = window < 0 ? name_uuid(e.path)
                            : name_uuid(e.path + "#t=" + number_text(e.windows[static_cast<size_t>(window)].start_seconds));
        out.push_back(std::move(r));
    };
    for (const auto& e : entries) {
        if (e.status != entry_status::ok)
            throw error(error_kind::not_found, e.path + ": failed when indexed, it has no vector to export");
        if (!windows) {
            take(e, -1, e.vector);
            continue;
        }
        if (e.windows.empty() || e.windows.front().vector.empty())
            throw error(error_kind::not_found, e.path + ": the library holds no per-window vectors for this track");
        for (size_t w = 0; w < e.windows.size(); w++) take(e, static_cast<int>(w), e.windows[w].vector);
    }
    return out;
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

json tags_object(const catalog_entry& e) {
    json tags = json::object();
    for (const auto& [key, value] : e.tags) tags[key] = value;
    return tags;
}

// The track's descriptors (sonavec/descriptors.h descriptors_json), or null when it was not analysed.
json descriptors_object(const catalog_entry& e) {
    return e.descriptors ? json::parse(descriptors_json(*e.descriptors)) : json(nullptr);
}

// The inferred labels by taxonomy, most probable first, without their probabilities: what a vector
// database filters on ("inferred.mood" = "calm").
std::map<std::string, std::vector<std::string>> inferred_labels(const catalog_entry& e) {
    std::map<std::string, std::vector<std::string>> out;
    for (const inferred_tag& g : e.inferred) out[g.taxonomy].push_back(g.label);
    return out;
}

// prefix + name as a flat field name ("inferred_mood", "tag_artist"): [_A-Za-z0-9] only, as Weaviate's
// property names must be ([_A-Za-z][_0-9A-Za-z]*; the prefixes start with a letter).
std::string field_name(const std::string& prefix, const std::string& name) {
    std::string out = prefix;
    for (unsigned char c : name) out += std::isalnum(c) && c < 128 ? static_cast<char>(c) : '_';
    return out;
}

std::string inferred_field(const std::string& taxonomy) { return field_name("inferred_", taxonomy); }

// The fields every vector database record carries, flat (no nested objects, no nulls: Pinecone's rule),
// the descriptors among them when the track was analysed.
json flat_metadata(const record& r) {
    const catalog_entry& e = *r.entry;
    json m = json::object();
    m["path"] = e.path;
    if (!is_valid_utf8(e.path)) m["path_bytes_b64"] = base64_encoded(e.path);
    m["file_name"] = file_name(e.path);
    m["duration_seconds"] = e.duration_seconds;
    m["format"] = e.format;
    m["model"] = e.model_id;
    if (const catalog_window* w = r.win()) {
        m["window"] = r.window;
        m["start_seconds"] = w->start_seconds;
        m["length_seconds"] = w->length_seconds;
    }
    const json d = descriptors_object(*r.entry);
    if (d.is_object())
        for (const auto& [key, value] : d.items())
            if (!value.is_null()) m[key] = value;
    return m;
}

// A request body per batch of records: header, records joined by commas, footer. Without batching the
// whole export is one body, a record per line; with it, each body is one line (JSON Lines).
template <typename Body>
void write_bodies(std::ostream& out, const std::vector<record>& records, int64_t batch, Body body) {
    const size_t per = batch > 0 ? static_cast<size_t>(batch) : std::max<size_t>(records.size(), 1);
    const char* sep = batch > 0 ? "" : "\n";
    for (size_t begin = 0; begin < records.size() || begin == 0; begin += per) {
        const size_t end = std::min(records.size(), begin + per);
        body(out, begin, end, sep);
        out << "\n";
        if (records.empty()) break;
    }
}

void write_jsonl(std::ostream& out, const std::vector<record>& records, bool windows) {
    for (const auto& r : records) {
        const catalog_entry& e = *r.entry;
        out << "{\"id\":" << e.id << ",\"path\":" << json_text(e.path) << exact_bytes_member("path", e.path)
            << ",\"filename\":" << json_text(file_name(e.path))
            << ",\"duration_seconds\":" << number_text(e.duration_seconds) << ",\"format\":" << json_text(e.format)
            << ",\"sample_rate\":" << e.sample_rate << ",\"channels\":" << e.channels
            << ",\"model\":" << json_text(e.model_id) << ",\"window_plan\":" << json_text(e.window_plan)
            << ",\"tags\":" << json_text(tags_object(e)) << ",\"inferred\":" << inferred_tags_json(e.inferred)
            << ",\"descriptors\":" << json_text(descriptors_object(e)) << ",\"embedding\":" << vector_text(e.vector);
        if (windows) {
            out << ",\"windows\":[";
            for (size_t i = 0; i < e.windows.size(); i++) {
                const auto& w = e.windows[i];
                out << (i ? "," : "") << "{\"start_seconds\":" << number_text(w.start_seconds)
                    << ",\"length_seconds\":" << number_text(w.length_seconds)
                    << ",\"vector\":" << vector_text(w.vector) << "}";
            }
            out << "]";
        }
        out << "}\n";
    }
}

std::string csv_field(const std::string& s) {
    const std::string text = utf8_text(s);
    const bool quote = text.find_first_of(",\"\r\n") != std::string::npos || (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) return text;
    std::string q = "\"";
    for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

constexpr const char* csv_descriptor_columns[] = {"bpm", "bpm_confidence", "key", "camelot", "key_confidence",
                                                  "loudness_lufs", "loudness_range_lu", "true_peak_dbtp", "energy", "loop"};
constexpr const char* csv_descriptor_header =
    "bpm,bpm_confidence,key,camelot,key_confidence,loudness_lufs,loudness_range_lu,true_peak_dbtp,energy,loop";

// Then the descriptors' columns (empty when the track was not analysed) and the inferred tags as one
// JSON object (empty when there are none).
// The column path_bytes_b64 is empty unless the path is not valid UTF-8 (the path column then
// shows U+FFFD): it keeps the vector columns where they always were.
void write_csv(std::ostream& out, const std::vector<record>& records, bool windows, int64_t dim) {
    out << (windows ? "path,start_seconds,length_seconds" : "path,duration_seconds");
    for (int64_t i = 0; i < dim; i++) out << ",v" << i;
    // Columns added later go after path_bytes_b64, so the vector columns stay where they always were.
    out << ",path_bytes_b64," << csv_descriptor_header << ",inferred\n";
    for (const auto& r : records) {
        out << csv_field(r.entry->path);
        if (const catalog_window* w = r.win())
            out << "," << number_text(w->start_seconds) << "," << number_text(w->length_seconds);
        else
            out << "," << number_text(r.entry->duration_seconds);
        for (float x : *r.vector) out << "," << format_float(x);
        out << "," << (is_valid_utf8(r.entry->path) ? "" : base64_encoded(r.entry->path));
        const json d = descriptors_object(*r.entry);
        for (const char* key : csv_descriptor_columns) {
            out << ",";
            if (d.is_null() || d[key].is_null()) continue;  // empty: not analysed, or no value (no beat, silence)
            out << (d[key].is_string() ? csv_field(d[key].get<std::string>()) : d[key].dump());
        }
        out << "," << (r.entry->inferred.empty() ? std::string() : csv_field(inferred_tags_json(r.entry->inferred))) << "\n";
    }
}

void write_qdrant(std::ostream& out, const std::vector<record>& records, int64_t batch) {
    write_bodies(out, records, batch, [&](std::ostream& o, size_t begin, size_t end, const char* sep) {
        o << "{\"points\":[" << sep;
        for (size_t i = begin; i < end; i++) {
            const record& r = records[i];
            json payload = flat_metadata(r);
            payload["tags"] = tags_object(*r.entry);  // Qdrant filters nested keys: "tags.artist"
            payload["inferred"] = inferred_labels(*r.entry);  // "inferred.mood" matches any of its labels
            o << (i > begin ? "," : "") << (i > begin ? sep : "") << "{\"id\":\"" << r.uuid
              << "\",\"vector\":" << vector_text(*r.vector) << ",\"payload\":" << json_text(payload) << "}";
        }
        o << sep << "]}";
    });
}

// Pinecone refuses a record whose metadata is over 40 KB; tags go in, in key order, while they fit.
constexpr size_t pinecone_metadata_bytes = 40 * 1024;

json pinecone_metadata(const record& r, export_report& report) {
    json m = flat_metadata(r);
    for (const auto& [taxonomy, labels] : inferred_labels(*r.entry)) m[inferred_field(taxonomy)] = labels;  // lists of strings
    size_t size = json_text(m).size();
    for (const auto& [key, value] : r.entry->tags) {
        const std::string name = "tag_" + key;
        const size_t adds = json_text(json(name)).size() + json_text(json(value)).size() + 2;
        if (size + adds > pinecone_metadata_bytes) {
            report.warnings.push_back(r.entry->path + ": tag '" + key +
                                      "' left out of the Pinecone metadata (40 KB per record at most)");
            continue;
        }
        m[name] = value;
        size += adds;
    }
    return m;
}

void write_pinecone(std::ostream& out, const std::vector<record>& records, int64_t batch, export_report& report) {
    write_bodies(out, records, batch, [&](std::ostream& o, size_t begin, size_t end, const char* sep) {
        o << "{\"vectors\":[" << sep;
        for (size_t i = begin; i < end; i++) {
            const record& r = records[i];
            o << (i > begin ? "," : "") << (i > begin ? sep : "") << "{\"id\":\"" << r.uuid
              << "\",\"values\":" << vector_text(*r.vector)
              << ",\"metadata\":" << json_text(pinecone_metadata(r, report)) << "}";
        }
        o << sep << "]}";
    });
}

// Chroma metadata values are flat strings, numbers and booleans; tags become "tag_<key>".
json chroma_metadata(const record& r) {
    json m = flat_metadata(r);
    for (const auto& [key, value] : r.entry->tags) m["tag_" + key] = value;
    for (const auto& [taxonomy, labels] : inferred_labels(*r.entry)) {
        std::string joined;  // flat values only: the labels in one string, most probable first
        for (const auto& l : labels) joined += (joined.empty() ? "" : ", ") + l;
        m[inferred_field(taxonomy)] = joined;
    }
    return m;
}

void write_chroma(std::ostream& out, const std::vector<record>& records, int64_t batch) {
    write_bodies(out, records, batch, [&](std::ostream& o, size_t begin, size_t end, const char* sep) {
        auto list = [&](const char* name, auto item) {
            o << "\"" << name << "\":[" << sep;
            for (size_t i = begin; i < end; i++) o << (i > begin ? "," : "") << (i > begin ? sep : "") << item(records[i]);
            o << sep << "]";
        };
        o << "{";
        list("ids", [](const record& r) { return "\"" + r.uuid + "\""; });
        o << ",";
        list("embeddings", [](const record& r) { return vector_text(*r.vector); });
        o << ",";
        list("metadatas", [](const record& r) { return json_text(chroma_metadata(r)); });
        o << ",";
        list("documents", [](const record& r) { return json_text(json(r.entry->path)); });
        o << "}";
    });
}

void write_weaviate(std::ostream& out, const std::vector<record>& records, int64_t batch) {
    write_bodies(out, records, batch, [&](std::ostream& o, size_t begin, size_t end, const char* sep) {
        o << "{\"objects\":[" << sep;
        for (size_t i = begin; i < end; i++) {
            const record& r = records[i];
            json properties = flat_metadata(r);
            for (const auto& [taxonomy, labels] : inferred_labels(*r.entry)) properties[inferred_field(taxonomy)] = labels;
            for (const auto& [key, value] : r.entry->tags) {
                const std::string name = field_name("tag_", key);
                if (!properties.contains(name)) properties[name] = value;
            }
            o << (i > begin ? "," : "") << (i > begin ? sep : "") << "{\"class\":\""
              << (r.window < 0 ? "AudioTrack" : "AudioWindow") << "\",\"id\":\"" << r.uuid
              << "\",\"vector\":" << vector_text(*r.vector) << ",\"properties\":" << json_text(properties) << "}";
        }
        o << sep << "]}";
    });
}

// A standard SQL string literal: quotes doubled; backslashes are plain characters because the script sets
// standard_conforming_strings. PostgreSQL holds no NUL and only valid UTF-8, so those are replaced.
std::string sql_string(const std::string& s) {
    std::string out = "'";
    for (char c : utf8_text(s)) {
        if (c == '\'') out += "''";
        else if (c == '\0') out += "\xEF\xBF\xBD";
        else out += c;
    }
    return out + "'";
}

// The exact bytes of a path that is not valid UTF-8 (its text column shows U+FFFD), else NULL.
std::string sql_path_bytes(const std::string& path) {
    if (is_valid_utf8(path)) return "''::bytea";  // the text is the path; a key column is never NULL
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "'\\x";
    for (unsigned char c : path) {
        out += digits[c >> 4];
        out += digits[c & 0xf];
    }
    return out + "'::bytea";
}

// For a comment line: nothing that could end it.
std::string comment_text(const std::string& s) {
    std::string out;
    for (unsigned char c : s) out += c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c);
    return out;
}

void write_pgvector(std::ostream& out, const std::vector<record>& records, bool windows, int64_t dim,
                    int64_t batch) {
    const std::string table = windows ? "sonavec_windows" : "sonavec_tracks";
    std::vector<std::string> models;
    for (const auto& r : records)
        if (std::find(models.begin(), models.end(), r.entry->model_id) == models.end()) models.push_back(r.entry->model_id);
    std::string model_list;
    for (const auto& m : models) model_list += (model_list.empty() ? "" : ", ") + comment_text(m);

    out << "-- sonavec export: " << records.size() << (windows ? " analysis windows" : " tracks") << ", " << dim
        << "-d unit vectors (model " << model_list << ")\n"
        << "-- Load with: psql -v ON_ERROR_STOP=1 -f FILE DBNAME   (needs the pgvector extension)\n"
        << "BEGIN;\n"
        << "SET client_encoding = 'UTF8';\n"
        << "SET standard_conforming_strings = on;\n"
        << "CREATE EXTENSION IF NOT EXISTS vector;\n"
        << "CREATE TABLE IF NOT EXISTS " << table << " (\n"
        << "    path text NOT NULL,\n";
    if (windows)
        out << "    window_index integer NOT NULL,\n"
            << "    start_seconds double precision NOT NULL,\n"
            << "    length_seconds double precision NOT NULL,\n";
    out << "    file_name text NOT NULL,\n"
        << "    duration_seconds double precision NOT NULL,\n"
        << "    format text NOT NULL,\n"
        << "    model text NOT NULL,\n"
        << "    tags jsonb NOT NULL,\n"
        << "    inferred jsonb NOT NULL DEFAULT '{}',\n"
        << "    descriptors jsonb,\n"
        << "    embedding vector(" << dim << ") NOT NULL,\n"
        << "    path_bytes bytea NOT NULL\n"
        << ");\n"
        // A table made by an export older than the column gets it.
        << "ALTER TABLE " << table << " ADD COLUMN IF NOT EXISTS path_bytes bytea;\n"
        << "UPDATE " << table << " SET path_bytes = ''::bytea WHERE path_bytes IS NULL;\n"
        << "ALTER TABLE " << table << " ADD COLUMN IF NOT EXISTS inferred jsonb NOT NULL DEFAULT '{}';\n"
        << "ALTER TABLE " << table << " ADD COLUMN IF NOT EXISTS descriptors jsonb;\n"
        // The key: the text alone would let two paths that differ only in bytes that are not UTF-8
        // (both shown with U+FFFD) overwrite each other.
        << "CREATE UNIQUE INDEX IF NOT EXISTS " << table << "_key ON " << table << " ("
        << (windows ? "path, path_bytes, start_seconds" : "path, path_bytes") << ");\n";
    const std::string columns = windows ? "path, path_bytes, window_index, start_seconds, length_seconds, file_name, "
                                          "duration_seconds, format, model, tags, inferred, descriptors, embedding"
                                        : "path, path_bytes, file_name, duration_seconds, format, model, tags, inferred, "
                                          "descriptors, embedding";
    const std::string updates = std::string(windows ? "window_index = EXCLUDED.window_index, "
                                                      "length_seconds = EXCLUDED.length_seconds, "
                                                    : "") +
                                "file_name = EXCLUDED.file_name, duration_seconds = EXCLUDED.duration_seconds, "
                                "format = EXCLUDED.format, model = EXCLUDED.model, tags = EXCLUDED.tags, "
                                "inferred = EXCLUDED.inferred, descriptors = EXCLUDED.descriptors, "
                                "embedding = EXCLUDED.embedding";
    const size_t per = batch > 0 ? static_cast<size_t>(batch) : 1000;
    for (size_t begin = 0; begin < records.size(); begin += per) {
        const size_t end = std::min(records.size(), begin + per);
        out << "INSERT INTO " << table << " (" << columns << ") VALUES\n";
        for (size_t i = begin; i < end; i++) {
            const record& r = records[i];
            const catalog_entry& e = *r.entry;
            out << "(" << sql_string(e.path) << ", " << sql_path_bytes(e.path) << ", ";
            if (const catalog_window* w = r.win())
                out << r.window << ", " << number_text(w->start_seconds) << ", " << number_text(w->length_seconds) << ", ";
            out << sql_string(file_name(e.path)) << ", " << number_text(e.duration_seconds) << ", "
                << sql_string(e.format) << ", " << sql_string(e.model_id) << ", "
                << sql_string(json_text(tags_object(e))) << ", " << sql_string(inferred_tags_json(e.inferred)) << ", "
                << (e.descriptors ? sql_string(descriptors_json(*e.descriptors)) : std::string("NULL")) << ", '"
                << vector_text(*r.vector) << "')"
                << (i + 1 < end ? ",\n" : "\n");
        }
        out << "ON CONFLICT (" << (windows ? "path, path_bytes, start_seconds" : "path, path_bytes") << ") DO UPDATE SET "
            << updates << ";\n";
    }
    out << "-- Nearest neighbours by cosine distance (1 - cosine similarity):\n"
        << "--   SELECT path, 1 - (embedding <=> '[...]') AS score FROM " << table
        << " ORDER BY embedding <=> '[...]' LIMIT 10;\n"
        << "-- For a large table, an approximate index (pgvector 0.5 or later):\n"
        << "--   CREATE INDEX ON " << table << " USING hnsw (embedding vector_cosine_ops);\n"
        << "-- Inferred tags and descriptors (sonavec index --analyze):\n"
        << "--   SELECT path FROM " << table << " WHERE inferred->'mood' @> '[{\"label\": \"calm\"}]'\n"
        << "--     AND (descriptors->>'bpm')::float BETWEEN 118 AND 124 AND descriptors->>'camelot' = '8A';\n"
        << "COMMIT;\n";
}

}  // namespace

export_format parse_export_format(const std::string& name) {
    return parse_name(format_names, name, "export format");
}

std::string export_format_name(export_format format) { return name_of(format_names, format); }

const std::vector<std::string>& export_format_names() {
    static const std::vector<std::string> names = names_of(format_names);
    return names;
}

std::string exact_bytes_member(const std::string& key, const std::string& text) {
    if (is_valid_utf8(text)) return "";
    return ",\"" + key + "_bytes_b64\":\"" + base64_encoded(text) + "\"";
}

std::string desktop_track_name(const std::filesystem::path& path) {
    return has_audio_extension(path) ? path.stem().string() : path.filename().string();
}

void write_desktop_json(std::ostream& out, const std::vector<named_vector>& tracks) {
    out << "[";
    for (size_t i = 0; i < tracks.size(); i++)
        out << (i ? ",\n " : "\n ") << "{\"trackName\": " << json_text(json(tracks[i].name))
            << exact_bytes_member("trackName", tracks[i].name) << ", \"vector\": " << vector_text(*tracks[i].vector) << "}";
    out << (tracks.empty() ? "]\n" : "\n]\n");
}

export_report write_export(std::ostream& out, const std::vector<catalog_entry>& entries, const export_options& options) {
    if (options.format == export_format::npy) throw error(error_kind::invalid_input, "npy is binary: use write_npy");
    if (options.windows && options.format == export_format::json)
        throw error(error_kind::invalid_input,
                    "the json format holds one vector per track; use jsonl, npy, csv or a database format for windows");
    if (options.batch < 0) throw error(error_kind::invalid_input, "a batch size cannot be negative");
    export_report report;
    // jsonl keeps a line per track and lists its windows inside it.
    const bool window_records = options.windows && options.format != export_format::jsonl;
    const std::vector<record> records = collect(entries, window_records, report.dim);
    if (options.windows && !window_records) collect(entries, true, report.dim);  // checks the windows too
    report.records = static_cast<int64_t>(records.size());
    switch (options.format) {
        case export_format::json: {
            std::vector<named_vector> tracks;
            for (const auto& r : records) tracks.push_back({desktop_track_name(r.entry->path), r.vector});
            write_desktop_json(out, tracks);
            break;
        }
        case export_format::jsonl: write_jsonl(out, records, options.windows); break;
        case export_format::csv: write_csv(out, records, options.windows, report.dim); break;
        case export_format::qdrant: write_qdrant(out, records, options.batch); break;
        case export_format::pinecone: write_pinecone(out, records, options.batch, report); break;
        case export_format::chroma: write_chroma(out, records, options.batch); break;
        case export_format::weaviate: write_weaviate(out, records, options.batch); break;
        case export_format::pgvector: write_pgvector(out, records, options.windows, report.dim, options.batch); break;
        case export_format::npy: break;
    }
    return report;
}

export_report write_npy(std::ostream& out, const std::vector<catalog_entry>& entries, bool windows) {
    export_report report;
    const std::vector<record> records = collect(entries, windows, report.dim);
    report.records = static_cast<int64_t>(records.size());
    out << npy_float32_header(report.records, report.dim);
    // A row at a time keeps memory flat however large the library.
    for (const auto& r : records) {
        const std::string row = npy_float32_data(r.vector->data(), r.vector->size());
        out.write(row.data(), static_cast<std::streamsize>(row.size()));
    }
    return report;
}

std::string npy_paths_text(const std::vector<catalog_entry>& entries, bool windows) {
    std::string s;
    for (const auto& e : entries) {
        const size_t rows = windows ? e.windows.size() : 1;
        for (size_t i = 0; i < rows; i++) s += escaped_line(e.path) + "\n";
    }
    return s;
}

std::string npy_derived_text(const std::vector<catalog_entry>& entries, bool windows) {
    std::string s;
    for (const auto& e : entries) {
        const std::string line = "{\"inferred\":" + inferred_tags_json(e.inferred) +
                                 ",\"descriptors\":" + json_text(descriptors_object(e)) + "}\n";
        const size_t rows = windows ? e.windows.size() : 1;
        for (size_t i = 0; i < rows; i++) s += line;
    }
    return s;
}

std::string npy_windows_text(const std::vector<catalog_entry>& entries) {
    std::string s;
    for (const auto& e : entries)
        for (const auto& w : e.windows) s += number_text(w.start_seconds) + "\t" + number_text(w.length_seconds) + "\n";
    return s;
}

}  // namespace sonavec
