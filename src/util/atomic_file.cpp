#include "util/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

#include "util/error.h"

namespace sonavec {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    // The pid keeps two processes writing the same target from sharing a temporary file.
    const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw error(path.string() + ": cannot write: " + std::strerror(errno));
    const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size();
    const int write_errno = errno;
    const bool flushed = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
    const bool closed = std::fclose(f) == 0;
    if (!written || !flushed || !closed) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw error(path.string() + ": write failed: " + std::strerror(written ? errno : write_errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp, ignored);
        throw error(path.string() + ": cannot replace: " + ec.message());
    }
}

}  // namespace sonavec
