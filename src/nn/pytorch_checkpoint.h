// Reader for PyTorch zip checkpoints (torch.save of a state dict): a zip archive holding data.pkl,
// a pickle that names storages, and one raw little-endian file per storage under data/.
// The unpickler understands only the opcodes and globals a state dict needs, with every
// count and offset bounded; anything else is refused with an error.
#pragma once
#include "nn/tensor_file.h"

namespace sonavec {

class pytorch_checkpoint : public tensor_file {
public:
    explicit pytorch_checkpoint(std::unique_ptr<mapped_file> file);
};

}  // namespace sonavec
