// SHA-256 (FIPS 180-4), used to check downloaded weights against the Hub's X-Linked-Etag.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace sonavec {

class sha256 {
public:
    sha256();
    void update(const void* data, size_t size);
    std::array<uint8_t, 32> finish();  // the object must not be updated afterwards
    std::string finish_hex();          // 64 lowercase hex digits

private:
    void block(const uint8_t* p);

    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t total_ = 0;
};

// Digest of a whole file, read in chunks.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace sonavec
