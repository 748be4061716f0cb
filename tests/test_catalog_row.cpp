// The catalog's row decoding on raw column values (what fuzz_catalog_row feeds it): each bound is accepted
// at its limit and refused one past it, and a refusal names the file, the row's path and the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "library/catalog_row.h"
#include "sonavec/error.h"

using namespace sonavec;

namespace {

catalog_row good_row() {
    catalog_row row;
    row.id = 3;
    row.path = "/m/a.flac";
    row.size_bytes = 10;
    row.duration_seconds = 2.5;
    row.format = "flac";
    row.sample_rate = 44100;
    row.channels = 2;
    row.tags = R"({"title":"t"})";
    row.status = "ok";
    return row;
}

catalog_blob blob_of(const std::vector<float>& v) { return {v.empty() ? nullptr : v.data(), v.size() * sizeof(float)}; }

// The message of the error f throws, or "" when it throws none.
template <class F>
std::string refusal(F f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

const catalog_row_decoder decode("lib/catalog.sqlite");

}  // namespace

TEST(catalog_row, a_good_row_decodes_to_its_values) {
    catalog_entry e = decode.entry(good_row());
    EXPECT_EQ(e.id, 3);
    EXPECT_EQ(e.path, "/m/a.flac");
    EXPECT_EQ(e.size_bytes, 10u);
    EXPECT_EQ(e.sample_rate, 44100);
    EXPECT_EQ(e.channels, 2);
    EXPECT_EQ(e.tags.at("title"), "t");
    EXPECT_EQ(e.status, entry_status::ok);
    const std::vector<float> v = {0.6f, 0.8f};
    EXPECT_EQ(decode.vector(e, true, 2, blob_of(v)), 2);
    EXPECT_EQ(e.vector, v);
    EXPECT_EQ(decode.window(0, 10, blob_of(v), 2, e.path, nullptr).vector, v);
}

TEST(catalog_row, values_at_their_bounds_are_accepted_and_past_them_refused) {
    catalog_row row = good_row();
    row.sample_rate = 100000000;
    row.channels = 65535;
    row.size_bytes = std::numeric_limits<int64_t>::max();
    EXPECT_NO_THROW(decode.entry(row));
    row.channels = 65536;
    EXPECT_NE(refusal([&] { decode.entry(row); }).find("sample rate or channel count out of range"), std::string::npos);
    row = good_row();
    row.size_bytes = -1;
    EXPECT_NE(refusal([&] { decode.entry(row); }).find("negative size"), std::string::npos);
    row = good_row();
    row.duration_seconds = std::numeric_limits<double>::infinity();
    EXPECT_NE(refusal([&] { decode.entry(row); }).find("bad duration"), std::string::npos);

    EXPECT_EQ(decode.dim(catalog_max_dim, "p"), catalog_max_dim);
    EXPECT_NE(refusal([&] { decode.dim(catalog_max_dim + 1, "p"); }).find("out of range"), std::string::npos);
    EXPECT_NE(refusal([&] { decode.dim(0, "p"); }).find("vector size 0 out of range"), std::string::npos);
}

TEST(catalog_row, vectors_must_match_the_status_size_and_be_finite) {
    catalog_entry ok = decode.entry(good_row());
    EXPECT_NE(refusal([&] { decode.vector(ok, false, 0, {}); }).find("no vector"), std::string::npos);
    // An empty BLOB (SQLite hands no pointer for it) is refused by its size before anything is copied.
    EXPECT_NE(refusal([&] { decode.vector(ok, true, 1, {}); }).find("vector of 0 bytes, expected 1 floats"),
              std::string::npos);
    const std::vector<float> nan = {1.0f, std::nanf("")};
    EXPECT_NE(refusal([&] { decode.vector(ok, true, 2, blob_of(nan)); }).find("non-finite"), std::string::npos);

    catalog_row failed_row = good_row();
    failed_row.status = "failed";
    catalog_entry failed = decode.entry(failed_row);
    EXPECT_EQ(decode.vector(failed, false, 0, {}), 0);
    const std::vector<float> v = {1.0f};
    EXPECT_NE(refusal([&] { decode.vector(failed, true, 1, blob_of(v)); }).find("a failed file with a vector"),
              std::string::npos);
    EXPECT_NE(refusal([&] { decode.window(-0.5, 1, blob_of(v), 1, "p", nullptr); }).find("bad window span"), std::string::npos);
}

TEST(catalog_row, a_refusal_names_the_file_and_the_row) {
    catalog_row row = good_row();
    row.tags = R"({"a":{"b":"c"}})";
    EXPECT_EQ(refusal([&] { decode.entry(row); }),
              "lib/catalog.sqlite: damaged row for '/m/a.flac': tags are not a flat JSON object");
}
