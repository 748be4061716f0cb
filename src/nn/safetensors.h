// Reader for the safetensors format: u64 header length, JSON header, raw little-endian data.
// ref: https://github.com/huggingface/safetensors (format description)
#pragma once
#include "nn/tensor_file.h"

namespace sonavec {

class safetensors_file : public tensor_file {
public:
    explicit safetensors_file(std::unique_ptr<mapped_file> file);
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

private:
    std::map<std::string, std::string> metadata_;
};

}  // namespace sonavec
