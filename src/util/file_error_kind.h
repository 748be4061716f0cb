// The error kind of a failed file-system call: a path that does not exist is not_found, anything else
// (permission, a full disk, a device error) is io.
#pragma once
#include <system_error>

#include "sonavec/error.h"

namespace sonavec {

error_kind file_error_kind(int errno_value);
error_kind file_error_kind(const std::error_code& ec);

}  // namespace sonavec
