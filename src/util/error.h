// The one exception type sonavec throws; the CLI turns it into a message and an exit code.
#pragma once
#include <stdexcept>
#include <string>

namespace sonavec {

struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace sonavec
