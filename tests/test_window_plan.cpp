// Window plans at their edges: short tracks, clamped seeds, full-plan counts and tails, bad parameters.
#include <cmath>
#include <gtest/gtest.h>
#include <limits>

#include "sonavec/window_plan.h"
#include "sonavec/error.h"

using namespace sonavec;

namespace {

window_plan_params plan(window_plan_kind kind) {
    window_plan_params p;
    p.kind = kind;
    return p;
}

void expect_window(const analysis_window& w, double start, double length) {
    EXPECT_NEAR(w.start_seconds, start, 1e-9);
    EXPECT_NEAR(w.length_seconds, length, 1e-9);
}

}  // namespace

TEST(window_plan, seed_places_three_windows_at_10_45_80_percent) {
    auto w = plan_windows(plan(window_plan_kind::seed), 100.0);
    ASSERT_EQ(w.size(), 3u);
    expect_window(w[0], 10.0, 7.0);
    expect_window(w[1], 45.0, 7.0);
    expect_window(w[2], 80.0, 7.0);
}

TEST(window_plan, seed_clamps_a_late_start_so_the_window_ends_inside_the_track) {
    // 80 % of 20 s is 16 s, but a 7 s window must start by 13 s.
    auto w = plan_windows(plan(window_plan_kind::seed), 20.0);
    ASSERT_EQ(w.size(), 3u);
    expect_window(w[0], 2.0, 7.0);
    expect_window(w[1], 9.0, 7.0);
    expect_window(w[2], 13.0, 7.0);
    for (auto& x : w) EXPECT_LE(x.start_seconds + x.length_seconds, 20.0 + 1e-9);
}

TEST(window_plan, seed_just_longer_than_a_window_clamps_every_start) {
    auto w = plan_windows(plan(window_plan_kind::seed), 7.5);
    ASSERT_EQ(w.size(), 3u);
    expect_window(w[0], 0.5, 7.0);  // 10 % is 0.75 s: clamped to 7.5 - 7
    expect_window(w[1], 0.5, 7.0);
    expect_window(w[2], 0.5, 7.0);
}

TEST(window_plan, a_track_shorter_than_a_window_is_one_window_of_the_whole_track) {
    for (auto kind : {window_plan_kind::seed, window_plan_kind::full, window_plan_kind::first}) {
        auto w = plan_windows(plan(kind), 3.25);
        ASSERT_EQ(w.size(), 1u) << window_plan_kind_name(kind);
        expect_window(w[0], 0.0, 3.25);
    }
}

TEST(window_plan, a_track_exactly_one_window_long_is_one_window) {
    auto seed = plan_windows(plan(window_plan_kind::seed), 7.0);
    ASSERT_EQ(seed.size(), 1u);
    expect_window(seed[0], 0.0, 7.0);
    auto full = plan_windows(plan(window_plan_kind::full), 10.0);
    ASSERT_EQ(full.size(), 1u);
    expect_window(full[0], 0.0, 10.0);
}

TEST(window_plan, first_takes_one_tower_length_window_from_the_start) {
    auto w = plan_windows(plan(window_plan_kind::first), 180.0);
    ASSERT_EQ(w.size(), 1u);
    expect_window(w[0], 0.0, 10.0);
    auto p = plan(window_plan_kind::first);
    p.window_seconds = 4.0;
    auto w4 = plan_windows(p, 180.0);
    ASSERT_EQ(w4.size(), 1u);
    expect_window(w4[0], 0.0, 4.0);
}

TEST(window_plan, full_covers_the_track_and_keeps_a_tail_of_at_least_one_second) {
    auto exact = plan_windows(plan(window_plan_kind::full), 30.0);
    ASSERT_EQ(exact.size(), 3u);
    expect_window(exact[2], 20.0, 10.0);

    auto with_tail = plan_windows(plan(window_plan_kind::full), 31.5);
    ASSERT_EQ(with_tail.size(), 4u);
    expect_window(with_tail[3], 30.0, 1.5);

    auto short_tail = plan_windows(plan(window_plan_kind::full), 30.5);
    ASSERT_EQ(short_tail.size(), 3u);  // 0.5 s after the last full window is dropped
    expect_window(short_tail[2], 20.0, 10.0);

    auto one_second_tail = plan_windows(plan(window_plan_kind::full), 31.0);
    ASSERT_EQ(one_second_tail.size(), 4u);
    expect_window(one_second_tail[3], 30.0, 1.0);
}

TEST(window_plan, full_with_overlap_stops_at_the_first_window_that_reaches_the_end) {
    auto p = plan(window_plan_kind::full);
    p.hop_seconds = 5.0;
    auto w = plan_windows(p, 32.0);
    // 0-10, 5-15, 10-20, 15-25, 20-30, 25-32 (reaches the end; 30-32 would lie inside it).
    ASSERT_EQ(w.size(), 6u);
    for (size_t i = 0; i < w.size(); i++) EXPECT_NEAR(w[i].start_seconds, 5.0 * static_cast<double>(i), 1e-9);
    expect_window(w[5], 25.0, 7.0);
}

TEST(window_plan, full_window_count_over_a_long_track) {
    auto p = plan(window_plan_kind::full);
    p.window_seconds = 2.0;
    p.max_seconds = 1e5;
    auto w = plan_windows(p, 3600.0);
    ASSERT_EQ(w.size(), 1800u);
    expect_window(w.back(), 3598.0, 2.0);  // starts are exact multiples of the hop, not a drifting sum
}

TEST(window_plan, max_seconds_bounds_the_analysed_part) {
    auto full = plan_windows(plan(window_plan_kind::full), 3600.0);
    ASSERT_EQ(full.size(), 30u);  // 300 s by default
    expect_window(full.back(), 290.0, 10.0);

    auto p = plan(window_plan_kind::seed);
    p.max_seconds = 60.0;
    auto seed = plan_windows(p, 3600.0);
    ASSERT_EQ(seed.size(), 3u);
    expect_window(seed[0], 6.0, 7.0);
    expect_window(seed[1], 27.0, 7.0);
    expect_window(seed[2], 48.0, 7.0);

    p.max_seconds = 5.0;
    auto tiny = plan_windows(p, 3600.0);
    ASSERT_EQ(tiny.size(), 1u);
    expect_window(tiny[0], 0.0, 5.0);
}

TEST(window_plan, defaults_follow_the_towers_input_length) {
    auto p = plan(window_plan_kind::full);
    p.max_window_seconds = 5.0;  // a model with a 5 s input
    auto w = plan_windows(p, 12.0);
    ASSERT_EQ(w.size(), 3u);
    expect_window(w[2], 10.0, 2.0);
    auto s = plan(window_plan_kind::seed);
    s.max_window_seconds = 5.0;
    EXPECT_DOUBLE_EQ(s.effective_window_seconds(), 5.0);
}

TEST(window_plan, bad_parameters_are_refused_with_a_reason) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (double bad : {0.0, -1.0, nan, 10.5, 0.49, 1e-300}) {
        auto p = plan(window_plan_kind::seed);
        p.window_seconds = bad;
        EXPECT_THROW(plan_windows(p, 100.0), error) << bad;
    }
    for (double bad : {0.0, -2.0, nan, 0.09, 1e-300, 3601.0}) {
        auto p = plan(window_plan_kind::full);
        p.hop_seconds = bad;
        EXPECT_THROW(plan_windows(p, 100.0), error) << bad;
    }
    for (double bad : {0.0, -300.0, nan, 604801.0, std::numeric_limits<double>::infinity()}) {
        auto p = plan(window_plan_kind::full);
        p.max_seconds = bad;
        EXPECT_THROW(plan_windows(p, 100.0), error) << bad;
    }
    auto hop_on_seed = plan(window_plan_kind::seed);
    hop_on_seed.hop_seconds = 2.0;
    EXPECT_THROW(hop_on_seed.validate(), error);

    auto ten = plan(window_plan_kind::full);
    ten.window_seconds = 10.0;
    EXPECT_NO_THROW(ten.validate());

    try {
        auto p = plan(window_plan_kind::seed);
        p.window_seconds = 12.0;
        p.validate();
        FAIL() << "a 12 s window was accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("exceeds"), std::string::npos) << e.what();
    }
}

TEST(window_plan, bounds_are_inclusive_and_a_plan_has_at_most_max_plan_windows) {
    auto p = plan(window_plan_kind::full);
    p.window_seconds = min_window_seconds;
    p.hop_seconds = min_hop_seconds;
    p.max_seconds = max_analysed_seconds;
    EXPECT_NO_THROW(p.validate());
    // Just under 10 000 s at a 0.1 s hop is at the cap; a second more is refused, naming the fix.
    const size_t at_cap = plan_windows(p, 9999.95).size();
    EXPECT_LE(at_cap, max_plan_windows);
    EXPECT_GT(at_cap, max_plan_windows - 10);
    try {
        plan_windows(p, 10001.0);
        FAIL() << "a plan of over " << max_plan_windows << " windows was accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("longer hop"), std::string::npos) << e.what();
    }
    p.hop_seconds = max_hop_seconds;
    EXPECT_EQ(plan_windows(p, 7200.0).size(), 2u);
}

TEST(window_plan, an_empty_track_has_no_windows) {
    for (double d : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
        EXPECT_THROW(plan_windows(plan(window_plan_kind::seed), d), error) << d;
}

TEST(window_plan, names_round_trip_and_unknown_names_are_refused) {
    for (auto k : {window_plan_kind::seed, window_plan_kind::full, window_plan_kind::first})
        EXPECT_EQ(parse_window_plan_kind(window_plan_kind_name(k)), k);
    EXPECT_THROW(parse_window_plan_kind("every"), error);
}
