#include "audio/riff_declared_size.h"

#include <array>
#include <cstring>
#include <fstream>

namespace sonavec {
namespace {

constexpr int max_chunks = 1024;  // a header is a handful of chunks; a hostile one may be endless

uint32_t little_endian_32(const char* p) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
           static_cast<uint32_t>(b[3]) << 24;
}

}  // namespace

std::optional<uint64_t> riff_declared_data_end(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<char, 12> riff{};
    if (!in.read(riff.data(), riff.size())) return std::nullopt;
    if (std::memcmp(riff.data(), "RIFF", 4) != 0 || std::memcmp(riff.data() + 8, "WAVE", 4) != 0) return std::nullopt;
    uint64_t offset = 12;
    for (int i = 0; i < max_chunks; ++i) {
        std::array<char, 8> chunk{};
        in.seekg(static_cast<std::streamoff>(offset));
        if (!in.read(chunk.data(), chunk.size())) return std::nullopt;
        const uint32_t size = little_endian_32(chunk.data() + 4);
        if (std::memcmp(chunk.data(), "data", 4) == 0) {
            if (size == 0 || size == 0xFFFFFFFFu) return std::nullopt;
            return offset + 8 + size;
        }
        offset += 8 + static_cast<uint64_t>(size) + (size & 1);  // chunks are padded to even sizes
    }
    return std::nullopt;
}

}  // namespace sonavec
