// Who may ask (server.h): loopback addresses, the token compared in constant time, a token made from the
// system's random generator.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "server.h"
#include "sonavec/error.h"

namespace sonavec::server {

bool is_loopback(const std::string& bind) {
    return bind == "localhost" || bind == "::1" || bind == "[::1]" || bind.rfind("127.", 0) == 0;
}

bool same_token(const std::string& given, const std::string& expected) {
    // Every byte of the longer is looked at, whatever differs where: no early exit to time.
    const size_t n = std::max(given.size(), expected.size());
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (size_t i = 0; i < n; i++) {
        const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        const unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
        diff |= static_cast<unsigned char>(a ^ b);
    }
    return diff == 0 && !expected.empty();
}

std::string new_token() {
    unsigned char bytes[32];
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::read(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) {
        if (fd >= 0) ::close(fd);
        throw error(error_kind::io, "cannot read /dev/urandom to make a token");
    }
    ::close(fd);
    std::string hex;
    char two[3];
    for (unsigned char b : bytes) {
        std::snprintf(two, sizeof two, "%02x", b);
        hex += two;
    }
    return hex;
}

}  // namespace sonavec::server
