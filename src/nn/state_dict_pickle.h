// A bounded unpickler for the data.pkl of a PyTorch zip checkpoint holding a state dict.
// It knows only the opcodes torch.save emits for one (pickle protocol 2, plus the few protocol 4
// framing opcodes) and only the globals a state dict needs: OrderedDict, the tensor rebuild
// functions and the typed storage classes. Anything else, os.system included, is refused.
// ref: CPython Lib/pickletools.py (opcode semantics), torch/_utils.py _rebuild_tensor_v2,
//      torch/serialization.py _load (persistent ids ('storage', type, key, location, numel))
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/tensor_file.h"

namespace sonavec {

// One tensor as the pickle describes it; the storage itself lives in the archive at data/<storage_key>.
struct pickled_tensor {
    std::string storage_key;
    dtype type = dtype::f32;       // from the storage class (torch.FloatStorage, ...)
    int64_t storage_numel = 0;     // elements in the whole storage, as the pickle states
    int64_t storage_offset = 0;    // in elements
    std::vector<int64_t> shape;
    std::vector<int64_t> stride;   // in elements
};

// The state dict's entries in pickle order. Throws sonavec::error, prefixed with `where`, on any
// malformed, oversized or forbidden content.
std::vector<std::pair<std::string, pickled_tensor>> read_state_dict_pickle(const std::byte* data, size_t size,
                                                                           const std::string& where);

}  // namespace sonavec
