#include "nn/safetensors_writer.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "nn/tensor_file.h"
#include "sonavec/error.h"

namespace sonavec {

void write_safetensors(const std::filesystem::path& path, const std::vector<tensor_to_write>& tensors,
                       const std::function<void(size_t, float*)>& fill) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    uint64_t offset = 0;
    for (auto& t : tensors) {
        const uint64_t bytes = static_cast<uint64_t>(checked_numel(t.shape, t.name)) * sizeof(float);
        header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned, as the format recommends
    const auto tmp = path.string() + ".part";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw error(error_kind::io, "cannot write " + tmp);
        const uint64_t len = text.size();
        out.write(reinterpret_cast<const char*>(&len), 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        std::vector<float> buf;
        for (size_t i = 0; i < tensors.size(); i++) {
            buf.assign(static_cast<size_t>(checked_numel(tensors[i].shape, tensors[i].name)), 0.0f);
            fill(i, buf.data());
            out.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size() * 4));
        }
        if (!out.flush()) throw error(error_kind::io, "write failed: " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

}  // namespace sonavec
