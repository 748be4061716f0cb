// libFuzzer target: any bytes as a checkpoint's data.pkl, straight into the bounded unpickler,
// so mutations reach the pickle without first having to keep a zip archive consistent.
#include <cstddef>
#include <cstdint>

#include "nn/state_dict_pickle.h"
#include "sonavec/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        sonavec::read_state_dict_pickle(reinterpret_cast<const std::byte*>(data), size, "fuzz");
    } catch (const sonavec::error&) {
    }
    return 0;
}
