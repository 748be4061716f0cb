#include "util/checksum.h"

#include <algorithm>
#include <cstring>

namespace sonavec {

namespace {

// Odd 64-bit constants with well-mixed bits; each lane step is a bijection of the lane for a given word.
constexpr uint64_t k1 = 0x9e3779b185ebca87ULL;
constexpr uint64_t k2 = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t k3 = 0x165667b19e3779f9ULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t mix(uint64_t lane, uint64_t word) { return rotl(lane + word * k2, 31) * k1; }

uint64_t load64(const unsigned char* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

}  // namespace

checksum64::checksum64() : lanes_{k1 + k2, k2, 0, 0 - k1} {}

void checksum64::block(const unsigned char* p) {
    for (int i = 0; i < 4; i++) lanes_[i] = mix(lanes_[i], load64(p + 8 * i));
}

void checksum64::update(const void* data, size_t size) {
    if (size == 0) return;
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (buffered_ > 0) {
        const size_t take = std::min(size, buffer_.size() - buffered_);
        std::memcpy(buffer_.data() + buffered_, p, take);
        buffered_ += take;
        p += take;
        size -= take;
        if (buffered_ < buffer_.size()) return;
        block(buffer_.data());
        buffered_ = 0;
    }
    for (; size >= 32; p += 32, size -= 32) block(p);
    std::memcpy(buffer_.data(), p, size);
    buffered_ = size;
}

uint64_t checksum64::value() const {
    uint64_t h = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
    for (uint64_t lane : lanes_) h = (h ^ mix(0, lane)) * k1 + k3;
    h += total_;
    // The tail, one byte at a time, so that no padding byte can stand in for a real one.
    for (size_t i = 0; i < buffered_; i++) h = rotl(h ^ (buffer_[i] * k3), 11) * k1;
    // Final avalanche: every input bit reaches every output bit.
    h ^= h >> 33;
    h *= k2;
    h ^= h >> 29;
    h *= k3;
    h ^= h >> 32;
    return h;
}

}  // namespace sonavec
