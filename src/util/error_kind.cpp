#include <cerrno>

#include "sonavec/error.h"
#include "util/file_error_kind.h"

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
    return "?";
}

// ENOTDIR: a component of the path is a file, so the path names nothing.
error_kind file_error_kind(int errno_value) {
    return errno_value == ENOENT || errno_value == ENOTDIR ? error_kind::not_found : error_kind::io;
}

error_kind file_error_kind(const std::error_code& ec) {
    return ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory ? error_kind::not_found
                                                                                          : error_kind::io;
}

}  // namespace sonavec
