// vector_index: exact search against a brute-force loop, the IVF index's recall on clustered vectors,
// filters, automatic choice, save/load round trips, and load() refusing stale, damaged and hostile files
// (tests/data/corrupt/index, made by make_corrupt_index.py).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <set>
#include <thread>
#include <unistd.h>

#include "library/exact_search.h"
#include "library/ivf_index.h"
#include "library/vector_index.h"
#include "test_data.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

// n unit vectors drawn around `centres` random unit centres: centre + noise / sqrt(dim) * N(0, I), normalised.
std::vector<float> clustered(int64_t n, int64_t dim, int centres, float noise, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> c(static_cast<size_t>(centres * dim));
    std::mt19937 centre_rng(12345);  // the same centres for base vectors and queries
    for (float& x : c) x = normal(centre_rng);
    for (int i = 0; i < centres; i++) {
        double s = 0;
        for (int64_t j = 0; j < dim; j++) s += double(c[i * dim + j]) * c[i * dim + j];
        for (int64_t j = 0; j < dim; j++) c[i * dim + j] = static_cast<float>(c[i * dim + j] / std::sqrt(s));
    }
    std::vector<float> v(static_cast<size_t>(n * dim));
    std::uniform_int_distribution<int> pick(0, centres - 1);
    for (int64_t r = 0; r < n; r++) {
        const int k = pick(rng);
        double s = 0;
        for (int64_t j = 0; j < dim; j++) {
            v[r * dim + j] = c[k * dim + j] + noise * normal(rng) / std::sqrt(static_cast<float>(dim));
            s += double(v[r * dim + j]) * v[r * dim + j];
        }
        for (int64_t j = 0; j < dim; j++) v[r * dim + j] = static_cast<float>(v[r * dim + j] / std::sqrt(s));
    }
    return v;
}

// Ids that are neither 0..n-1 nor sorted, so a mix-up of rows and ids shows.
std::vector<int64_t> scattered_ids(int64_t n) {
    std::vector<int64_t> ids(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) ids[i] = 1000 + (i * 7919) % n * 3;
    return ids;
}

// The reference: every dot product in double, best first, the smaller id first among equal scores.
std::vector<search_hit> brute_force(const std::vector<float>& v, const std::vector<int64_t>& ids, int64_t dim,
                                    const float* q, int64_t k, const std::function<bool(int64_t)>& accept = nullptr) {
    std::vector<std::pair<double, int64_t>> all;
    for (size_t r = 0; r < ids.size(); r++) {
        if (accept && !accept(ids[r])) continue;
        double s = 0;
        for (int64_t j = 0; j < dim; j++) s += double(v[r * dim + j]) * q[j];
        all.push_back({s, ids[r]});
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<search_hit> out;
    for (size_t i = 0; i < all.size() && static_cast<int64_t>(i) < k; i++) out.push_back({all[i].second, static_cast<float>(all[i].first)});
    return out;
}

// Same scores (to float rounding) and the same ids in the same order, except where two scores are too
// close for the rounding of a BLAS product to order them.
void expect_same_hits(const std::vector<search_hit>& got, const std::vector<search_hit>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); i++) {
        EXPECT_NEAR(got[i].score, want[i].score, 1e-5) << "rank " << i;
        const bool tie_before = i > 0 && std::abs(want[i].score - want[i - 1].score) < 1e-5;
        const bool tie_after = i + 1 < want.size() && std::abs(want[i].score - want[i + 1].score) < 1e-5;
        if (!tie_before && !tie_after) {
            EXPECT_EQ(got[i].id, want[i].id) << "rank " << i;
        }
    }
}

double recall_at(const std::vector<search_hit>& got, const std::vector<search_hit>& truth) {
    int found = 0;
    for (const auto& t : truth)
        for (const auto& g : got) found += g.id == t.id;
    return truth.empty() ? 1.0 : double(found) / truth.size();
}

fs::path temp_path(const std::string& name) {
    return fs::temp_directory_path() / ("sonavec_test_vector_index_" + std::to_string(getpid()) + "_" + name);
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// One clustered library of 20,000 x 512 and its IVF index, built once for the tests that share it.
class ann_library : public ::testing::Test {
protected:
    static constexpr int64_t n = 20000, dim = 512;
    static void SetUpTestSuite() {
        vectors_ = new std::vector<float>(clustered(n, dim, 100, 1.0f, 1));
        ids_ = new std::vector<int64_t>(scattered_ids(n));
        // Built on two threads: k-means split over the build's pool.
        index_ = new vector_index(vector_index::build(vectors_->data(), ids_->data(), n, dim, index_choice::ann, 2));
        queries_ = new std::vector<float>(clustered(200, dim, 100, 1.0f, 2));
    }
    static void TearDownTestSuite() {
        delete index_;
        delete vectors_;
        delete ids_;
        delete queries_;
    }
    static const float* query(int i) { return queries_->data() + i * dim; }
    static std::vector<float>* vectors_;
    static std::vector<int64_t>* ids_;
    static std::vector<float>* queries_;
    static vector_index* index_;
};
std::vector<float>* ann_library::vectors_ = nullptr;
std::vector<int64_t>* ann_library::ids_ = nullptr;
std::vector<float>* ann_library::queries_ = nullptr;
vector_index* ann_library::index_ = nullptr;

}  // namespace

TEST(vector_index, parses_index_choices) {
    EXPECT_EQ(parse_index_choice("auto"), index_choice::automatic);
    EXPECT_EQ(parse_index_choice("exact"), index_choice::exact);
    EXPECT_EQ(parse_index_choice("ann"), index_choice::ann);
    EXPECT_THROW(parse_index_choice("hnsw"), error);
    for (auto c : {index_choice::automatic, index_choice::exact, index_choice::ann}) EXPECT_EQ(parse_index_choice(index_choice_name(c)), c);
}

TEST(vector_index, exact_search_equals_a_brute_force_loop) {
    const int64_t n = 3000, dim = 64;
    const auto v = clustered(n, dim, 20, 1.0f, 3);
    const auto ids = scattered_ids(n);
    const auto idx = vector_index::build(v.data(), ids.data(), n, dim, index_choice::exact, 1);
    EXPECT_FALSE(idx.approximate());
    EXPECT_EQ(idx.description(), "exact, 3000 x 64");
    const auto q = clustered(20, dim, 20, 1.0f, 4);
    for (int i = 0; i < 20; i++)
        for (int64_t k : {1, 10, 100}) expect_same_hits(idx.search(q.data() + i * dim, k), brute_force(v, ids, dim, q.data() + i * dim, k));
}

TEST(vector_index, batch_exact_search_equals_a_brute_force_loop_without_the_query_row) {
    // What the IVF index tunes its nprobe against: rows searched for as queries, themselves left out.
    const int64_t n = 40000, dim = 16;  // more than one block of rows
    const auto v = clustered(n, dim, 30, 1.0f, 10);
    const auto ids = scattered_ids(n);
    const std::vector<int64_t> rows = {0, 17, 20000, 39999};
    std::vector<float> q;
    for (int64_t r : rows) q.insert(q.end(), v.begin() + r * dim, v.begin() + (r + 1) * dim);
    const auto got = exact_top_rows_batch(v.data(), ids.data(), n, dim, q.data(), 4, 10, rows.data());
    ASSERT_EQ(got.size(), 4u);
    for (size_t i = 0; i < rows.size(); i++) {
        auto others = [&](int64_t id) { return id != ids[rows[i]]; };
        const auto want = brute_force(v, ids, dim, q.data() + i * dim, 10, others);
        std::vector<search_hit> as_hits;
        for (int64_t r : got[i]) {
            double s = 0;
            for (int64_t j = 0; j < dim; j++) s += double(v[r * dim + j]) * q[i * dim + j];
            as_hits.push_back({ids[r], static_cast<float>(s)});
        }
        expect_same_hits(as_hits, want);
    }
}

TEST(vector_index, exact_search_breaks_ties_by_smaller_id) {
    const int64_t dim = 4;
    std::vector<float> v = {1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    std::vector<int64_t> ids = {30, 10, 20, 5};
    const auto idx = vector_index::build(v.data(), ids.data(), 4, dim, index_choice::exact, 1);
    const float q[4] = {1, 0, 0, 0};
    const auto hits = idx.search(q, 4);
    ASSERT_EQ(hits.size(), 4u);
    EXPECT_EQ(hits[0].id, 5);
    EXPECT_EQ(hits[1].id, 20);
    EXPECT_EQ(hits[2].id, 30);
    EXPECT_EQ(hits[3].id, 10);
    EXPECT_FLOAT_EQ(hits[0].score, 1.0f);
    EXPECT_FLOAT_EQ(hits[3].score, 0.0f);
}

TEST_F(ann_library, recall_at_10_is_at_least_095) {
    EXPECT_TRUE(index_->approximate());
    EXPECT_EQ(index_->size(), n);
    EXPECT_NE(index_->description().find("FAISS IVF"), std::string::npos) << index_->description();
    double recall = 0;
    for (int i = 0; i < 200; i++) {
        const auto got = index_->search(query(i), 10);
        ASSERT_EQ(got.size(), 10u);
        for (size_t j = 1; j < got.size(); j++) EXPECT_GE(got[j - 1].score, got[j].score);
        recall += recall_at(got, brute_force(*vectors_, *ids_, dim, query(i), 10));
    }
    EXPECT_GE(recall / 200, 0.95) << index_->description();
}

TEST_F(ann_library, scores_are_exact_dot_products) {
    const auto got = index_->search(query(0), 10);
    for (const auto& h : got) {
        const size_t r = std::find(ids_->begin(), ids_->end(), h.id) - ids_->begin();
        ASSERT_LT(r, ids_->size());
        double s = 0;
        for (int64_t j = 0; j < dim; j++) s += double((*vectors_)[r * dim + j]) * query(0)[j];
        EXPECT_NEAR(h.score, s, 1e-5);
    }
}

TEST_F(ann_library, filter_returns_only_accepted_ids_and_still_k) {
    // Half the ids, then one in a hundred: both still give k hits, all accepted.
    for (int64_t every : {2, 100}) {
        auto accept = [every](int64_t id) { return id % every == 0; };
        double recall = 0;
        for (int i = 0; i < 20; i++) {
            const auto got = index_->search(query(i), 10, accept);
            ASSERT_EQ(got.size(), 10u) << "1 in " << every;
            for (const auto& h : got) EXPECT_TRUE(accept(h.id));
            const auto truth = brute_force(*vectors_, *ids_, dim, query(i), 10, accept);
            EXPECT_EQ(got[0].id, truth[0].id) << "1 in " << every;
            recall += recall_at(got, truth);
        }
        // One in a hundred leaves about two accepted vectors in the query's cluster; the rest of its true
        // ten are far away, at similarities the lists near the query do not reach.
        if (every == 2) {
            EXPECT_GE(recall / 20, 0.95);
        }
    }
}

TEST_F(ann_library, nprobe_option_sets_the_lists_probed_first) {
    const int64_t nlist = ivf_index::list_count(n);
    ASSERT_NE(index_->description().find("IVF" + std::to_string(nlist) + ","), std::string::npos);
    double one_list = 0;
    for (int i = 0; i < 20; i++) {
        const auto truth = brute_force(*vectors_, *ids_, dim, query(i), 10);
        // Every list probed: the exact answer.
        expect_same_hits(index_->search(query(i), 10, nullptr, {.nprobe = nlist}), truth);
        one_list += recall_at(index_->search(query(i), 10, nullptr, {.nprobe = 1}), truth);
        // 0 is the tuned value, the default.
        const auto tuned = index_->search(query(i), 10), zero = index_->search(query(i), 10, nullptr, {.nprobe = 0});
        ASSERT_EQ(tuned.size(), zero.size());
        for (size_t j = 0; j < tuned.size(); j++) EXPECT_EQ(tuned[j].id, zero[j].id);
    }
    // A query's neighbours lie in several of its cluster's lists: one list misses many of them.
    EXPECT_LT(one_list / 20, 0.9);
}

TEST(vector_index, one_and_two_threads_build_the_same_index_and_find_the_same_hits) {
    // 40,000 rows: an exact scan splits over two threads (16,384+ rows each), and so does an IVF scan of
    // every list (32,768+ rows).
    const int64_t n = 40000, dim = 32;
    const auto v = clustered(n, dim, 50, 1.0f, 11);
    const auto ids = scattered_ids(n);
    const auto q = clustered(10, dim, 50, 1.0f, 12);
    const auto exact = vector_index::build(v.data(), ids.data(), n, dim, index_choice::exact, 2);
    const auto ann1 = vector_index::build(v.data(), ids.data(), n, dim, index_choice::ann, 1);
    const auto ann2 = vector_index::build(v.data(), ids.data(), n, dim, index_choice::ann, 2);
    EXPECT_EQ(ann1.description(), ann2.description());
    const int64_t every_list = ivf_index::list_count(n);
    for (int i = 0; i < 10; i++) {
        const float* query = q.data() + i * dim;
        const auto truth = brute_force(v, ids, dim, query, 10);
        const auto e1 = exact.search(query, 10, nullptr, {.threads = 1});
        const auto e2 = exact.search(query, 10, nullptr, {.threads = 2});
        expect_same_hits(e1, truth);
        expect_same_hits(e2, e1);
        const auto a1 = ann2.search(query, 10, nullptr, {.threads = 1, .nprobe = every_list});
        const auto a2 = ann2.search(query, 10, nullptr, {.threads = 2, .nprobe = every_list});
        expect_same_hits(a1, truth);
        ASSERT_EQ(a1.size(), a2.size());
        for (size_t j = 0; j < a1.size(); j++) {
            EXPECT_EQ(a1[j].id, a2[j].id) << "query " << i << " rank " << j;
            EXPECT_EQ(a1[j].score, a2[j].score) << "query " << i << " rank " << j;
        }
        // The index built on one thread gives the same answers at its tuned nprobe.
        const auto t1 = ann1.search(query, 10), t2 = ann2.search(query, 10, nullptr, {.threads = 2});
        ASSERT_EQ(t1.size(), t2.size());
        for (size_t j = 0; j < t1.size(); j++) EXPECT_EQ(t1[j].id, t2[j].id) << "query " << i << " rank " << j;
    }
}

TEST_F(ann_library, very_selective_filter_falls_back_to_exact_search) {
    // 7 accepted ids out of 20,000, scattered over every cluster: k = 10 gives exactly those 7, in order.
    std::set<int64_t> wanted;
    for (int i = 0; i < 7; i++) wanted.insert((*ids_)[i * 2857]);
    auto accept = [&](int64_t id) { return wanted.count(id) > 0; };
    const auto got = index_->search(query(3), 10, accept);
    expect_same_hits(got, brute_force(*vectors_, *ids_, dim, query(3), 10, accept));
    EXPECT_EQ(got.size(), 7u);
    // 40 accepted: still the exact 10 best of them.
    for (int i = 0; i < 40; i++) wanted.insert((*ids_)[i * 499 + 1]);
    expect_same_hits(index_->search(query(5), 10, accept), brute_force(*vectors_, *ids_, dim, query(5), 10, accept));
    // None accepted.
    EXPECT_TRUE(index_->search(query(5), 10, [](int64_t) { return false; }).empty());
}

TEST_F(ann_library, filter_is_called_on_the_calling_thread_only) {
    const auto caller = std::this_thread::get_id();
    bool elsewhere = false;
    auto accept = [&](int64_t id) {
        if (std::this_thread::get_id() != caller) elsewhere = true;
        return id % 3 == 0;
    };
    for (int i = 0; i < 10; i++) index_->search(query(i), 10, accept);
    EXPECT_FALSE(elsewhere);
}

TEST_F(ann_library, an_exception_from_the_filter_reaches_the_caller) {
    auto accept = [](int64_t) -> bool { throw std::runtime_error("filter failed"); };
    EXPECT_THROW(index_->search(query(0), 10, accept), std::runtime_error);
}

TEST_F(ann_library, k_larger_than_the_probed_lists_still_gives_k) {
    const auto got = index_->search(query(1), 3000);
    ASSERT_EQ(got.size(), 3000u);
    std::set<int64_t> distinct;
    for (const auto& h : got) distinct.insert(h.id);
    EXPECT_EQ(distinct.size(), 3000u);
    EXPECT_EQ(index_->search(query(1), n + 50).size(), static_cast<size_t>(n));
}

TEST_F(ann_library, save_and_load_give_identical_results) {
    const fs::path file = temp_path("ann.index");
    index_->save(file, "catalog state 42");
    const auto loaded = vector_index::load(file, "catalog state 42");
    EXPECT_TRUE(loaded.approximate());
    EXPECT_EQ(loaded.description(), index_->description());
    EXPECT_EQ(loaded.memory_bytes(), index_->memory_bytes());
    auto accept = [](int64_t id) { return id % 5 == 1; };
    for (int i = 0; i < 20; i++) {
        const auto a = index_->search(query(i), 10), b = loaded.search(query(i), 10);
        ASSERT_EQ(a.size(), b.size());
        for (size_t j = 0; j < a.size(); j++) {
            EXPECT_EQ(a[j].id, b[j].id);
            EXPECT_EQ(a[j].score, b[j].score);
        }
        const auto fa = index_->search(query(i), 10, accept), fb = loaded.search(query(i), 10, accept);
        ASSERT_EQ(fa.size(), fb.size());
        for (size_t j = 0; j < fa.size(); j++) EXPECT_EQ(fa[j].id, fb[j].id);
    }
    EXPECT_THROW(vector_index::load(file, "catalog state 43"), error);
    fs::remove(file);
}

TEST(vector_index, exact_save_and_load_round_trip) {
    const int64_t n = 500, dim = 32;
    const auto v = clustered(n, dim, 10, 1.0f, 5);
    const auto ids = scattered_ids(n);
    const auto idx = vector_index::build(v.data(), ids.data(), n, dim, index_choice::automatic, 1);
    const fs::path file = temp_path("exact.index");
    idx.save(file, "fp");
    const auto loaded = vector_index::load(file, "fp");
    EXPECT_FALSE(loaded.approximate());
    EXPECT_EQ(loaded.size(), n);
    EXPECT_EQ(loaded.dim(), dim);
    for (int i = 0; i < 10; i++) {
        const auto a = idx.search(v.data() + i * dim, 7), b = loaded.search(v.data() + i * dim, 7);
        ASSERT_EQ(a.size(), b.size());
        for (size_t j = 0; j < a.size(); j++) EXPECT_EQ(a[j].id, b[j].id);
    }
    // Saving over the file it was loaded from replaces the file whole, and the loaded index (which maps
    // the old file) still answers.
    const auto before = loaded.search(v.data(), 7);
    loaded.save(file, "fp2");
    EXPECT_NO_THROW(vector_index::load(file, "fp2"));
    const auto after = loaded.search(v.data(), 7);
    ASSERT_EQ(after.size(), before.size());
    for (size_t j = 0; j < after.size(); j++) EXPECT_EQ(after[j].id, before[j].id);
    fs::remove(file);
}

TEST(vector_index, load_refuses_damaged_files) {
    const int64_t n = 300, dim = 16;
    const auto v = clustered(n, dim, 5, 1.0f, 6);
    const auto ids = scattered_ids(n);
    const fs::path file = temp_path("damaged.index"), bad = temp_path("damaged2.index");
    vector_index::build(v.data(), ids.data(), n, dim, index_choice::ann, 1).save(file, "fp");
    const std::string good = read_bytes(file);
    EXPECT_NO_THROW(vector_index::load(file, "fp"));
    EXPECT_THROW(vector_index::load(file, ""), error);
    EXPECT_THROW(vector_index::load(temp_path("missing.index"), "fp"), error);
    // Every cut, and a flipped bit at many places (header, fingerprint, ids, vectors, centroids, offsets).
    for (size_t cut : {size_t(0), size_t(10), size_t(63), size_t(64), good.size() / 2, good.size() - 1}) {
        write_bytes(bad, good.substr(0, cut));
        EXPECT_THROW(vector_index::load(bad, "fp"), error) << "cut at " << cut;
    }
    write_bytes(bad, good + "x");
    EXPECT_THROW(vector_index::load(bad, "fp"), error);
    for (size_t at = 0; at < good.size(); at += std::max<size_t>(1, good.size() / 97)) {
        std::string flipped = good;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
        write_bytes(bad, flipped);
        EXPECT_THROW(vector_index::load(bad, "fp"), error) << "flipped byte " << at;
    }
    fs::remove(file);
    fs::remove(bad);
}

TEST(vector_index, load_refuses_every_corrupt_fixture) {
    const fs::path dir = test::data_dir() / "corrupt" / "index";
    EXPECT_NO_THROW(vector_index::load(dir / "valid_exact.index", "fixture"));
    const auto ivf = vector_index::load(dir / "valid_ivf.index", "fixture");
    EXPECT_TRUE(ivf.approximate());
    const float q[3] = {0, 0, 1};
    const auto hits = ivf.search(q, 10);
    ASSERT_EQ(hits.size(), 6u);
    EXPECT_EQ(hits[0].id, 25);
    EXPECT_FLOAT_EQ(hits[0].score, 1.0f);
    int refused = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".index" || name.rfind("valid_", 0) == 0) continue;
        try {
            vector_index::load(entry.path(), "fixture");
            ADD_FAILURE() << name << " was accepted";
        } catch (const error& e) {
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << "the message names the file: " << e.what();
            refused++;
        }
    }
    EXPECT_GE(refused, 10);
}

TEST(vector_index, automatic_choice_follows_exact_search_limit) {
    const int64_t limit = vector_index::exact_search_limit(), dim = 8;
    ASSERT_GT(limit, 0);
    const auto v = clustered(limit + 1, dim, 50, 1.0f, 7);
    const auto ids = scattered_ids(limit + 1);
    EXPECT_FALSE(vector_index::build(v.data(), ids.data(), limit, dim, index_choice::automatic, 1).approximate());
    EXPECT_TRUE(vector_index::build(v.data(), ids.data(), limit + 1, dim, index_choice::automatic, 1).approximate());
    EXPECT_FALSE(vector_index::build(v.data(), ids.data(), limit + 1, dim, index_choice::exact, 1).approximate());
    EXPECT_TRUE(vector_index::build(v.data(), ids.data(), 100, dim, index_choice::ann, 1).approximate());
}

TEST(vector_index, automatic_choice_stays_exact_for_vectors_without_clusters) {
    // Uniformly random directions: the neighbours lie in most lists, so lists cannot beat one exact pass.
    const int64_t n = vector_index::exact_search_limit() + 1000, dim = 64;
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n * dim));
    for (float& x : v) x = normal(rng);
    const auto ids = scattered_ids(n);
    const auto automatic = vector_index::build(v.data(), ids.data(), n, dim, index_choice::automatic, 1);
    EXPECT_FALSE(automatic.approximate()) << automatic.description();
    expect_same_hits(automatic.search(v.data() + 5 * dim, 10), brute_force(v, ids, dim, v.data() + 5 * dim, 10));
    EXPECT_TRUE(vector_index::build(v.data(), ids.data(), n, dim, index_choice::ann, 1).approximate());
}

TEST(vector_index, k_larger_than_n) {
    const int64_t dim = 8;
    const auto v = clustered(50, dim, 3, 1.0f, 8);
    const auto ids = scattered_ids(50);
    for (auto choice : {index_choice::exact, index_choice::ann}) {
        const auto idx = vector_index::build(v.data(), ids.data(), 50, dim, choice, 1);
        const auto got = idx.search(v.data(), 1000);
        expect_same_hits(got, brute_force(v, ids, dim, v.data(), 1000));
        EXPECT_EQ(got.size(), 50u);
        EXPECT_TRUE(idx.search(v.data(), 0).empty());
    }
}

TEST(vector_index, small_ann_index_is_exact) {
    // 30 vectors make one list, which every query scans whole.
    const int64_t dim = 8;
    const auto v = clustered(30, dim, 3, 1.0f, 9);
    const auto ids = scattered_ids(30);
    const auto idx = vector_index::build(v.data(), ids.data(), 30, dim, index_choice::ann, 1);
    EXPECT_TRUE(idx.approximate());
    for (int i = 0; i < 30; i++) expect_same_hits(idx.search(v.data() + i * dim, 5), brute_force(v, ids, dim, v.data() + i * dim, 5));
}

TEST(vector_index, empty_index) {
    for (auto choice : {index_choice::automatic, index_choice::exact, index_choice::ann}) {
        const auto idx = vector_index::build(nullptr, nullptr, 0, 512, choice, 1);
        EXPECT_EQ(idx.size(), 0);
        EXPECT_EQ(idx.dim(), 512);
        const std::vector<float> q(512, 0.0f);
        EXPECT_TRUE(idx.search(q.data(), 10).empty());
        const fs::path file = temp_path("empty.index");
        idx.save(file, "empty");
        const auto loaded = vector_index::load(file, "empty");
        EXPECT_EQ(loaded.size(), 0);
        EXPECT_TRUE(loaded.search(q.data(), 10).empty());
        fs::remove(file);
    }
    // An empty library does not know its dimension yet.
    const auto unknown = vector_index::build(nullptr, nullptr, 0, 0, index_choice::automatic, 1);
    const fs::path file = temp_path("empty0.index");
    unknown.save(file, "empty");
    EXPECT_EQ(vector_index::load(file, "empty").size(), 0);
    fs::remove(file);
}

TEST(vector_index, build_refuses_bad_input) {
    std::vector<float> v = {1, 0, 0, 1};
    std::vector<int64_t> same = {7, 7}, distinct = {1, 2};
    EXPECT_THROW(vector_index::build(v.data(), same.data(), 2, 2, index_choice::exact, 1), error);
    v[1] = NAN;
    EXPECT_THROW(vector_index::build(v.data(), distinct.data(), 2, 2, index_choice::exact, 1), error);
    EXPECT_THROW(vector_index::build(v.data(), distinct.data(), 2, 0, index_choice::exact, 1), error);
    EXPECT_THROW(vector_index::build(v.data(), distinct.data(), -1, 2, index_choice::exact, 1), error);
    v[1] = 0;
    const auto idx = vector_index::build(v.data(), distinct.data(), 2, 2, index_choice::exact, 1);
    const float nan_query[2] = {NAN, 1};
    EXPECT_THROW(idx.search(nan_query, 1), error);
}

// The range self-join behind duplicates' tier 3: exact pairs_above equals a brute-force loop over
// every pair, and the IVF one (8 probes) finds every planted close copy among clustered vectors.
TEST(vector_index, pairs_above_finds_planted_close_copies_exactly_and_through_ivf_lists) {
    constexpr int64_t base = 8000, copies = 300, dim = 64;
    std::vector<float> v = clustered(base, dim, 40, 1.0f, 7);
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::set<std::pair<int64_t, int64_t>> planted;
    const std::vector<int64_t> ids = scattered_ids(base + copies);
    for (int64_t c = 0; c < copies; c++) {
        const int64_t src = (c * 26) % base;
        std::vector<float> noise(dim);
        double s = 0;
        for (float& x : noise) {
            x = normal(rng);
            s += double(x) * x;
        }
        std::vector<float> copy(dim);
        double t = 0;
        for (int64_t j = 0; j < dim; j++) {
            copy[j] = v[src * dim + j] + 0.25f * noise[j] / float(std::sqrt(s));
            t += double(copy[j]) * copy[j];
        }
        for (float& x : copy) x = static_cast<float>(x / std::sqrt(t));
        v.insert(v.end(), copy.begin(), copy.end());
        planted.insert({std::min(ids[src], ids[base + c]), std::max(ids[src], ids[base + c])});
    }
    const int64_t n = base + copies;
    const float threshold = 0.95f;
    std::set<std::pair<int64_t, int64_t>> truth;
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = a + 1; b < n; b++) {
            double s = 0;
            for (int64_t j = 0; j < dim; j++) s += double(v[a * dim + j]) * v[b * dim + j];
            if (s >= threshold) truth.insert({std::min(ids[a], ids[b]), std::max(ids[a], ids[b])});
        }
    for (const auto& p : planted) ASSERT_TRUE(truth.count(p)) << "a planted copy below the threshold";
    const auto exact = vector_index::build(v.data(), ids.data(), n, dim, index_choice::exact, 2).pairs_above(threshold, 8, 2);
    const std::set<std::pair<int64_t, int64_t>> exact_set(exact.begin(), exact.end());
    EXPECT_EQ(exact_set, truth);
    EXPECT_TRUE(std::is_sorted(exact.begin(), exact.end()));
    const vector_index ivf = vector_index::build(v.data(), ids.data(), n, dim, index_choice::ann, 2);
    ASSERT_TRUE(ivf.approximate());
    const auto approx = ivf.pairs_above(threshold, 8, 2);
    const std::set<std::pair<int64_t, int64_t>> got(approx.begin(), approx.end());
    EXPECT_EQ(got.size(), approx.size()) << "a pair reported twice";
    size_t found = 0;
    for (const auto& p : got) EXPECT_TRUE(truth.count(p)) << "a pair below the threshold";
    for (const auto& p : planted) found += got.count(p);
    EXPECT_EQ(found, planted.size());
}
