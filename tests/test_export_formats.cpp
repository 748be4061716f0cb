// Export formats and the import reader, on catalog entries built here: each format's structure, hostile
// paths and tags, full float precision, round trips, the desktop format, and hostile import files.
#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "library/export_formats.h"
#include "library/import_formats.h"
#include "library/name_uuid.h"
#include "test_data.h"
#include "library_fixtures.h"
#include "util/base64.h"
#include "sonavec/error.h"

using namespace sonavec;
using nlohmann::json;

namespace {

constexpr int64_t dim = 512;

// A subnormal and a negative zero among the values, which the scaling to unit length keeps.
std::vector<float> unit_vector(uint32_t seed) {
    std::vector<float> v = test::random_unit_vector(seed, dim);
    v[0] = 1e-45f;
    v[1] = -0.0f;
    test::normalise(v);
    return v;
}

// Paths and tags that break naive quoting in every format at once.
std::vector<catalog_entry> hostile_entries() {
    std::vector<std::string> paths = test::awkward_paths();
    paths.push_back("/music/new\nline\ttab\r.ogg");
    paths.push_back("=HYPERLINK(\"x\") no extension");
    std::vector<catalog_entry> out;
    for (size_t i = 0; i < paths.size(); i++) {
        catalog_entry e;
        e.id = static_cast<int64_t>(i + 1);
        e.path = paths[i];
        e.duration_seconds = 10.5 * static_cast<double>(i + 1) + 0.123456789;
        e.format = i % 2 ? "flac" : "mp3";
        e.sample_rate = 44100;
        e.channels = 2;
        e.model_id = "laion--clap-htsat-unfused";
        e.window_plan = "seed";
        e.vector = unit_vector(static_cast<uint32_t>(i + 1));
        e.tags = {{"artist", "O'Brien \"DJ\" \\ '); DROP TABLE sonavec_tracks; --"},
                  {"title", "T\xC3\xAFtle\nsecond line"},
                  {"weird key-name!", "v"}};
        for (int w = 0; w < 3; w++) {
            catalog_window win;
            win.start_seconds = 1.5 * w;
            win.length_seconds = 7;
            win.vector = unit_vector(static_cast<uint32_t>(100 * (i + 1) + static_cast<size_t>(w)));
            e.windows.push_back(std::move(win));
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::string export_text(const std::vector<catalog_entry>& entries, export_format format, bool windows = false,
                        int64_t batch = 0, export_report* report = nullptr) {
    std::ostringstream out;
    export_options o;
    o.format = format;
    o.windows = windows;
    o.batch = batch;
    export_report r = write_export(out, entries, o);
    if (report) *report = r;
    return out.str();
}

// Floats as JSON numbers, back to float: must be the same bits.
void expect_same_vector(const json& values, const std::vector<float>& expected, const std::string& what) {
    ASSERT_TRUE(values.is_array()) << what;
    ASSERT_EQ(values.size(), expected.size()) << what;
    for (size_t i = 0; i < expected.size(); i++) {
        const float got = static_cast<float>(values[i].get<double>());
        ASSERT_EQ(std::memcmp(&got, &expected[i], 4), 0) << what << "[" << i << "]: " << got << " vs " << expected[i];
    }
}

void expect_same_floats(const std::vector<float>& got, const std::vector<float>& expected, const std::string& what) {
    ASSERT_EQ(got.size(), expected.size()) << what;
    ASSERT_EQ(std::memcmp(got.data(), expected.data(), 4 * got.size()), 0) << what;
}

// What a JSON encoder makes of a string that may hold bad UTF-8.
std::string as_json_text(const std::string& s) {
    return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

import_result import_text(const std::string& text, const import_options& o = {}) {
    std::istringstream in(text);
    return read_vectors(in, "test.json", o);
}

std::string import_error(const std::string& text, const import_options& o = {}) {
    try {
        import_text(text, o);
    } catch (const error& e) {
        return e.what();
    }
    return "(no error)";
}

// RFC 4180 reader: quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < text.size(); i++) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', i++;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(field), field.clear();
        } else if (c == '\n') {
            rows.back().push_back(field), field.clear();
            rows.emplace_back();
        } else {
            field += c;
        }
    }
    if (rows.back().empty()) rows.pop_back();
    return rows;
}

}  // namespace

TEST(NameUuid, MatchesPythonUuid5InTheDnsNamespace) {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, NAME))"
    EXPECT_EQ(name_uuid(""), "4ebd0208-8328-5d69-8c44-ec50939c0967");
    EXPECT_EQ(name_uuid("/music/a.mp3"), "aa89f4d5-143a-5fea-8cb3-7bae1534dbce");
    EXPECT_EQ(name_uuid(std::string(200, 'x')), "ddcc691a-b8e2-53e5-b059-6a232874b2eb");  // several SHA-1 blocks
    EXPECT_EQ(name_uuid("/m/caf\xC3\xA9 \"q\" \\.flac"), "81508d99-795d-5d23-bbd7-b74c20f64762");
}

TEST(ExportFormats, NamesParseAndUnknownOnesAreListed) {
    for (const auto& name : export_format_names()) EXPECT_EQ(export_format_name(parse_export_format(name)), name);
    try {
        parse_export_format("parquet");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("pgvector"), std::string::npos) << e.what();
    }
}

TEST(ExportFormats, DesktopJsonIsTrackNameAndVector) {
    const auto entries = hostile_entries();
    const json doc = json::parse(export_text(entries, export_format::json));
    ASSERT_EQ(doc.size(), entries.size());
    EXPECT_EQ(doc[0].at("trackName"), "plain");
    EXPECT_EQ(doc[1].at("trackName"), "it's \"quoted\", with\\backslash; DROP TABLE sonavec_tracks; --");
    EXPECT_EQ(doc.back().at("trackName"), "=HYPERLINK(\"x\") no extension");  // no audio extension: kept whole
    for (size_t i = 0; i < entries.size(); i++) {
        EXPECT_EQ(doc[i].size(), 2u);
        expect_same_vector(doc[i].at("vector"), entries[i].vector, entries[i].path);
    }
}

TEST(ExportFormats, JsonlHasEveryFieldAndExactValues) {
    const auto entries = hostile_entries();
    std::istringstream in(export_text(entries, export_format::jsonl));
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
        const json j = json::parse(line);
        const auto& e = entries[n++];
        EXPECT_EQ(j.at("id"), e.id);
        EXPECT_EQ(j.at("path"), e.path);
        EXPECT_EQ(j.at("duration_seconds").get<double>(), e.duration_seconds);
        EXPECT_EQ(j.at("format"), e.format);
        EXPECT_EQ(j.at("model"), e.model_id);
        EXPECT_EQ((j.at("tags").get<std::map<std::string, std::string>>()), e.tags);
        expect_same_vector(j.at("embedding"), e.vector, e.path);
        EXPECT_FALSE(j.contains("windows"));
    }
    EXPECT_EQ(n, entries.size());
}

TEST(ExportFormats, JsonlWithWindowsListsEachWindowsVector) {
    const auto entries = hostile_entries();
    std::istringstream in(export_text(entries, export_format::jsonl, true));
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const json j = json::parse(line);
    ASSERT_EQ(j.at("windows").size(), 3u);
    EXPECT_EQ(j.at("windows")[1].at("start_seconds").get<double>(), 1.5);
    expect_same_vector(j.at("windows")[2].at("vector"), entries[0].windows[2].vector, "window 2");
}

TEST(ExportFormats, CsvHasAColumnPerDimensionAndQuotesHostilePaths) {
    const auto entries = hostile_entries();
    const auto rows = parse_csv(export_text(entries, export_format::csv));
    ASSERT_EQ(rows.size(), entries.size() + 1);
    // path, duration, the vector, path_bytes_b64, then the 10 descriptor columns and inferred (empty here).
    ASSERT_EQ(rows[0].size(), static_cast<size_t>(dim + 3 + 11));
    EXPECT_EQ(rows[0][0], "path");
    EXPECT_EQ(rows[0][1], "duration_seconds");
    EXPECT_EQ(rows[0][2], "v0");
    EXPECT_EQ(rows[0][dim + 1], "v511");
    EXPECT_EQ(rows[0][dim + 2], "path_bytes_b64");
    EXPECT_EQ(rows[0][dim + 3], "bpm");
    EXPECT_EQ(rows[0].back(), "inferred");
    for (size_t i = 0; i < entries.size(); i++) {
        const auto& row = rows[i + 1];
        ASSERT_EQ(row.size(), rows[0].size()) << entries[i].path;
        EXPECT_EQ(row[0], entries[i].path);
        EXPECT_EQ(std::stod(row[1]), entries[i].duration_seconds);
        std::vector<float> v;
        for (size_t c = 2; c < static_cast<size_t>(dim) + 2; c++) v.push_back(std::strtof(row[c].c_str(), nullptr));
        expect_same_floats(v, entries[i].vector, entries[i].path);
        EXPECT_EQ(row[dim + 2], "") << "a valid UTF-8 path needs no bytes column";
        for (size_t c = dim + 3; c < row.size(); c++) EXPECT_EQ(row[c], "") << "not analysed, no tags: column " << c;
    }
}

TEST(ExportFormats, CsvWithWindowsHasARowPerWindow) {
    const auto rows = parse_csv(export_text(hostile_entries(), export_format::csv, true));
    ASSERT_EQ(rows.size(), hostile_entries().size() * 3 + 1);
    EXPECT_EQ(rows[0][1], "start_seconds");
    EXPECT_EQ(rows[0][2], "length_seconds");
    EXPECT_EQ(rows[2][1], "1.5");
}

TEST(ExportFormats, QdrantPointsHaveUuidIdsVectorsAndPayloads) {
    const auto entries = hostile_entries();
    const json doc = json::parse(export_text(entries, export_format::qdrant));
    ASSERT_EQ(doc.size(), 1u);
    const json& points = doc.at("points");
    ASSERT_EQ(points.size(), entries.size());
    const std::regex uuid(R"([0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
    for (size_t i = 0; i < entries.size(); i++) {
        const json& p = points[i];
        EXPECT_TRUE(std::regex_match(p.at("id").get<std::string>(), uuid)) << p.at("id");
        EXPECT_EQ(p.at("id"), name_uuid(entries[i].path));
        expect_same_vector(p.at("vector"), entries[i].vector, entries[i].path);
        EXPECT_EQ(p.at("payload").at("path"), as_json_text(entries[i].path));
        EXPECT_EQ(p.at("payload").at("tags").at("artist"), entries[i].tags.at("artist"));
        EXPECT_EQ(p.at("payload").at("duration_seconds").get<double>(), entries[i].duration_seconds);
    }
}

TEST(ExportFormats, PineconeMetadataIsFlatWithoutNulls) {
    auto entries = hostile_entries();
    entries[0].tags["lyrics"] = std::string(50 * 1024, 'a');  // over Pinecone's 40 KB per record
    export_report report;
    const json doc = json::parse(export_text(entries, export_format::pinecone, false, 0, &report));
    const json& vectors = doc.at("vectors");
    ASSERT_EQ(vectors.size(), entries.size());
    for (size_t i = 0; i < entries.size(); i++) {
        const json& v = vectors[i];
        EXPECT_EQ(v.at("id"), name_uuid(entries[i].path));
        expect_same_vector(v.at("values"), entries[i].vector, entries[i].path);
        for (const auto& [key, value] : v.at("metadata").items())
            EXPECT_TRUE(value.is_string() || value.is_number() || value.is_boolean()) << key;
        EXPECT_EQ(v.at("metadata").at("tag_artist"), entries[i].tags.at("artist"));
        EXPECT_LE(v.at("metadata").dump().size(), 40u * 1024);
    }
    EXPECT_FALSE(vectors[0].at("metadata").contains("tag_lyrics"));
    ASSERT_EQ(report.warnings.size(), 1u);
    EXPECT_NE(report.warnings[0].find("lyrics"), std::string::npos);
}

TEST(ExportFormats, ChromaListsLineUp) {
    const auto entries = hostile_entries();
    const json doc = json::parse(export_text(entries, export_format::chroma));
    for (const char* key : {"ids", "embeddings", "metadatas", "documents"}) ASSERT_EQ(doc.at(key).size(), entries.size()) << key;
    for (size_t i = 0; i < entries.size(); i++) {
        EXPECT_EQ(doc["ids"][i], name_uuid(entries[i].path));
        expect_same_vector(doc["embeddings"][i], entries[i].vector, entries[i].path);
        EXPECT_EQ(doc["documents"][i], as_json_text(entries[i].path));
        EXPECT_EQ(doc["metadatas"][i].at("tag_title"), entries[i].tags.at("title"));
        for (const auto& [key, value] : doc["metadatas"][i].items()) EXPECT_FALSE(value.is_object() || value.is_null()) << key;
    }
}

TEST(ExportFormats, WeaviateObjectsHaveValidPropertyNames) {
    const auto entries = hostile_entries();
    const json doc = json::parse(export_text(entries, export_format::weaviate));
    const std::regex property("[_A-Za-z][_0-9A-Za-z]*");
    ASSERT_EQ(doc.at("objects").size(), entries.size());
    for (size_t i = 0; i < entries.size(); i++) {
        const json& o = doc["objects"][i];
        EXPECT_EQ(o.at("class"), "AudioTrack");
        EXPECT_EQ(o.at("id"), name_uuid(entries[i].path));
        expect_same_vector(o.at("vector"), entries[i].vector, entries[i].path);
        for (const auto& [key, value] : o.at("properties").items()) EXPECT_TRUE(std::regex_match(key, property)) << key;
        EXPECT_EQ(o.at("properties").at("tag_weird_key_name_"), "v");
    }
}

TEST(ExportFormats, BatchesAreOneRequestBodyPerLine) {
    const auto entries = hostile_entries();
    for (auto format : {export_format::qdrant, export_format::pinecone, export_format::chroma, export_format::weaviate}) {
        std::istringstream in(export_text(entries, format, false, 3));
        std::string line;
        std::vector<size_t> sizes;
        while (std::getline(in, line)) {
            const json body = json::parse(line);
            const json& list = body.contains("points")    ? body["points"]
                               : body.contains("vectors") ? body["vectors"]
                               : body.contains("ids")     ? body["ids"]
                                                          : body["objects"];
            sizes.push_back(list.size());
        }
        EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 2})) << export_format_name(format);
    }
}

TEST(ExportFormats, WindowRecordsHaveTheirOwnIds) {
    const auto entries = hostile_entries();
    const json doc = json::parse(export_text(entries, export_format::qdrant, true));
    ASSERT_EQ(doc.at("points").size(), 3 * entries.size());
    std::set<std::string> ids;
    for (const auto& p : doc["points"]) ids.insert(p.at("id").get<std::string>());
    EXPECT_EQ(ids.size(), 3 * entries.size());
    EXPECT_EQ(doc["points"][1].at("id"), name_uuid(entries[0].path + "#t=1.5"));
    EXPECT_EQ(doc["points"][1].at("payload").at("start_seconds").get<double>(), 1.5);
    expect_same_vector(doc["points"][1].at("vector"), entries[0].windows[1].vector, "window");

    const json objects = json::parse(export_text(entries, export_format::weaviate, true));
    EXPECT_EQ(objects["objects"][0].at("class"), "AudioWindow");
}

TEST(ExportFormats, PgvectorScriptIsOneTransactionWithEscapedLiterals) {
    const auto entries = hostile_entries();
    const std::string sql = export_text(entries, export_format::pgvector);
    EXPECT_EQ(sql.find("BEGIN;\n"), sql.find('\n', sql.find("-- Load")) + 1);
    EXPECT_NE(sql.find("SET standard_conforming_strings = on;"), std::string::npos);
    EXPECT_NE(sql.find("CREATE EXTENSION IF NOT EXISTS vector;"), std::string::npos);
    EXPECT_NE(sql.find("embedding vector(512) NOT NULL"), std::string::npos);
    EXPECT_NE(sql.find("'/music/it''s \"quoted\", with\\backslash; DROP TABLE sonavec_tracks; --.flac'"), std::string::npos);
    EXPECT_NE(sql.find("'/music/new\nline\ttab\r.ogg'"), std::string::npos);
    EXPECT_NE(sql.find("ON CONFLICT (path, path_bytes) DO UPDATE"), std::string::npos);
    EXPECT_EQ(sql.substr(sql.size() - 8), "COMMIT;\n");
    // Comment lines cannot be ended early by a model name.
    auto hostile_model = entries;
    hostile_model[0].model_id = "m\nDROP TABLE x; --";
    const std::string sql2 = export_text(hostile_model, export_format::pgvector);
    EXPECT_NE(sql2.find("(model m?DROP TABLE x; --, laion--clap-htsat-unfused)\n"), std::string::npos);
    // Every INSERT holds at most `batch` rows.
    const std::string sql3 = export_text(entries, export_format::pgvector, false, 3);
    size_t inserts = 0;
    for (size_t at = sql3.find("INSERT INTO"); at != std::string::npos; at = sql3.find("INSERT INTO", at + 1)) inserts++;
    EXPECT_EQ(inserts, 3u);
}

TEST(ExportFormats, NpyIsTheMatrixWithPathsBeside) {
    const auto entries = hostile_entries();
    std::ostringstream out;
    const export_report report = write_npy(out, entries, false);
    EXPECT_EQ(report.records, static_cast<int64_t>(entries.size()));
    const std::string bytes = out.str();
    ASSERT_EQ(bytes.substr(0, 6), "\x93NUMPY");
    const size_t header = 10 + static_cast<uint8_t>(bytes[8]) + 256 * static_cast<uint8_t>(bytes[9]);
    EXPECT_NE(bytes.substr(0, header).find("'shape': (" + std::to_string(entries.size()) + ", 512)"), std::string::npos);
    ASSERT_EQ(bytes.size(), header + entries.size() * 512 * 4);
    for (size_t i = 0; i < entries.size(); i++) {
        std::vector<float> row(dim);
        std::memcpy(row.data(), bytes.data() + header + i * dim * 4, dim * 4);
        expect_same_floats(row, entries[i].vector, entries[i].path);
    }
    EXPECT_EQ(npy_paths_text({entries[0]}, false), "/music/plain.mp3\n");
    EXPECT_EQ(npy_paths_text({entries[0]}, true), "/music/plain.mp3\n/music/plain.mp3\n/music/plain.mp3\n");
    EXPECT_EQ(npy_windows_text({entries[0]}), "0.0\t7.0\n1.5\t7.0\n3.0\t7.0\n");
}

TEST(ExportFormats, RefusesWhatItCannotWriteBeforeWritingAnything) {
    auto entries = hostile_entries();
    entries[3].vector.resize(256);
    std::ostringstream out;
    EXPECT_THROW(write_export(out, entries, {export_format::jsonl, false, 0}), error);
    EXPECT_TRUE(out.str().empty());
    entries = hostile_entries();
    entries[2].status = entry_status::failed;
    EXPECT_THROW(write_export(out, entries, {export_format::csv, false, 0}), error);
    entries = hostile_entries();
    entries[1].windows.clear();
    EXPECT_THROW(write_export(out, entries, {export_format::csv, true, 0}), error);
    EXPECT_THROW(write_export(out, entries, {export_format::json, true, 0}), error);  // one vector per track
    EXPECT_TRUE(out.str().empty());
}

// Paths are bytes: one that is not UTF-8 (0xff, Latin-1), and one with a newline and a backslash.
std::vector<catalog_entry> byte_path_entries() {
    auto entries = hostile_entries();
    entries.resize(2);
    const std::vector<std::string> paths = {"/music/bad\xff\xfe name.wav", "/music/new\nline\\back.wav",
                                            "/music/latin1 caf\xe9.flac"};
    for (size_t i = 0; i < paths.size(); i++) {
        catalog_entry e = entries[0];
        e.id = static_cast<int64_t>(10 + i);
        e.path = paths[i];
        e.vector = unit_vector(static_cast<uint32_t>(50 + i));
        entries.push_back(std::move(e));
    }
    return entries;
}

bool utf8(const std::string& s) {
    try {
        (void)json(s).dump();
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

// A record's text field shows U+FFFD where the path is not UTF-8; the bytes field holds the exact bytes
// then, and is absent otherwise.
void expect_exact_bytes(const json& record, const std::string& key, const std::string& bytes, const std::string& what) {
    EXPECT_EQ(record.at(key), as_json_text(bytes)) << what;
    if (utf8(bytes)) {
        EXPECT_FALSE(record.contains(key + "_bytes_b64")) << what;
    } else {
        ASSERT_TRUE(record.contains(key + "_bytes_b64")) << what;
        EXPECT_EQ(base64_decoded(record.at(key + "_bytes_b64").get<std::string>()), bytes) << what;
    }
}

TEST(ExportFormats, PathsThatAreNotUtf8TravelAsTheirExactBytes) {
    const auto entries = byte_path_entries();
    ASSERT_FALSE(utf8(entries[2].path));
    ASSERT_FALSE(utf8(entries[4].path));

    std::istringstream lines(export_text(entries, export_format::jsonl));
    std::string line;
    for (size_t i = 0; std::getline(lines, line); i++) expect_exact_bytes(json::parse(line), "path", entries[i].path, "jsonl");

    const json desktop = json::parse(export_text(entries, export_format::json));
    for (size_t i = 0; i < entries.size(); i++)
        expect_exact_bytes(desktop[i], "trackName", desktop_track_name(entries[i].path), "json");

    const json qdrant = json::parse(export_text(entries, export_format::qdrant)).at("points");
    const json pinecone = json::parse(export_text(entries, export_format::pinecone)).at("vectors");
    const json chroma = json::parse(export_text(entries, export_format::chroma)).at("metadatas");
    const json weaviate = json::parse(export_text(entries, export_format::weaviate)).at("objects");
    for (size_t i = 0; i < entries.size(); i++) {
        const std::string& path = entries[i].path;
        expect_exact_bytes(qdrant[i].at("payload"), "path", path, "qdrant");
        expect_exact_bytes(pinecone[i].at("metadata"), "path", path, "pinecone");
        expect_exact_bytes(chroma[i], "path", path, "chroma");
        expect_exact_bytes(weaviate[i].at("properties"), "path", path, "weaviate");
        // Ids come from the exact bytes: two paths that differ only in bytes that are not UTF-8 differ.
        EXPECT_EQ(qdrant[i].at("id"), name_uuid(path));
        EXPECT_EQ(weaviate[i].at("id"), name_uuid(path));
    }
    EXPECT_NE(name_uuid(entries[2].path), name_uuid(as_json_text(entries[2].path)));

    const auto rows = parse_csv(export_text(entries, export_format::csv));
    ASSERT_EQ(rows.size(), entries.size() + 1);
    for (size_t i = 0; i < entries.size(); i++) {
        EXPECT_EQ(rows[i + 1][0], as_json_text(entries[i].path));
        EXPECT_EQ(rows[i + 1][dim + 2], utf8(entries[i].path) ? "" : base64_encoded(entries[i].path)) << i;
    }

    // pgvector: a bytea column holds the bytes (empty for UTF-8 paths) and is part of the key; tables of
    // older exports get it.
    const std::string sql = export_text(entries, export_format::pgvector);
    EXPECT_NE(sql.find("ALTER TABLE sonavec_tracks ADD COLUMN IF NOT EXISTS path_bytes bytea;\n"), std::string::npos);
    EXPECT_NE(sql.find("'/music/bad\xEF\xBF\xBD\xEF\xBF\xBD name.wav', '\\x2f6d757369632f626164fffe206e616d652e776176'::bytea, "),
              std::string::npos) << sql.substr(0, 2000);
    EXPECT_NE(sql.find("'/music/plain.mp3', ''::bytea, "), std::string::npos);
    EXPECT_NE(sql.find("CREATE UNIQUE INDEX IF NOT EXISTS sonavec_tracks_key ON sonavec_tracks (path, path_bytes);"),
              std::string::npos);
    EXPECT_NE(sql.find("ON CONFLICT (path, path_bytes) DO UPDATE"), std::string::npos);

    // The npy paths file: a line per row, with backslash escapes.
    const std::string paths = npy_paths_text(entries, false);
    EXPECT_EQ(std::count(paths.begin(), paths.end(), '\n'), static_cast<long>(entries.size()));
    EXPECT_NE(paths.find("\n/music/bad\\xff\\xfe name.wav\n/music/new\\nline\\\\back.wav\n/music/latin1 caf\\xe9.flac\n"),
              std::string::npos) << paths;
    const std::string window_paths = npy_paths_text(entries, true);
    EXPECT_EQ(std::count(window_paths.begin(), window_paths.end(), '\n'), static_cast<long>(3 * entries.size()));
}

TEST(Import, PathBytesRoundTripTheExactPath) {
    const auto entries = byte_path_entries();
    const import_result r = import_text(export_text(entries, export_format::jsonl));
    ASSERT_EQ(r.entries.size(), entries.size());
    for (size_t i = 0; i < entries.size(); i++) EXPECT_EQ(r.entries[i].path, entries[i].path);
    // Exported again, the same fields.
    std::istringstream again(export_text(r.entries, export_format::jsonl)), first(export_text(entries, export_format::jsonl));
    for (std::string a, b; std::getline(again, a) && std::getline(first, b);)
        EXPECT_EQ(json::parse(a).value("path_bytes_b64", ""), json::parse(b).value("path_bytes_b64", ""));
    // Two paths that differ only in bytes that are not UTF-8 stay two tracks (their text fields are equal).
    auto twins = entries;
    twins[3].path = "/music/bad\xfe\xff name.wav";
    const import_result t = import_text(export_text(twins, export_format::jsonl));
    EXPECT_EQ(t.entries[3].path, twins[3].path);
    // The desktop format's names.
    import_options o;
    o.model_id = "m";
    const import_result d = import_text(export_text(entries, export_format::json), o);
    for (size_t i = 0; i < entries.size(); i++) EXPECT_EQ(d.entries[i].path, desktop_track_name(entries[i].path));
}

TEST(Import, BadPathBytesAreRefused) {
    const std::string v = json(unit_vector(3)).dump();
    auto record = [&](const std::string& bytes_field) {
        return "{\"path\": \"/m/x.wav\", \"path_bytes_b64\": " + bytes_field + ", \"model\": \"m\", \"embedding\": " + v + "}\n";
    };
    EXPECT_NE(import_error(record("\"not base64!\"")).find("line 1: \"path_bytes_b64\" is not base64"), std::string::npos);
    EXPECT_NE(import_error(record("42")).find("\"path_bytes_b64\" is not a string"), std::string::npos);
    EXPECT_NE(import_error(record("\"" + base64_encoded(std::string("a\0b", 3)) + "\"")).find("NUL"), std::string::npos);
    EXPECT_NE(import_error(record("\"\"")).find("\"path\" is empty"), std::string::npos);
    EXPECT_NE(import_error(record("\"" + base64_encoded(std::string(5000, 'a')) + "\"")).find("longer"), std::string::npos);
}

TEST(Import, DesktopFormatNeedsOnlyTrackNameAndVector) {
    const auto v = unit_vector(7);
    std::string text = "[{\"trackName\": \"Kick 01\", \"vector\": " + json(v).dump() + "},\n" +
                       " {\"trackName\": \"Kick 01\", \"vector\": " + json(unit_vector(8)).dump() + "},\n" +
                       " {\"trackName\": \"Kick 01 (2)\", \"vector\": " + json(unit_vector(9)).dump() + "}]";
    import_options o;
    o.model_id = "laion--clap-htsat-unfused";
    const import_result r = import_text(text, o);
    ASSERT_EQ(r.entries.size(), 3u);
    EXPECT_EQ(r.dim, 512);
    EXPECT_EQ(r.renamed, 2);
    EXPECT_EQ(r.entries[0].path, "Kick 01");
    EXPECT_EQ(r.entries[1].path, "Kick 01 (2)");
    EXPECT_EQ(r.entries[2].path, "Kick 01 (2) (2)");
    EXPECT_EQ(r.entries[0].window_plan, "import");
    EXPECT_EQ(r.entries[0].model_id, "laion--clap-htsat-unfused");
    EXPECT_EQ(r.entries[0].status, entry_status::ok);
    expect_same_floats(r.entries[0].vector, v, "vector");
}

TEST(Import, JsonRoundTripGivesIdenticalVectors) {
    const auto entries = hostile_entries();
    const import_result r = import_text(export_text(entries, export_format::json));
    ASSERT_EQ(r.entries.size(), entries.size());
    EXPECT_EQ(r.normalised, 0);
    for (size_t i = 0; i < entries.size(); i++) {
        EXPECT_EQ(r.entries[i].path, desktop_track_name(entries[i].path));
        expect_same_floats(r.entries[i].vector, entries[i].vector, entries[i].path);
    }
    // And again: the json of the imported entries is the same file.
    EXPECT_EQ(export_text(r.entries, export_format::json), export_text(entries, export_format::json));
}

TEST(Import, JsonlRoundTripKeepsEverything) {
    const auto entries = hostile_entries();
    for (bool windows : {false, true}) {
        const import_result r = import_text(export_text(entries, export_format::jsonl, windows));
        ASSERT_EQ(r.entries.size(), entries.size());
        for (size_t i = 0; i < entries.size(); i++) {
            const auto& got = r.entries[i];
            const auto& want = entries[i];
            EXPECT_EQ(got.path, as_json_text(want.path));
            EXPECT_EQ(got.duration_seconds, want.duration_seconds);
            EXPECT_EQ(got.format, want.format);
            EXPECT_EQ(got.sample_rate, want.sample_rate);
            EXPECT_EQ(got.channels, want.channels);
            EXPECT_EQ(got.model_id, want.model_id);
            EXPECT_EQ(got.tags, want.tags);
            expect_same_floats(got.vector, want.vector, want.path);
            ASSERT_EQ(got.windows.size(), windows ? 3u : 0u);
            for (size_t w = 0; w < got.windows.size(); w++) {
                EXPECT_EQ(got.windows[w].start_seconds, want.windows[w].start_seconds);
                expect_same_floats(got.windows[w].vector, want.windows[w].vector, "window");
            }
        }
    }
}

TEST(Import, ModelOptionOverridesTheFile) {
    import_options o;
    o.model_id = "mine";
    const import_result r = import_text(export_text(hostile_entries(), export_format::jsonl), o);
    EXPECT_EQ(r.entries[0].model_id, "mine");
}

TEST(Import, EmbedJsonlWithAWindowCountIsRead) {
    const std::string line = "{\"filename\":\"a.wav\",\"path\":\"/m/a.wav\",\"duration_seconds\":3.5,\"sample_rate\":48000,"
                             "\"channels\":1,\"windows\":3,\"embedding\":" + json(unit_vector(3)).dump() +
                             ",\"tags\":{\"Title\":\"A\",\"year\":2004,\"empty\":null}}\r\n";
    const import_result r = import_text("\xEF\xBB\xBF\n\n" + line);  // a byte order mark and CRLF too
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].path, "/m/a.wav");
    EXPECT_EQ(r.entries[0].sample_rate, 48000);
    EXPECT_TRUE(r.entries[0].windows.empty());
    EXPECT_EQ(r.entries[0].tags, (std::map<std::string, std::string>{{"title", "A"}, {"year", "2004"}}));
}

TEST(Import, NonUnitVectorsAreNormalised) {
    const import_result r = import_text("[{\"trackName\": \"a\", \"vector\": [3, 4]}, {\"trackName\": \"b\", \"vector\": [0.6, 0.8]}]");
    EXPECT_EQ(r.normalised, 1);
    EXPECT_EQ(r.entries[0].vector, (std::vector<float>{0.6f, 0.8f}));
}

TEST(Import, HostileFilesAreRefusedWithWhereAndWhat) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not_json.json", "not valid JSON (in element 2): parse error at line 2, column 37: syntax error"},
        {"mixed_dims.jsonl", "line 2: \"embedding\" has 3 values, the first vector had 4"},
        {"infinite_value.json", "element 2: \"vector\"[0] is not a finite float"},
        {"zero_vector.json", "element 1: \"vector\" is all zeros"},
        {"not_objects.json", "element 1: expected a JSON object"},
        {"truncated.jsonl", "line 2: not valid JSON"},
        {"duplicate_path.jsonl", "line 3: path \"/m/a.wav\" is also at line 1"},
        {"nul_in_path.jsonl", "line 1: \"path\" holds a NUL character"},
        {"nested_tag.jsonl", "line 1: tag \"artist\" is not text, a number or a boolean"},
        {"vector_as_text.json", "element 1: \"vector\" is not an array of numbers"},
        {"deep_nesting.json", "element 1: nested deeper than a vectors record can be"},
        {"binary.json", "neither a JSON array nor JSON Lines"},
        {"empty_array.json", "holds no vectors"},
    };
    for (const auto& [file, expected] : cases) {
        const auto path = test::data_dir() / "corrupt" / "import" / file;
        try {
            read_vectors_file(path, {});
            ADD_FAILURE() << file << " was accepted";
        } catch (const error& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.rfind(path.string() + ": ", 0), 0u) << what;
            EXPECT_NE(what.find(expected), std::string::npos) << file << ": " << what;
        }
    }
}

TEST(Import, SizeLimitsHoldBeforeParsing) {
    const auto file = test::data_dir() / "corrupt" / "import" / "mixed_dims.jsonl";
    import_options small;
    small.max_file_bytes = 50;
    EXPECT_THROW(read_vectors_file(file, small), error);
    small = {};
    small.max_line_bytes = 20;
    EXPECT_NE(import_error("{\"path\": \"/m/a.wav\", \"embedding\": [1]}\n", small).find("line 1 is longer than 20 bytes"),
              std::string::npos);
    small = {};
    small.max_dim = 2;
    EXPECT_NE(import_error("[{\"trackName\": \"a\", \"vector\": [1, 0, 0]}]", small).find("more than 2"), std::string::npos);
    // A record too large to hold is refused while it is parsed.
    std::string huge = "[{\"trackName\": \"a\", \"vector\": [1";
    for (int i = 0; i < (4 << 20); i++) huge += ",0";
    huge += "]}]";
    EXPECT_NE(import_error(huge).find("element 1: more than 4194304 values in one record"), std::string::npos);
    EXPECT_NE(import_error("").find("is empty"), std::string::npos);
    EXPECT_NE(import_error("{\"path\": \"a\",\n \"vector\": [1]}").find("line 1: not valid JSON (JSON Lines needs one"),
              std::string::npos);
}
