// Export formats proven by their real consumers, through the sonavec command: a library is built by
// importing vectors (no model needed), then
//   - the pgvector SQL is loaded with psql into a PostgreSQL server this test starts, and read back;
//   - the npy export is loaded by numpy;
//   - the json export is imported into a second library and exported again.
// Debian 12 packages no pgvector. When the server has no `vector` extension, the test installs a
// stand-in type named `vector` that keeps its text as given: the export still loads unmodified, and
// the check covers the SQL and its literals (paths, tags, vector text), not pgvector's own parser.
// With the real extension, a <=> nearest-neighbour query is also checked against our scores.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <sstream>
#include <unistd.h>

#include "cli_run.h"
#include "test_data.h"
#include "library_fixtures.h"
#include "util/base64.h"
#include "sonavec/float_text.h"

using namespace sonavec;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int dim = 512;

using test::quoted;

std::vector<float> unit_vector(uint32_t seed) { return test::random_unit_vector(seed, dim); }

std::string vector_json(const std::vector<float>& v) { return json_vector(v.data(), static_cast<int64_t>(v.size())); }

struct track {
    std::string path;
    std::map<std::string, std::string> tags;
    std::vector<float> vector;
    std::vector<std::vector<float>> windows;
};

// Paths and tags that break naive quoting: SQL quotes, backslashes, unicode, newlines, JSON syntax.
const std::vector<track>& tracks() {
    static const std::vector<track> all = [] {
        const std::vector<std::string>& paths = test::awkward_paths();
        std::vector<track> out;
        for (size_t i = 0; i < paths.size(); i++) {
            track t;
            t.path = paths[i];
            t.tags = {{"artist", "O'Brien \\ \"DJ\" '); DROP TABLE x; --"}, {"title", "T\xC3\xAFtle " + std::to_string(i)}};
            t.vector = unit_vector(static_cast<uint32_t>(i + 1));
            for (uint32_t w = 0; w < 2; w++) t.windows.push_back(unit_vector(static_cast<uint32_t>(100 * i + w + 7)));
            out.push_back(std::move(t));
        }
        return out;
    }();
    return all;
}

// A library holding tracks(), built with `sonavec import` from JSON Lines.
const fs::path& library() {
    static const fs::path lib = [] {
        std::string jsonl;
        for (const auto& t : tracks()) {
            json tags(t.tags);
            jsonl += "{\"path\":" + json(t.path).dump() + ",\"duration_seconds\":12.25,\"format\":\"wav\",\"tags\":" +
                     tags.dump() + ",\"embedding\":" + vector_json(t.vector) + ",\"windows\":[";
            for (size_t w = 0; w < t.windows.size(); w++)
                jsonl += (w ? "," : "") + std::string("{\"start_seconds\":") + std::to_string(3 * w) +
                         ",\"length_seconds\":7,\"vector\":" + vector_json(t.windows[w]) + "}";
            jsonl += "]}\n";
        }
        const fs::path file = test::scratch_dir() / "tracks.jsonl";
        test::write_file(file, jsonl);
        const fs::path dir = test::scratch_dir() / "library";
        const test::cli_result r = test::run_cli("import --library " + quoted(dir) + " --model-id test-model " + quoted(file));
        EXPECT_EQ(r.code, 0) << r.err;
        return dir;
    }();
    return lib;
}

const track* find_track(const std::string& path) {
    for (const auto& t : tracks())
        if (t.path == path) return &t;
    return nullptr;
}

void expect_same_floats(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), 4 * got.size()), 0) << what;
}

std::vector<float> parse_vector_text(const std::string& text) {
    std::vector<float> v;
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') return v;
    std::istringstream in(text.substr(1, text.size() - 2));
    std::string item;
    while (std::getline(in, item, ',')) v.push_back(std::strtof(item.c_str(), nullptr));
    return v;
}

// ---- a throwaway PostgreSQL server ----

fs::path postgres_bin_dir() {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& d : fs::directory_iterator("/usr/lib/postgresql", ec))
        if (fs::exists(d.path() / "bin" / "initdb") && fs::exists(d.path() / "bin" / "psql")) found.push_back(d.path() / "bin");
    std::sort(found.begin(), found.end());
    return found.empty() ? fs::path() : found.back();
}

// Reads the SQL and its vector text back; see the file comment.
const char* const vector_stand_in_sql = R"sql(
CREATE TYPE vector;
CREATE FUNCTION vector_in(cstring) RETURNS vector AS 'textin' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION vector_out(vector) RETURNS cstring AS 'textout' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION vector_typmod_in(cstring[]) RETURNS integer AS 'varchartypmodin' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE vector (INPUT = vector_in, OUTPUT = vector_out, TYPMOD_IN = vector_typmod_in,
                    INTERNALLENGTH = VARIABLE, STORAGE = extended);
-- So that the export's CREATE EXTENSION IF NOT EXISTS vector finds one and does nothing.
INSERT INTO pg_extension (oid, extname, extowner, extnamespace, extrelocatable, extversion)
VALUES (99999, 'vector', 10, 2200, true, 'sonavec test stand-in');
)sql";

class postgres_server {
public:
    bool start(std::string& why_not) {
        bin_ = postgres_bin_dir();
        if (bin_.empty()) {
            why_not = "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (Debian package postgresql)";
            return false;
        }
        dir_ = test::scratch_dir() / "pg";
        fs::create_directories(dir_);
        // The server refuses to run as root: as root, run it as the postgres (or nobody) user.
        if (geteuid() == 0) {
            const char* user = getpwnam("postgres") ? "postgres" : "nobody";
            const passwd* pw = getpwnam(user);
            if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                why_not = "running as root, and cannot hand a data folder to an unprivileged user";
                return false;
            }
            // From a folder that user may enter: initdb and pg_ctl look up the current one.
            as_user_ = "cd " + quoted(dir_) + " && runuser -u " + user + " -- ";
        }
        const test::cli_result init = test::run_shell(as_user_ + quoted(bin_ / "initdb") + " -D " + quoted(dir_ / "data") +
                                  " -U postgres -A trust -E UTF8 --locale=C --no-sync");
        if (init.code != 0) {
            why_not = "initdb failed: " + init.err;
            return false;
        }
        const std::string options = "-k " + dir_.string() + " -c listen_addresses= -p 5432 -F";
        const test::cli_result start = test::run_shell(as_user_ + quoted(bin_ / "pg_ctl") + " -D " + quoted(dir_ / "data") + " -l " +
                                   quoted(dir_ / "server.log") + " -w -t 30 -o " + quoted(fs::path(options)) + " start");
        if (start.code != 0) {
            why_not = "the server did not start: " + start.err + test::read_file(dir_ / "server.log");
            return false;
        }
        running_ = true;
        return true;
    }

    ~postgres_server() {
        if (running_) test::run_shell(as_user_ + quoted(bin_ / "pg_ctl") + " -D " + quoted(dir_ / "data") + " -m immediate stop");
    }

    test::cli_result psql(const std::string& args) const {
        return test::run_shell(quoted(bin_ / "psql") + " -h " + quoted(dir_) + " -p 5432 -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 " + args);
    }
    test::cli_result sql_file(const fs::path& file) const { return psql("-f " + quoted(file)); }
    // One value: the query's only row and column.
    std::string value(const std::string& query) const {
        const test::cli_result r = psql("-At -c " + quoted(fs::path(query)));
        EXPECT_EQ(r.code, 0) << query << "\n" << r.err;
        std::string out = r.out;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    }

private:
    fs::path bin_, dir_;
    std::string as_user_;
    bool running_ = false;
};

}  // namespace

TEST(ExportConsumers, PostgresLoadsThePgvectorExport) {
    postgres_server pg;
    std::string why_not;
    if (!pg.start(why_not)) GTEST_SKIP() << "no PostgreSQL to load the export into: " << why_not;

    const bool real_pgvector = pg.value("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") == "1";
    if (!real_pgvector) {
        std::cout << "[ NOTE     ] no pgvector here: loading into a stand-in `vector` type, which checks the SQL and its "
                     "literals, not pgvector's parser\n";
        const fs::path stand_in = test::scratch_dir() / "vector_stand_in.sql";
        test::write_file(stand_in, vector_stand_in_sql);
        const test::cli_result r = pg.sql_file(stand_in);
        ASSERT_EQ(r.code, 0) << r.err;
    }

    const fs::path sql = test::scratch_dir() / "tracks.sql";
    const test::cli_result exported = test::run_cli("export --library " + quoted(library()) + " --format pgvector --batch 4 --out " + quoted(sql));
    ASSERT_EQ(exported.code, 0) << exported.err;
    for (int load = 0; load < 2; load++) {  // loading again updates the rows in place
        const test::cli_result r = pg.sql_file(sql);
        ASSERT_EQ(r.code, 0) << r.err;
    }
    EXPECT_EQ(pg.value("SELECT count(*) FROM sonavec_tracks"), std::to_string(tracks().size()));

    const json rows = json::parse(pg.value(
        "SELECT json_agg(json_build_object('path', path, 'file_name', file_name, 'tags', tags, 'model', model, "
        "'duration', duration_seconds, 'embedding', embedding::text)) FROM sonavec_tracks"));
    ASSERT_EQ(rows.size(), tracks().size());
    for (const auto& row : rows) {
        const std::string path = row.at("path").get<std::string>();
        const track* t = find_track(path);
        ASSERT_NE(t, nullptr) << "a path that is not the library's: " << path;
        EXPECT_EQ(row.at("file_name"), fs::path(path).filename().string());
        EXPECT_EQ((row.at("tags").get<std::map<std::string, std::string>>()), t->tags) << path;
        EXPECT_EQ(row.at("model"), "test-model");
        EXPECT_EQ(row.at("duration").get<double>(), 12.25);
        expect_same_floats(parse_vector_text(row.at("embedding").get<std::string>()), t->vector, path);
    }

    // Per-window vectors go to their own table, a row per window.
    const fs::path windows_sql = test::scratch_dir() / "windows.sql";
    const test::cli_result w = test::run_cli("export --library " + quoted(library()) + " --format pgvector --per-window --out " +
                             quoted(windows_sql));
    ASSERT_EQ(w.code, 0) << w.err;
    const test::cli_result loaded = pg.sql_file(windows_sql);
    ASSERT_EQ(loaded.code, 0) << loaded.err;
    EXPECT_EQ(pg.value("SELECT count(*) FROM sonavec_windows"), std::to_string(2 * tracks().size()));
    const json window_rows = json::parse(
        pg.value("SELECT json_agg(json_build_object('path', path, 'start', start_seconds, 'embedding', embedding::text)) "
                 "FROM sonavec_windows"));
    for (const auto& row : window_rows) {
        const track* t = find_track(row.at("path").get<std::string>());
        ASSERT_NE(t, nullptr);
        const size_t index = static_cast<size_t>(row.at("start").get<double>() / 3);
        ASSERT_LT(index, t->windows.size());
        expect_same_floats(parse_vector_text(row.at("embedding").get<std::string>()), t->windows[index], t->path);
    }

    // Paths that are not UTF-8 keep their exact bytes in path_bytes (empty for the others), part of the
    // key: the first two differ only in a byte shown as U+FFFD, and both rows stay. The table loses the
    // column first, as a table made by an older export lacks it: the script adds it back.
    const std::vector<std::string> byte_paths = {"/pg/bad\xfe.wav", "/pg/bad\xff.wav", "/pg/caf\xe9 latin-1.flac"};
    std::string byte_records;
    for (size_t i = 0; i < byte_paths.size(); i++)
        byte_records += "{\"path\":\"shown as U+FFFD\",\"path_bytes_b64\":\"" + base64_encoded(byte_paths[i]) +
                        "\",\"model\":\"test-model\",\"embedding\":" + vector_json(unit_vector(static_cast<uint32_t>(70 + i))) + "}\n";
    const fs::path byte_file = test::scratch_dir() / "byte_paths.jsonl", byte_lib = test::scratch_dir() / "byte_paths";
    test::write_file(byte_file, byte_records);
    ASSERT_EQ(test::run_cli("import --library " + quoted(byte_lib) + " " + quoted(byte_file)).code, 0);
    const fs::path byte_sql = test::scratch_dir() / "byte_paths.sql";
    ASSERT_EQ(test::run_cli("export --library " + quoted(byte_lib) + " --format pgvector --out " + quoted(byte_sql)).code, 0);
    ASSERT_EQ(pg.psql("-c 'ALTER TABLE sonavec_tracks DROP COLUMN path_bytes'").code, 0);
    const test::cli_result byte_load = pg.sql_file(byte_sql);
    ASSERT_EQ(byte_load.code, 0) << byte_load.err;
    std::string want_hex;
    for (const auto& p : byte_paths) {
        for (unsigned char c : p) {
            char two[3];
            std::snprintf(two, sizeof two, "%02x", c);
            want_hex += two;
        }
        want_hex += ",";
    }
    EXPECT_EQ(pg.value("SELECT string_agg(encode(path_bytes, 'hex') || ',', '' ORDER BY path_bytes) FROM sonavec_tracks "
                       "WHERE path_bytes <> ''"),
              want_hex);
    EXPECT_EQ(pg.value("SELECT count(*) FROM sonavec_tracks WHERE path LIKE '/pg/%'"), "3");
    EXPECT_EQ(pg.value("SELECT count(*) FROM sonavec_tracks WHERE path_bytes IS NULL"), "0");

    if (!real_pgvector) return;
    // pgvector's own order: nearest by cosine distance, against dot products of our unit vectors.
    std::vector<float> query = tracks()[2].vector;
    for (size_t i = 0; i < query.size(); i += 3) query[i] = -query[i];
    std::vector<std::pair<double, std::string>> ours;
    for (const auto& t : tracks()) {
        double dot = 0;
        for (int i = 0; i < dim; i++) dot += static_cast<double>(t.vector[static_cast<size_t>(i)]) * query[static_cast<size_t>(i)];
        ours.push_back({-dot, t.path});
    }
    std::sort(ours.begin(), ours.end());
    const json order = json::parse(pg.value("SELECT json_agg(path ORDER BY embedding <=> '" + vector_json(query) +
                                            "', path) FROM sonavec_tracks"));
    ASSERT_EQ(order.size(), ours.size());
    for (size_t i = 0; i < ours.size(); i++) EXPECT_EQ(order[i], ours[i].second) << "rank " << i;
}

TEST(ExportConsumers, NumpyLoadsTheNpyExport) {
    // Debian's python3-numpy is for /usr/bin/python3, which a python3 earlier in PATH (pyenv) may not see.
    std::string python;
    for (const std::string candidate : {"/usr/bin/python3", "python3"})
        if (python.empty() && test::run_shell(candidate + " -c 'import numpy'").code == 0) python = candidate;
    if (python.empty()) GTEST_SKIP() << "no python3 with numpy (Debian package python3-numpy)";
    const fs::path npy = test::scratch_dir() / "vectors.npy";
    const test::cli_result r = test::run_cli("export --library " + quoted(library()) + " --format npy --out " + quoted(npy));
    ASSERT_EQ(r.code, 0) << r.err;
    // numpy reads the file and writes the raw float32 values back out for a bit-for-bit comparison;
    // Python undoes the paths file's escapes and writes the paths back out, each ended by a NUL.
    const fs::path raw = test::scratch_dir() / "vectors.raw", decoded = test::scratch_dir() / "paths.bin";
    const std::string script =
        "import codecs, sys, numpy as np\n"
        "a = np.load(sys.argv[1])\n"
        "assert a.dtype == np.float32, a.dtype\n"
        "assert a.shape == (" + std::to_string(tracks().size()) + ", " + std::to_string(dim) + "), a.shape\n"
        "assert a.flags['C_CONTIGUOUS']\n"
        "norms = np.linalg.norm(a, axis=1)\n"
        "assert np.all(np.abs(norms - 1) < 1e-5), norms\n"
        "a.astype('<f4').tofile(sys.argv[2])\n"
        "lines = open(sys.argv[1] + '.paths.txt', 'rb').read().split(b'\\n')\n"
        "assert lines.pop() == b'', 'the last line has no newline'\n"
        "assert len(lines) == a.shape[0], (len(lines), a.shape)\n"
        "open(sys.argv[3], 'wb').write(b''.join(codecs.escape_decode(line)[0] + b'\\0' for line in lines))\n";
    const fs::path script_file = test::scratch_dir() / "load_npy.py";
    test::write_file(script_file, script);
    const test::cli_result loaded =
        test::run_shell(python + " " + quoted(script_file) + " " + quoted(npy) + " " + quoted(raw) + " " + quoted(decoded));
    ASSERT_EQ(loaded.code, 0) << loaded.err;
    const std::string bytes = test::read_file(raw);
    ASSERT_EQ(bytes.size(), tracks().size() * dim * 4);
    const std::string paths = test::read_file(decoded);
    std::string expected_paths;
    for (size_t i = 0; i < tracks().size(); i++) {  // rows in catalog order: the order of the import
        std::vector<float> row(dim);
        std::memcpy(row.data(), bytes.data() + i * dim * 4, dim * 4);
        expect_same_floats(row, tracks()[i].vector, tracks()[i].path);
        expected_paths += tracks()[i].path + '\0';
    }
    EXPECT_EQ(paths, expected_paths);
}

TEST(ExportConsumers, JsonRoundTripsThroughASecondLibrary) {
    const fs::path exported = test::scratch_dir() / "desktop.json";
    test::cli_result r = test::run_cli("export --library " + quoted(library()) + " --format json --out " + quoted(exported));
    ASSERT_EQ(r.code, 0) << r.err;
    const fs::path second = test::scratch_dir() / "second";
    // The desktop format says nothing of the model: import asks for one.
    r = test::run_cli("import --library " + quoted(second) + " " + quoted(exported));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("--model-id"), std::string::npos) << r.err;
    r = test::run_cli("import --library " + quoted(second) + " --model-id test-model " + quoted(exported));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("imported 6 vectors"), std::string::npos) << r.out;

    r = test::run_cli("export --library " + quoted(second) + " --format jsonl");
    ASSERT_EQ(r.code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
        const json j = json::parse(line);
        const track& t = tracks()[n++];
        EXPECT_EQ(j.at("path"), fs::path(t.path).stem().string());  // the desktop format keeps the name only
        EXPECT_EQ(j.at("window_plan"), "import");
        expect_same_floats(j.at("embedding").get<std::vector<float>>(), t.vector, t.path);
    }
    EXPECT_EQ(n, tracks().size());

    // And json again: the same file.
    const fs::path again = test::scratch_dir() / "desktop_again.json";
    r = test::run_cli("export --library " + quoted(second) + " --format json --out " + quoted(again));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(test::read_file(again), test::read_file(exported));
}

TEST(ExportConsumers, CommandLineErrors) {
    EXPECT_EQ(test::run_cli("export --library " + quoted(library())).code, 2);  // --format is required
    EXPECT_EQ(test::run_cli("export --library " + quoted(library()) + " --format parquet").code, 2);
    EXPECT_EQ(test::run_cli("export --library " + quoted(library()) + " --format npy").code, 2);  // needs --out
    EXPECT_EQ(test::run_cli("export --library " + quoted(library()) + " --format json --per-window").code, 2);
    EXPECT_EQ(test::run_cli("export --library " + quoted(library()) + " --format csv --batch 10").code, 2);
    const test::cli_result missing = test::run_cli("export --library " + quoted(test::scratch_dir() / "no-such-library") + " --format json");
    EXPECT_EQ(missing.code, 1);
    EXPECT_FALSE(fs::exists(test::scratch_dir() / "no-such-library"));
    const test::cli_result other_model = test::run_cli("export --library " + quoted(library()) + " --format json --model-id other");
    EXPECT_EQ(other_model.code, 1);
    EXPECT_NE(other_model.err.find("test-model"), std::string::npos) << other_model.err;

    // A refused file changes nothing, and the files after it are still imported.
    const fs::path bad = test::data_dir() / "corrupt" / "import" / "mixed_dims.jsonl";
    const fs::path good = test::scratch_dir() / "good.jsonl";
    test::write_file(good, "{\"path\":\"/other/a.wav\",\"model\":\"test-model\",\"embedding\":" + vector_json(unit_vector(99)) + "}\n");
    const fs::path lib = test::scratch_dir() / "partial";
    const test::cli_result r = test::run_cli("import --library " + quoted(lib) + " " + quoted(bad) + " " + quoted(good));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("mixed_dims.jsonl: line 2"), std::string::npos) << r.err;
    const test::cli_result listed = test::run_cli("export --library " + quoted(lib) + " --format jsonl");
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 1);
    // A vector of another length than the library's vectors of that model is refused.
    const fs::path short_vectors = test::scratch_dir() / "short.json";
    test::write_file(short_vectors, "[{\"trackName\": \"x\", \"vector\": [0.6, 0.8]}]");
    const test::cli_result mismatch = test::run_cli("import --library " + quoted(lib) + " --model-id test-model " + quoted(short_vectors));
    EXPECT_EQ(mismatch.code, 1);
    EXPECT_NE(mismatch.err.find("have 512"), std::string::npos) << mismatch.err;
}

TEST(ExportConsumers, AnIndexedLibraryExportsWhatEmbedComputes) {
    // Three short files made by ffmpeg, one with tags, indexed with the golden tiny model.
    const fs::path music = test::scratch_dir() / "indexed music";
    fs::create_directories(music);
    const std::vector<std::string> makes = {
        "-f lavfi -i sine=frequency=440:duration=4 -metadata title=\"A'la \\\"sine\\\"\" -metadata artist=Tester " +
            quoted(music / "sine.flac"),
        "-f lavfi -i anoisesrc=duration=3:color=pink:seed=7 " + quoted(music / "noise.wav"),
        "-f lavfi -i \"aevalsrc=sin(2*PI*(200+300*t)*t):d=5\" " + quoted(music / "chirp.ogg"),
    };
    for (const auto& args : makes) {
        const test::cli_result made = test::run_shell("ffmpeg -nostdin -hide_banner -loglevel error -y " + args);
        ASSERT_EQ(made.code, 0) << args << "\n" << made.err;
    }
    const std::string model = "--model " + quoted(test::golden_dir() / "model");
    const fs::path lib = test::scratch_dir() / "indexed";
    const test::cli_result indexed =
        test::run_cli("index --quiet --per-window " + model + " --library " + quoted(lib) + " " + quoted(music));
    ASSERT_EQ(indexed.code, 0) << indexed.err;
    const test::cli_result embedded = test::run_cli("embed --quiet --per-window --format jsonl " + model + " " + quoted(music));
    ASSERT_EQ(embedded.code, 0) << embedded.err;
    const test::cli_result exported = test::run_cli("export --library " + quoted(lib) + " --format jsonl --per-window");
    ASSERT_EQ(exported.code, 0) << exported.err;

    std::map<std::string, json> by_path;
    std::istringstream embed_lines(embedded.out);
    for (std::string line; std::getline(embed_lines, line);) {
        const json j = json::parse(line);
        by_path[j.at("path").get<std::string>()] = j;
    }
    std::istringstream export_lines(exported.out);
    size_t n = 0;
    for (std::string line; std::getline(export_lines, line); n++) {
        const json got = json::parse(line);
        const std::string path = got.at("path").get<std::string>();
        ASSERT_TRUE(by_path.count(path)) << path;
        const json& want = by_path[path];
        EXPECT_EQ(got.at("duration_seconds"), want.at("duration_seconds")) << path;
        EXPECT_EQ(got.at("tags"), want.at("tags")) << path;
        expect_same_floats(got.at("embedding").get<std::vector<float>>(), want.at("embedding").get<std::vector<float>>(), path);
        ASSERT_EQ(got.at("windows").size(), want.at("windows").size()) << path;
        for (size_t w = 0; w < got.at("windows").size(); w++)
            expect_same_floats(got["windows"][w].at("vector").get<std::vector<float>>(),
                               want["windows"][w].at("vector").get<std::vector<float>>(), path);
    }
    EXPECT_EQ(n, 3u);
    EXPECT_NE(exported.out.find("A'la \\\"sine\\\""), std::string::npos);
}

TEST(ExportConsumers, AnAnalysedLibraryCarriesTagsAndDescriptorsIntoEveryFormat) {
    // Two files indexed with --analyze: a 120 BPM click track and an A minor triad (sox).
    const fs::path music = test::scratch_dir() / "analysed music";
    fs::create_directories(music);
    const std::vector<std::pair<std::string, std::string>> makes = {
        {"clicks.wav", "synth 0.03 sine 1000 pad 0 0.47 repeat 29"},
        {"chord.wav", "synth 12 sine 220 sine 261.63 sine 329.63 remix -"}};
    for (const auto& [name, effects] : makes) {
        const test::cli_result made = test::run_shell("sox -n -r 44100 " + quoted(music / name) + " " + effects);
        ASSERT_EQ(made.code, 0) << made.err;
    }
    const std::string model = "--model " + quoted(test::golden_dir() / "model");
    const fs::path lib = test::scratch_dir() / "analysed";
    const test::cli_result indexed = test::run_cli("index --quiet --analyze --taxonomy mood,vocals " + model +
                                                   " --library " + quoted(lib) + " " + quoted(music));
    ASSERT_EQ(indexed.code, 0) << indexed.err;

    // The references: descriptors computed from the files by `analyze`, and the tags the library shows.
    std::map<std::string, json> descriptors, inferred;
    const json analysed = json::parse(test::run_cli("analyze --json --no-tags " + quoted(music)).out);
    for (const auto& a : analysed) {
        json d = a;
        for (const char* extra : {"path", "duration_seconds", "sample_rate", "channels", "bpm_raw"}) d.erase(extra);
        descriptors[a.at("path").get<std::string>()] = d;
    }
    ASSERT_EQ(descriptors.size(), 2u);
    const json hits = json::parse(test::run_cli("search --json " + model + " --library " + quoted(lib) + " x").out);
    for (const auto& h : hits) inferred[h.at("path").get<std::string>()] = h.at("inferred");
    ASSERT_EQ(inferred.size(), 2u);
    for (const auto& [path, tags] : inferred) {
        ASSERT_TRUE(tags.contains("mood") && tags.contains("vocals")) << path << ": " << tags;
        EXPECT_EQ(hits.size(), 2u);
    }
    const auto labels_of = [&](const std::string& path, const char* taxonomy) {
        std::vector<std::string> out;
        for (const auto& g : inferred.at(path).at(taxonomy)) out.push_back(g.at("label"));
        return out;
    };
    const auto export_of = [&](const std::string& format) {
        const test::cli_result r = test::run_cli("export --library " + quoted(lib) + " --format " + format);
        EXPECT_EQ(r.code, 0) << format << ": " << r.err;
        return r.out;
    };
    // The descriptors' fields, flat, in a vector database's metadata.
    const auto expect_flat_descriptors = [&](const json& m, const std::string& path, const std::string& format) {
        for (const auto& [key, value] : descriptors.at(path).items()) {
            if (value.is_null()) EXPECT_FALSE(m.contains(key)) << format << " " << key;
            else EXPECT_EQ(m.at(key), value) << format << " " << path << " " << key;
        }
    };

    std::istringstream jsonl(export_of("jsonl"));
    size_t n = 0;
    for (std::string line; std::getline(jsonl, line); n++) {
        const json j = json::parse(line);
        const std::string path = j.at("path");
        EXPECT_EQ(j.at("descriptors"), descriptors.at(path)) << path;
        EXPECT_EQ(j.at("inferred"), inferred.at(path)) << path;
    }
    EXPECT_EQ(n, 2u);

    // csv: the descriptor columns after path_bytes_b64, then the inferred tags as JSON.
    std::istringstream csv(export_of("csv"));
    std::string header;
    std::getline(csv, header);
    EXPECT_NE(header.find(",path_bytes_b64,bpm,bpm_confidence,key,camelot,key_confidence,loudness_lufs,"
                          "loudness_range_lu,true_peak_dbtp,energy,loop,inferred"),
              std::string::npos)
        << header;
    for (std::string line; std::getline(csv, line);) {
        const std::string path = line.substr(0, line.find(','));
        const json& d = descriptors.at(path);
        const std::string key = d.at("key").is_null() ? "" : d.at("key").get<std::string>();
        EXPECT_NE(line.find("," + json(d.at("bpm")).dump() + ","), std::string::npos) << line.substr(0, 80);
        EXPECT_NE(line.find("," + key + "," + d.at("camelot").get<std::string>() + ","), std::string::npos) << path;
        EXPECT_NE(line.find(labels_of(path, "mood")[0]), std::string::npos) << path;
    }

    const json qdrant = json::parse(export_of("qdrant"));
    for (const auto& p : qdrant.at("points")) {
        const std::string path = p.at("payload").at("path");
        expect_flat_descriptors(p.at("payload"), path, "qdrant");
        EXPECT_EQ(p.at("payload").at("inferred").at("mood").get<std::vector<std::string>>(), labels_of(path, "mood"));
    }
    const json pinecone = json::parse(export_of("pinecone"));
    for (const auto& v : pinecone.at("vectors")) {
        const std::string path = v.at("metadata").at("path");
        expect_flat_descriptors(v.at("metadata"), path, "pinecone");
        EXPECT_EQ(v.at("metadata").at("inferred_vocals").get<std::vector<std::string>>(), labels_of(path, "vocals"));
    }
    const json chroma = json::parse(export_of("chroma"));
    for (const auto& m : chroma.at("metadatas")) {
        const std::string path = m.at("path");
        expect_flat_descriptors(m, path, "chroma");
        std::string joined;
        for (const auto& l : labels_of(path, "mood")) joined += (joined.empty() ? "" : ", ") + l;
        EXPECT_EQ(m.at("inferred_mood"), joined);  // flat strings only
    }
    const json weaviate = json::parse(export_of("weaviate"));
    for (const auto& o : weaviate.at("objects")) {
        const std::string path = o.at("properties").at("path");
        expect_flat_descriptors(o.at("properties"), path, "weaviate");
        EXPECT_EQ(o.at("properties").at("inferred_mood").get<std::vector<std::string>>(), labels_of(path, "mood"));
    }

    // npy: a JSON Lines sidecar, a line per row in the matrix's order (that of OUT.paths.txt).
    const fs::path npy = test::scratch_dir() / "analysed.npy";
    ASSERT_EQ(test::run_cli("export --library " + quoted(lib) + " --format npy --out " + quoted(npy)).code, 0);
    std::istringstream paths(test::read_file(npy.string() + ".paths.txt")), sidecar(test::read_file(npy.string() + ".tags.jsonl"));
    n = 0;
    for (std::string path, line; std::getline(paths, path) && std::getline(sidecar, line); n++) {
        const json j = json::parse(line);
        EXPECT_EQ(j.at("descriptors"), descriptors.at(path)) << path;
        EXPECT_EQ(j.at("inferred"), inferred.at(path)) << path;
    }
    EXPECT_EQ(n, 2u);

    // pgvector: jsonb columns a real PostgreSQL filters on, added to a table made by an older export.
    postgres_server pg;
    std::string why_not;
    if (!pg.start(why_not)) GTEST_SKIP() << "no PostgreSQL to load the export into: " << why_not;
    if (pg.value("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") != "1") {
        const fs::path stand_in = test::scratch_dir() / "vector_stand_in_analysed.sql";
        test::write_file(stand_in, vector_stand_in_sql);
        ASSERT_EQ(pg.sql_file(stand_in).code, 0);
    }
    ASSERT_EQ(pg.psql("-c " + quoted(fs::path("CREATE TABLE sonavec_tracks (path text NOT NULL, file_name text NOT NULL, "
                                              "duration_seconds double precision NOT NULL, format text NOT NULL, model text "
                                              "NOT NULL, tags jsonb NOT NULL, embedding vector(48) NOT NULL)")))
                  .code,
              0);
    const fs::path sql = test::scratch_dir() / "analysed.sql";
    ASSERT_EQ(test::run_cli("export --library " + quoted(lib) + " --format pgvector --out " + quoted(sql)).code, 0);
    const test::cli_result loaded = pg.sql_file(sql);
    ASSERT_EQ(loaded.code, 0) << loaded.err;
    const std::string chord = (music / "chord.wav").string(), clicks = (music / "clicks.wav").string();
    EXPECT_EQ(pg.value("SELECT string_agg(path, ',') FROM sonavec_tracks WHERE (descriptors->>'bpm')::float BETWEEN "
                       "115 AND 125"),
              descriptors.at(chord).at("bpm").get<double>() >= 115 && descriptors.at(chord).at("bpm").get<double>() <= 125
                  ? chord + "," + clicks
                  : clicks);
    EXPECT_EQ(pg.value("SELECT descriptors->>'camelot' FROM sonavec_tracks WHERE path = '" + chord + "'"), "8A");
    const std::string mood = labels_of(clicks, "mood")[0];
    EXPECT_EQ(pg.value("SELECT count(*) FROM sonavec_tracks WHERE path = '" + clicks + "' AND inferred->'mood' @> '[{\"label\": \"" +
                       mood + "\"}]'"),
              "1");
    EXPECT_EQ(json::parse(pg.value("SELECT descriptors FROM sonavec_tracks WHERE path = '" + clicks + "'")),
              descriptors.at(clicks));
}
