// sonavec::library through the public headers alone, as a program linking the library calls it.
// Filters are checked against a reference written here (fnmatch, a plain loop over planted records);
// indexing against files made with sox, the golden tiny model and a second run that must carry on
// where a cancelled one stopped.
#include <fnmatch.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <map>
#include <sys/wait.h>

#include "cli_run.h"
#include "library_fixtures.h"
#include "sonavec/engine.h"
#include "sonavec/error.h"
#include "sonavec/library.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

constexpr int dim = 16;

struct planted {
    std::string path, format, genre;
    double duration = 0;
    std::vector<float> vector;
};

std::vector<float> unit(uint32_t seed) {
    std::vector<float> v = test::random_unit_vector(seed, dim);
    return v;
}

std::string json_vector_text(const std::vector<float>& v) {
    std::string s = "[";
    char buf[32];
    for (size_t i = 0; i < v.size(); i++) {
        std::snprintf(buf, sizeof buf, "%.9g", v[i]);
        if (i) s += ',';
        s += buf;
    }
    return s + "]";
}

// 60 records over folders, formats (one FFmpeg list name among them), durations and genres.
std::vector<planted> planted_records() {
    const char* formats[] = {"flac", "mp3", "mov,mp4,m4a,3gp,3g2,mj2", "wav"};
    const char* genres[] = {"Jazz", "jazz fusion", "Rock", "ambient"};
    const char* folders[] = {"/music/drums/", "/music/keys/", "/sfx/rain/"};
    std::vector<planted> out;
    for (int i = 0; i < 60; i++) {
        planted p;
        p.path = std::string(folders[i % 3]) + "take" + std::to_string(i) + ".x";
        p.format = formats[i % 4];
        p.genre = genres[(i / 2) % 4];
        p.duration = 5.0 + 3.5 * i;
        p.vector = unit(1000 + static_cast<uint32_t>(i));
        out.push_back(p);
    }
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The filter as the CLI documents it, written independently of the catalog's SQL.
bool reference_accepts(const planted& p, const search_filter& f) {
    if (f.min_seconds && p.duration < *f.min_seconds) return false;
    if (f.max_seconds && p.duration > *f.max_seconds) return false;
    if (!f.format.empty()) {
        bool any = false;
        std::string names = p.format + ",";
        for (size_t start = 0, comma; (comma = names.find(',', start)) != std::string::npos; start = comma + 1)
            any = any || names.substr(start, comma - start) == lower(f.format);
        if (!any) return false;
    }
    if (!f.path_glob.empty() && fnmatch(f.path_glob.c_str(), p.path.c_str(), 0) != 0) return false;
    if (!f.tag_key.empty() && (lower(f.tag_key) != "genre" || lower(p.genre).find(lower(f.tag_value)) == std::string::npos))
        return false;
    return true;
}

class public_library_api : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        records_ = new std::vector<planted>(planted_records());
        std::string jsonl;
        for (const auto& p : *records_)
            jsonl += "{\"path\": \"" + p.path + "\", \"format\": \"" + p.format + "\", \"duration_seconds\": " +
                     std::to_string(p.duration) + ", \"model\": \"planted\", \"tags\": {\"genre\": \"" + p.genre +
                     "\"}, \"embedding\": " + json_vector_text(p.vector) + "}\n";
        test::write_file(test::scratch_dir() / "planted.jsonl", jsonl);
    }
    static void TearDownTestSuite() { delete records_; }

    static fs::path planted_library() {
        const fs::path dir = test::scratch_dir() / "planted-library";
        if (!fs::exists(dir / "catalog.sqlite")) {
            import_options o;
            library::open(dir)->import_from(test::scratch_dir() / "planted.jsonl", o);
        }
        return dir;
    }

    static std::vector<planted>* records_;
};
std::vector<planted>* public_library_api::records_ = nullptr;

std::unique_ptr<engine> golden_engine(int threads = 1) {
    engine_params p = engine_default_params();
    p.model_dir = fs::path(SONAVEC_TEST_DATA) / "golden" / "model";
    p.threads = threads;
    return engine::open(p);
}

void sox(const std::string& args) {
    const int status = std::system(("sox -n -r 22050 -c 1 -b 16 " + args + " >/dev/null 2>&1").c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args;
}

fs::path tone_folder(const std::string& name, int files) {
    const fs::path dir = test::scratch_dir() / name;
    fs::create_directories(dir);
    for (int i = 0; i < files; i++)
        sox(test::quoted(dir / ("tone" + std::to_string(100 + i) + ".wav")) + " synth 1.5 sine " + std::to_string(200 + 37 * i));
    return dir;
}

}  // namespace

TEST_F(public_library_api, filters_select_exactly_the_records_a_plain_reference_accepts_ranked_by_cosine) {
    const auto lib = library::open(planted_library(), library::open_mode::read_only);
    const std::vector<float> query = unit(7);
    std::vector<search_filter> filters(8);
    filters[1].min_seconds = 50;
    filters[1].max_seconds = 120.5;
    filters[2].format = "M4A";  // a member of FFmpeg's list name, in any case
    filters[3].format = "flac";
    filters[4].path_glob = "/music/*/take1*";
    filters[5].tag_key = "Genre";
    filters[5].tag_value = "JAZZ";
    filters[6].path_glob = "*rain*";
    filters[6].max_seconds = 100;
    filters[6].tag_key = "genre";
    filters[6].tag_value = "a";
    filters[7].format = "ogg";  // nothing
    // Shell patterns where SQLite's GLOB would differ: negated sets, classes, escapes.
    filters.resize(11);
    filters[8].path_glob = "/music/*/take[!1]*";
    filters[9].path_glob = "/music/[[:alpha:]]*/take1?.x";
    filters[10].path_glob = "/sfx/rain/take\\1*";
    for (size_t f = 0; f < filters.size(); f++) {
        search_params sp;
        sp.k = 1000;
        sp.filter = filters[f];
        const std::vector<search_match> got = lib->search_vector(query, sp);
        std::vector<std::pair<double, std::string>> expected;
        for (const auto& p : *records_) {
            if (!reference_accepts(p, filters[f])) continue;
            double dot = 0;
            for (int i = 0; i < dim; i++) dot += static_cast<double>(p.vector[i]) * query[i];
            expected.emplace_back(-dot, p.path);
        }
        std::sort(expected.begin(), expected.end());
        ASSERT_EQ(got.size(), expected.size()) << "filter " << f;
        for (size_t i = 0; i < got.size(); i++) {
            EXPECT_EQ(got[i].track.path, expected[i].second) << "filter " << f << " rank " << i;
            EXPECT_NEAR(got[i].score, -expected[i].first, 1e-5) << "filter " << f;
        }
        if (f == 0) {
            EXPECT_EQ(got.size(), records_->size());
        }
        if (f == 7) {
            EXPECT_TRUE(got.empty());
        } else {
            EXPECT_FALSE(got.empty()) << "filter " << f << " selects nothing: a weak check";
        }
    }
    // k bounds the count; the best come first.
    search_params top;
    top.k = 5;
    const auto five = lib->search_vector(query, top);
    ASSERT_EQ(five.size(), 5u);
    for (size_t i = 1; i < five.size(); i++) EXPECT_GE(five[i - 1].score, five[i].score);
}

TEST_F(public_library_api, reads_never_make_a_library_and_see_one_made_since) {
    const fs::path dir = test::scratch_dir() / "made-later";
    fs::remove_all(dir);
    const auto early = library::open(dir);  // create mode: made by the first write
    EXPECT_EQ(early->stats().counts.files, 0);
    EXPECT_TRUE(early->models().empty());
    EXPECT_FALSE(early->find(1, false));
    EXPECT_TRUE(early->search_vector(unit(7), search_params{}).empty());
    EXPECT_FALSE(fs::exists(dir / "catalog.sqlite")) << "a read made the catalog";
    // Another process (here another object) makes it: the first one's reads see it.
    import_options o;
    library::open(dir)->import_from(test::scratch_dir() / "planted.jsonl", o);
    EXPECT_EQ(early->stats().counts.files, static_cast<int64_t>(records_->size()));
    EXPECT_EQ(early->models().size(), 1u);
    EXPECT_FALSE(early->search_vector(unit(7), search_params{}).empty());
}

TEST_F(public_library_api, damaged_rows_match_no_filter_on_the_damaged_field) {
    // A catalog is outside data: tags that are not JSON must not fail a tag-filtered search. (A duration that is not a
    // number cannot be written: the table is STRICT, and the schema is checked at open.)
    const fs::path dir = test::scratch_dir() / "damaged-rows";
    fs::remove_all(dir);
    fs::copy(planted_library(), dir, fs::copy_options::recursive);
    const std::string damaged = (*records_)[0].path;  // Jazz, 5 s
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir / "catalog.sqlite").c_str(), &db), SQLITE_OK);
        const std::string sql = "UPDATE files SET tags = '{\"genre\": \"Jazz' WHERE path = '" + damaged + "'";
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
        EXPECT_EQ(sqlite3_changes(db), 1);
        sqlite3_close(db);
    }
    const auto lib = library::open(dir, library::open_mode::read_only);
    auto paths = [&](const search_filter& f) {
        search_params sp;
        sp.k = 1000;
        sp.filter = f;
        std::vector<std::string> out;
        for (const auto& m : lib->search_vector(unit(7), sp)) out.push_back(m.track.path);
        return out;
    };
    auto has = [](const std::vector<std::string>& v, const std::string& p) { return std::find(v.begin(), v.end(), p) != v.end(); };
    search_filter by_tag;
    by_tag.tag_key = "genre";
    by_tag.tag_value = "jazz";
    search_filter by_path;
    by_path.path_glob = "/music/drums/take0.x";
    EXPECT_FALSE(has(paths(by_tag), damaged));
    EXPECT_FALSE(paths(by_tag).empty());
    // A result that is the damaged row itself is reported as damage, naming it, not returned half-read.
    try {
        paths(by_path);
        ADD_FAILURE() << "the damaged row was returned";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::corrupt_file);
        EXPECT_NE(std::string(e.what()).find(damaged), std::string::npos) << e.what();
    }
}

TEST_F(public_library_api, similar_leaves_the_track_out_and_bad_requests_carry_their_kind) {
    const auto lib = library::open(planted_library(), library::open_mode::read_only);
    const auto first = lib->find((*records_)[0].path, true);
    ASSERT_TRUE(first);
    search_params sp;
    sp.k = 3;
    const auto hits = lib->similar(first->id, sp);
    ASSERT_EQ(hits.size(), 3u);
    for (const auto& h : hits) EXPECT_NE(h.track.id, first->id);
    // The same as a vector query that excludes it.
    sp.exclude_id = first->id;
    const auto same = lib->search_vector(first->vector, sp);
    ASSERT_EQ(same.size(), hits.size());
    for (size_t i = 0; i < hits.size(); i++) EXPECT_EQ(same[i].track.id, hits[i].track.id);

    auto kind_of = [](auto&& call) {
        try {
            call();
        } catch (const error& e) {
            return e.kind();
        }
        return error_kind::cancelled;  // "nothing thrown", never expected below
    };
    search_params other;
    other.model_id = "another-model";
    EXPECT_EQ(kind_of([&] { lib->search_vector(first->vector, other); }), error_kind::not_found);
    EXPECT_EQ(kind_of([&] { lib->similar(987654321, sp); }), error_kind::not_found);
    search_params bad_k;
    bad_k.k = 0;
    EXPECT_EQ(kind_of([&] { lib->search_vector(first->vector, bad_k); }), error_kind::invalid_input);
    const std::vector<float> short_query(dim - 1, 0.25f);
    EXPECT_EQ(kind_of([&] { lib->search_vector(short_query, sp); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([&] { library::open(test::scratch_dir() / "no-such-library", library::open_mode::existing); }),
              error_kind::not_found);
}

TEST_F(public_library_api, a_read_only_library_refuses_every_write_and_its_file_stays_as_it_was) {
    const fs::path dir = planted_library();
    const std::string before = test::read_file(dir / "catalog.sqlite");
    const auto lib = library::open(dir, library::open_mode::read_only);
    const auto eng = golden_engine();
    auto kind_of = [](auto&& call) {
        try {
            call();
        } catch (const error& e) {
            return e.kind();
        }
        return error_kind::cancelled;
    };
    EXPECT_EQ(kind_of([&] { lib->index({test::scratch_dir()}, *eng, {}); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([&] { lib->import_from(test::scratch_dir() / "planted.jsonl", {}); }), error_kind::invalid_input);
    EXPECT_EQ(kind_of([&] { lib->prune(false); }), error_kind::invalid_input);
    EXPECT_EQ(lib->prune(true).removed.size(), 0u);  // imported records are never pruned
    EXPECT_EQ(test::read_file(dir / "catalog.sqlite"), before);
    EXPECT_EQ(lib->stats().counts.ok, static_cast<int64_t>(records_->size()));
    EXPECT_EQ(lib->models().at("planted"), static_cast<int64_t>(records_->size()));
}

TEST_F(public_library_api, an_import_refused_whole_makes_no_library_and_export_reads_back_the_same_vectors) {
    const fs::path dir = test::scratch_dir() / "refused-import";
    const fs::path bad = test::scratch_dir() / "bad.jsonl";
    test::write_file(bad, "{\"path\": \"/a\", \"model\": \"m\", \"embedding\": [1, 0]}\n{\"path\": \"/b\", \"model\": \"m\", "
                          "\"embedding\": [1, 0, 0]}\n");
    const auto lib = library::open(dir);
    EXPECT_THROW(lib->import_from(bad, {}), error);
    EXPECT_FALSE(fs::exists(dir / "catalog.sqlite"));

    // jsonl out to a stream, into a second library, and the vectors are the same bits.
    const auto planted_lib = library::open(planted_library(), library::open_mode::read_only);
    std::ostringstream out;
    export_options eo;
    eo.format = export_format::jsonl;
    const export_report report = planted_lib->export_to(out, eo);
    EXPECT_EQ(report.records, static_cast<int64_t>(records_->size()));
    EXPECT_EQ(report.model_id, "planted");
    test::write_file(test::scratch_dir() / "round.jsonl", out.str());
    const auto second = library::open(test::scratch_dir() / "round-trip");
    EXPECT_EQ(second->import_from(test::scratch_dir() / "round.jsonl", {}).records, records_->size());
    const catalog_vectors a = planted_lib->vectors("planted"), b = second->vectors("planted");
    ASSERT_EQ(a.dim, dim);
    std::map<std::string, std::vector<float>> by_path_a, by_path_b;
    for (size_t i = 0; i < a.ids.size(); i++)
        by_path_a[planted_lib->find(a.ids[i])->path].assign(a.data.begin() + static_cast<long>(i * dim),
                                                             a.data.begin() + static_cast<long>((i + 1) * dim));
    for (size_t i = 0; i < b.ids.size(); i++)
        by_path_b[second->find(b.ids[i])->path].assign(b.data.begin() + static_cast<long>(i * dim),
                                                        b.data.begin() + static_cast<long>((i + 1) * dim));
    EXPECT_EQ(by_path_a, by_path_b);
}

TEST_F(public_library_api, a_cancel_commits_the_files_in_flight_and_one_after_the_last_cancels_nothing) {
    const fs::path music = tone_folder("tones-cancel", 8);
    const auto eng = golden_engine(2);
    {
        // Raised when the first file is committed: two workers had two files open, and the other one
        // still arrives and is committed; no file after those starts.
        const fs::path dir = test::scratch_dir() / "cancel-in-flight";
        std::atomic<bool> cancel{false};
        index_params ip;
        ip.threads = 2;
        ip.cancel = &cancel;
        size_t calls = 0;
        ip.progress = [&](const index_progress&) {
            calls++;
            cancel = true;
        };
        EXPECT_THROW(library::open(dir)->index({music}, *eng, ip), error);
        const size_t kept = library::open(dir, library::open_mode::read_only)->stats().counts.files;
        EXPECT_EQ(kept, calls);
        EXPECT_GE(kept, 2u) << "the file in flight when the run was cancelled was dropped";
        EXPECT_LT(kept, 8u);
    }
    {
        const fs::path dir = test::scratch_dir() / "cancel-after-last";
        std::atomic<bool> cancel{false};
        index_params ip;
        ip.threads = 2;
        ip.cancel = &cancel;
        ip.progress = [&](const index_progress& p) {
            if (p.done == p.total) cancel = true;
        };
        ip.fingerprints = false;  // the embedding's last file is then the run's last step
        const index_report r = library::open(dir)->index({music}, *eng, ip);
        EXPECT_TRUE(r.complete());
        EXPECT_EQ(r.embedded, 8u);
    }
    {
        // Cancelled while fingerprinting: every vector stays, the fingerprints committed too, and the
        // next run computes only the rest.
        const fs::path dir = test::scratch_dir() / "cancel-fingerprints";
        std::atomic<bool> cancel{false};
        index_params ip;
        ip.threads = 2;
        ip.cancel = &cancel;
        ip.fingerprint_progress = [&](const index_progress&) { cancel = true; };
        EXPECT_THROW(library::open(dir)->index({music}, *eng, ip), error);
        const library_stats st = library::open(dir, library::open_mode::read_only)->stats();
        const size_t fingerprinted = static_cast<size_t>(st.counts.fingerprinted);
        EXPECT_EQ(static_cast<size_t>(st.counts.files), 8u);
        EXPECT_GE(fingerprinted, 1u);
        EXPECT_LT(fingerprinted, 8u);
        const index_report again = library::open(dir)->index({music}, *eng, index_params{});
        EXPECT_TRUE(again.complete());
        EXPECT_EQ(again.embedded, 0u);
        EXPECT_EQ(again.fingerprinted, 8u - fingerprinted);
    }
}

TEST_F(public_library_api, index_reports_progress_and_a_cancelled_run_is_carried_on_by_the_next) {
    const fs::path music = tone_folder("tones", 8);
    const auto eng = golden_engine(2);
    const fs::path dir = test::scratch_dir() / "tone-library";

    std::atomic<bool> cancel{true};  // cancelled before the first file starts
    index_params ip;
    ip.threads = 1;
    ip.cancel = &cancel;
    size_t calls = 0;
    ip.progress = [&](const index_progress&) { calls++; };
    try {
        library::open(dir)->index({music}, *eng, ip);
        ADD_FAILURE() << "a cancelled run returned";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::cancelled) << e.what();
    }
    const size_t kept = library::open(dir)->stats().counts.files;
    EXPECT_EQ(kept, calls);  // every committed file was reported, and nothing else
    EXPECT_LT(kept, 8u);

    cancel = false;
    std::vector<index_progress> steps;
    ip.progress = [&](const index_progress& p) { steps.push_back(p); };
    ip.threads = 2;
    const index_report r = library::open(dir)->index({music}, *eng, ip);
    EXPECT_TRUE(r.complete());
    EXPECT_EQ(r.found, 8u);
    EXPECT_EQ(r.unchanged, kept);
    EXPECT_EQ(r.embedded, 8u - kept);
    ASSERT_EQ(steps.size(), 8u - kept);
    for (size_t i = 0; i < steps.size(); i++) {
        EXPECT_EQ(steps[i].done, i + 1);
        EXPECT_EQ(steps[i].total, 8u - kept);
        EXPECT_TRUE(steps[i].error.empty()) << steps[i].error;
    }

    // Each track's stored vector is embed_track's, whatever the worker count.
    const auto lib = library::open(dir, library::open_mode::read_only);
    track_embed_params tp;
    validate_track_params(tp, *eng);
    const fs::path one = music / "tone103.wav";
    const auto row = lib->find_file(one, true);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->vector, embed_track(*eng, one, tp).vector);
    EXPECT_EQ(row->model_id, eng->model_id());
    // search_file on a file the library holds is similar() on its row.
    search_params sp;
    sp.k = 3;
    const auto by_file = lib->search_file(one, nullptr, sp);
    const auto by_id = lib->similar(row->id, sp);
    ASSERT_EQ(by_file.size(), 3u);
    for (size_t i = 0; i < by_file.size(); i++) EXPECT_EQ(by_file[i].track.id, by_id[i].track.id);
    // Text search embeds with the engine and ranks that model's vectors: the same as by vector.
    const auto by_text = lib->search_text("a low hum", *eng, sp, false);
    const auto by_vector = lib->search_vector(eng->embed_texts({"a low hum"}), sp);
    ASSERT_EQ(by_text.size(), 3u);
    for (size_t i = 0; i < by_text.size(); i++) EXPECT_EQ(by_text[i].track.id, by_vector[i].track.id);
}

TEST_F(public_library_api, a_missing_root_is_an_error_that_removes_nothing) {
    const fs::path music = tone_folder("kept", 2);
    const auto eng = golden_engine();
    const fs::path dir = test::scratch_dir() / "kept-library";
    EXPECT_TRUE(library::open(dir)->index({music}, *eng, {}).complete());
    try {
        library::open(dir)->index({test::scratch_dir() / "unmounted-disk"}, *eng, {});
        ADD_FAILURE() << "a missing folder was indexed";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::not_found) << e.what();
    }
    EXPECT_EQ(library::open(dir)->stats().counts.ok, 2);
}
