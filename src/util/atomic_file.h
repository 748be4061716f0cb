// Writing a file all at once or not at all: the content goes to a temporary file beside the target,
// which is renamed over it only when complete, so an interrupted run never leaves half a file.
#pragma once
#include <filesystem>
#include <string_view>

namespace sonavec {

// Throws sonavec::error naming the path and the reason; the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace sonavec
