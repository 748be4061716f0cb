#include "library/name_uuid.h"

#include <vector>

namespace sonavec {

namespace {

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// SHA-1 (FIPS 180-4) of a short message; only UUID version 5 needs it, not for security.
std::array<uint8_t, 20> sha1(const std::vector<uint8_t>& message) {
    std::vector<uint8_t> m = message;
    const uint64_t bits = static_cast<uint64_t>(message.size()) * 8;
    m.push_back(0x80);
    while (m.size() % 64 != 56) m.push_back(0);
    for (int i = 7; i >= 0; i--) m.push_back(static_cast<uint8_t>(bits >> (8 * i)));

    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    for (size_t block = 0; block < m.size(); block += 64) {
        uint32_t w[80];
        for (int t = 0; t < 16; t++)
            w[t] = (uint32_t{m[block + 4 * t]} << 24) | (uint32_t{m[block + 4 * t + 1]} << 16) |
                   (uint32_t{m[block + 4 * t + 2]} << 8) | uint32_t{m[block + 4 * t + 3]};
        for (int t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int t = 0; t < 80; t++) {
            uint32_t f, k;
            if (t < 20)      f = (b & c) | (~b & d),          k = 0x5A827999;
            else if (t < 40) f = b ^ c ^ d,                   k = 0x6ED9EBA1;
            else if (t < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else             f = b ^ c ^ d,                   k = 0xCA62C1D6;
            const uint32_t temp = rotl(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = temp;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::array<uint8_t, 20> out;
    for (int i = 0; i < 20; i++) out[i] = static_cast<uint8_t>(h[i / 4] >> (24 - 8 * (i % 4)));
    return out;
}

}  // namespace

std::string uuid5(const uuid_bytes& ns, std::string_view name) {
    std::vector<uint8_t> message(ns.begin(), ns.end());
    message.insert(message.end(), name.begin(), name.end());
    const auto digest = sha1(message);
    uuid_bytes u;
    for (int i = 0; i < 16; i++) u[i] = digest[i];
    u[6] = static_cast<uint8_t>((u[6] & 0x0f) | 0x50);  // version 5
    u[8] = static_cast<uint8_t>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[u[i] >> 4];
        s += hex[u[i] & 15];
    }
    return s;
}

std::string name_uuid(std::string_view name) {
    static const uuid_bytes dns = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                   0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    return uuid5(dns, name);
}

}  // namespace sonavec
