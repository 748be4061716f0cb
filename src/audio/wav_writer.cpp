#include "audio/wav_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "sonavec/error.h"

namespace sonavec {

namespace {

void put_le(std::vector<unsigned char>& out, uint32_t v, int bytes) {
    for (int b = 0; b < bytes; b++) out.push_back(static_cast<unsigned char>(v >> (8 * b)));
}

}  // namespace

void write_wav_16(const std::filesystem::path& path, std::span<const float> mono, int sample_rate) {
    const uint64_t data_bytes = 2 * static_cast<uint64_t>(mono.size());
    if (data_bytes > 0xffffffffULL - 36 || sample_rate <= 0)
        throw error(error_kind::invalid_input, path.string() + ": too long for a WAV file");
    std::vector<unsigned char> out;
    out.reserve(44 + data_bytes);
    for (char c : std::string("RIFF")) out.push_back(static_cast<unsigned char>(c));
    put_le(out, static_cast<uint32_t>(36 + data_bytes), 4);
    for (char c : std::string("WAVEfmt ")) out.push_back(static_cast<unsigned char>(c));
    put_le(out, 16, 4);                                        // fmt chunk size
    put_le(out, 1, 2);                                         // PCM
    put_le(out, 1, 2);                                         // mono
    put_le(out, static_cast<uint32_t>(sample_rate), 4);
    put_le(out, static_cast<uint32_t>(sample_rate) * 2, 4);    // bytes per second
    put_le(out, 2, 2);                                         // block align
    put_le(out, 16, 2);                                        // bits
    for (char c : std::string("data")) out.push_back(static_cast<unsigned char>(c));
    put_le(out, static_cast<uint32_t>(data_bytes), 4);
    for (float x : mono) {
        const float c = std::isfinite(x) ? std::clamp(x, -1.0f, 1.0f) : 0.0f;
        put_le(out, static_cast<uint16_t>(static_cast<int16_t>(std::lround(c * 32767.0f))), 2);
    }
    std::filesystem::path tmp = path;
    tmp += ".part";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
        f.close();
        if (!f) throw error(error_kind::io, tmp.string() + ": cannot write");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw error(error_kind::io, path.string() + ": " + ec.message());
}

}  // namespace sonavec
