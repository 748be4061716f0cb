#include "nn/pytorch_checkpoint.h"

#include "util/error.h"

namespace sonavec {

// Placeholder until the zip + unpickler reader lands (being written now); refuses cleanly.
pytorch_checkpoint::pytorch_checkpoint(std::unique_ptr<mapped_file> file) {
    file_ = std::move(file);
    throw error(file_->path().string() + ": PyTorch checkpoints are not supported yet");
}

}  // namespace sonavec
