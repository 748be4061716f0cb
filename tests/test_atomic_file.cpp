// Atomic file writes: the target holds the old content or the whole new one, never a part.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

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

TEST(AtomicFile, ThreadsWritingOneTargetAtOnceEachCommitAWholeFile) {
    // Two threads of one process once shared a temporary name, and one's rename found it gone.
    const fs::path dir = work_dir() / "threads";
    fs::create_directories(dir);
    const fs::path target = dir / "shared.index";
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; t++)
        writers.emplace_back([&, t] {
            const std::string content(4096, static_cast<char>('a' + t));
            for (int i = 0; i < 50; i++) {
                try {
                    write_file_atomically(target, content);
                } catch (const error&) {
                    failures++;
                }
            }
        });
    for (auto& w : writers) w.join();
    EXPECT_EQ(failures.load(), 0);
    const std::string got = test::read_file(target);
    ASSERT_EQ(got.size(), 4096u);
    EXPECT_EQ(got.find_first_not_of(got[0]), std::string::npos);  // one writer's whole file
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
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
