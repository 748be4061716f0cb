#include "catalog_compare.h"

#include <gtest/gtest.h>

namespace sonavec::test {

void expect_same_entry(const catalog_entry& a, const catalog_entry& b) {
    SCOPED_TRACE(b.path);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.size_bytes, b.size_bytes);
    EXPECT_EQ(a.mtime_ns, b.mtime_ns);
    EXPECT_EQ(a.content_hash, b.content_hash);
    EXPECT_EQ(a.duration_seconds, b.duration_seconds);
    EXPECT_EQ(a.format, b.format);
    EXPECT_EQ(a.sample_rate, b.sample_rate);
    EXPECT_EQ(a.channels, b.channels);
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.model_id, b.model_id);
    EXPECT_EQ(a.window_plan, b.window_plan);
    EXPECT_EQ(a.vector, b.vector);
    ASSERT_EQ(a.windows.size(), b.windows.size());
    for (size_t i = 0; i < a.windows.size(); i++) {
        EXPECT_EQ(a.windows[i].start_seconds, b.windows[i].start_seconds);
        EXPECT_EQ(a.windows[i].length_seconds, b.windows[i].length_seconds);
        EXPECT_EQ(a.windows[i].vector, b.windows[i].vector);
    }
}

}  // namespace sonavec::test
