#include "nn/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sonavec/error.h"

namespace sonavec {

namespace {

constexpr uint64_t max_header_bytes = 100ull << 20;  // the format's own limit

dtype parse_dtype(const std::string& s, const std::string& what) {
    if (s == "F32") return dtype::f32;
    if (s == "F16") return dtype::f16;
    if (s == "BF16") return dtype::bf16;
    if (s == "F64") return dtype::f64;
    if (s == "I64") return dtype::i64;
    if (s == "I32") return dtype::i32;
    if (s == "I16") return dtype::i16;
    if (s == "I8") return dtype::i8;
    if (s == "U8") return dtype::u8;
    if (s == "BOOL") return dtype::boolean;
    throw error(error_kind::unsupported, what + ": unsupported dtype '" + s + "'");
}

}  // namespace

safetensors_file::safetensors_file(std::unique_ptr<mapped_file> file) {
    file_ = std::move(file);
    const std::string where = file_->path().string();
    const size_t size = file_->size();
    if (size < 8)
        throw error(error_kind::corrupt_file,
                    where + ": not a safetensors file (shorter than its 8-byte header length)");
    uint64_t header_len = 0;
    std::memcpy(&header_len, file_->data(), 8);  // little-endian on every platform we build for
    if (header_len > max_header_bytes || header_len > size - 8)
        throw error(error_kind::corrupt_file,
                    where + ": safetensors header length " + std::to_string(header_len) + " exceeds the file size " +
                        std::to_string(size));
    const char* header_begin = reinterpret_cast<const char*>(file_->data()) + 8;
    nlohmann::json header = nlohmann::json::parse(header_begin, header_begin + header_len, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        throw error(error_kind::corrupt_file, where + ": safetensors header is not a JSON object");

    const std::byte* data_begin = file_->data() + 8 + header_len;
    const uint64_t data_size = size - 8 - header_len;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) throw error(error_kind::corrupt_file, where + ": __metadata__ is not an object");
            for (auto& [k, v] : entry.items())
                if (v.is_string()) metadata_[k] = v.get<std::string>();
            continue;
        }
        const std::string what = where + ": tensor '" + name + "'";
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets") || !entry["dtype"].is_string() || !entry["shape"].is_array() ||
            !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
            throw error(error_kind::corrupt_file, what + ": malformed header entry");
        tensor_view view;
        view.type = parse_dtype(entry["dtype"].get<std::string>(), what);
        for (auto& d : entry["shape"]) {
            if (!d.is_number_unsigned())
                throw error(error_kind::corrupt_file, what + ": shape must hold non-negative integers");
            uint64_t v = d.get<uint64_t>();
            if (v > (1ull << 40))
                throw error(error_kind::corrupt_file, what + ": dimension " + std::to_string(v) + " is implausible");
            view.shape.push_back(static_cast<int64_t>(v));
        }
        const int64_t numel = checked_numel(view.shape, what);
        auto& offs = entry["data_offsets"];
        if (!offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
            throw error(error_kind::corrupt_file, what + ": data_offsets must be non-negative integers");
        const uint64_t begin = offs[0].get<uint64_t>(), end = offs[1].get<uint64_t>();
        if (begin > end || end > data_size)
            throw error(error_kind::corrupt_file,
                        what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                            ") fall outside the " + std::to_string(data_size) + "-byte data section");
        const uint64_t expected = static_cast<uint64_t>(numel) * dtype_size(view.type);
        if (numel > 0 && expected / static_cast<uint64_t>(numel) != dtype_size(view.type))
            throw error(error_kind::corrupt_file, what + ": byte size overflows");
        if (end - begin != expected)
            throw error(error_kind::corrupt_file,
                        what + ": holds " + std::to_string(end - begin) + " bytes but shape " +
                            shape_string(view.shape) + " of " + dtype_name(view.type) + " needs " +
                            std::to_string(expected));
        view.data = data_begin + begin;
        view.nbytes = expected;
        tensors_.emplace(name, std::move(view));
        if (begin < end) ranges.emplace_back(begin, end);
    }
    // The format gives every tensor its own bytes; overlapping ranges mean a corrupt or forged header.
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); i++)
        if (ranges[i].first < ranges[i - 1].second)
            throw error(error_kind::corrupt_file,
                        where + ": tensors' data_offsets overlap at byte " + std::to_string(ranges[i].first));
}

}  // namespace sonavec
