// Writing a file all at once or not at all: the content goes to a temporary file beside the target,
// which is renamed over it only when complete, so an interrupted run never leaves half a file.
#pragma once
#include <filesystem>
#include <fstream>
#include <string_view>

namespace sonavec {

// Throws sonavec::error naming the path and the reason; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// The same for content written piece by piece (an export larger than memory would like):
//   atomic_file_writer w(path);  w.stream() << ...;  w.commit();
// A writer destroyed before commit() removes its temporary file and leaves the target untouched.
class atomic_file_writer {
public:
    explicit atomic_file_writer(const std::filesystem::path& path);  // throws when it cannot create the file
    ~atomic_file_writer();
    atomic_file_writer(const atomic_file_writer&) = delete;
    atomic_file_writer& operator=(const atomic_file_writer&) = delete;

    std::ostream& stream() { return out_; }
    // Flushes, syncs and renames over the target; throws sonavec::error naming the path on failure.
    void commit();

private:
    std::filesystem::path path_, tmp_;
    std::ofstream out_;
    bool committed_ = false;
};

}  // namespace sonavec
