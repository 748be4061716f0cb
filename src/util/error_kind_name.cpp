#include "sonavec/error.h"

namespace sonavec {

const char* error_kind_name(error_kind kind) {
    switch (kind) {
        case error_kind::invalid_input: return "invalid input";
        case error_kind::not_found: return "not found";
        case error_kind::corrupt_file: return "corrupt file";
        case error_kind::io: return "I/O";
        case error_kind::unsupported: return "unsupported";
        case error_kind::busy: return "busy";
        case error_kind::cancelled: return "cancelled";
    }
    return "unknown";
}

}  // namespace sonavec
