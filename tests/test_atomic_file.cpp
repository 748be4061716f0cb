// Atomic file writes: the target holds the old content or the whole new one, never a part.
#include <gtest/gtest.h>

#include "cli_run.h"
#include "sonavec/atomic_file.h"
#include "sonavec/error.h"

using namespace sonavec;
namespace fs = std::filesystem;

namespace {

const fs::path& work_dir() { return test::scratch_dir(); }

}  // namespace

TEST(AtomicFile, WholeContentReplacesTheTarget) {
    const fs::path target = work_dir() / "whole.txt";
    write_file_atomically(target, "old");
    write_file_atomically(target, std::string("new\0bytes", 9));
    EXPECT_EQ(test::read_file(target), std::string("new\0bytes", 9));
    EXPECT_EQ(std::distance(fs::directory_iterator(work_dir()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, StreamedContentAppearsOnlyAtCommit) {
    const fs::path target = work_dir() / "streamed.txt";
    write_file_atomically(target, "old");
    {
        atomic_file_writer w(target);
        for (int i = 0; i < 1000; i++) w.stream() << i << "\n";
        EXPECT_EQ(test::read_file(target), "old");
        w.commit();
    }
    EXPECT_EQ(test::read_file(target).substr(0, 4), "0\n1\n");
    {
        atomic_file_writer abandoned(target);
        abandoned.stream() << "half";
    }  // an error before commit: the old file stays and no temporary file is left
    EXPECT_EQ(test::read_file(target).substr(0, 4), "0\n1\n");
    for (const auto& f : fs::directory_iterator(work_dir()))
        EXPECT_EQ(f.path().string().find(".tmp-"), std::string::npos) << f.path();
}

TEST(AtomicFile, AnUnwritableFolderIsAnErrorNamingThePath) {
    const fs::path target = work_dir() / "missing" / "x.txt";
    try {
        atomic_file_writer w(target);
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
    }
}
