// A fast 64-bit checksum (not cryptographic) that tells a damaged file from an intact one: any changed,
// missing or extra byte changes it. Fed in pieces of any size; the result depends only on the bytes.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace sonavec {

class checksum64 {
public:
    checksum64();
    void update(const void* data, size_t size);
    uint64_t value() const;  // may be called at any point; does not end the stream

private:
    void block(const unsigned char* p);  // 32 bytes

    std::array<uint64_t, 4> lanes_;
    std::array<unsigned char, 32> buffer_{};
    size_t buffered_ = 0;
    uint64_t total_ = 0;
};

}  // namespace sonavec
