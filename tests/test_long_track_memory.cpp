// Memory does not grow with a track's length or its window plan: windows stream through the tower a
// batch at a time. Before, every window of a file was decoded before any was embedded: `--windows full
// --hop 0.25` held ~2.2 MB per window (2.5 GB for 5 minutes). This program runs nothing else, so the
// peak resident size of its children is sonavec's.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "test_data.h"

using namespace sonavec;
using test::quoted;

TEST(long_track_memory, a_dense_full_plan_streams_in_bounded_memory) {
    const auto flac = test::scratch_dir() / "long.flac";
    const auto made = test::run_shell("sox -n -r 48000 -c 1 " + quoted(flac) + " synth 80 sine 300-900 vol 0.3");
    ASSERT_EQ(made.code, 0) << made.err;

    // 80 s every 0.25 s: 281 windows of 10 s, which took ~610 MB when they were all decoded first.
    const auto out = test::scratch_dir() / "long.jsonl";
    const auto r = test::run_cli("embed --model " + quoted(test::golden_dir() / "model") +
                                 " --windows full --hop 0.25 --threads 2 --quiet --format jsonl --out " + quoted(out) +
                                 " " + quoted(flac));
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(test::read_file(out));
    EXPECT_EQ(j.at("windows").get<int>(), 281);

    rusage children{};
    ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &children), 0);
    const double peak_mb = static_cast<double>(children.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
    EXPECT_LT(peak_mb, 250.0) << "peak RSS of sonavec embed: " << peak_mb << " MB";
}
