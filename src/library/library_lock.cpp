#include "library/library_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace sonavec {

namespace {

// The holder's "PID COMMAND" line, or "" when it has not written it yet (it has just taken the lock).
std::string holder_of(int fd) {
    char buf[128] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string line(buf, n > 0 ? static_cast<size_t>(n) : 0);
    line = line.substr(0, line.find('\n'));
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || line.find_first_not_of("0123456789") != space ||
        space + 1 == line.size() || line.find_first_not_of("abcdefghijklmnopqrstuvwxyz", space + 1) != std::string::npos)
        return "";
    return line;
}

}  // namespace

std::filesystem::path library_lock::file(const std::filesystem::path& library_dir) {
    return library_dir / "index.lock";
}

library_lock::library_lock(const std::filesystem::path& library_dir, const std::string& what) {
    std::error_code ec;
    std::filesystem::create_directories(library_dir, ec);
    if (ec) throw error(error_kind::io, library_dir.string() + ": cannot create the library folder: " + ec.message());
    const std::filesystem::path path = file(library_dir);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw error(error_kind::io, path.string() + ": cannot open the library's lock: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const std::string holder = err == EWOULDBLOCK ? holder_of(fd_) : "";
        ::close(fd_);
        if (err != EWOULDBLOCK)
            throw error(error_kind::io, path.string() + ": cannot lock the library: " + std::strerror(err));
        const size_t space = holder.find(' ');
        const std::string who = holder.empty() ? "another run" : "another " + holder.substr(space + 1) +
                                                                     " run (pid " + holder.substr(0, space) + ")";
        throw library_busy(who + " is using this library (" + library_dir.string() +
                    "); only one index, import or prune runs at a time: try again when it ends");
    }
    // Ours now: whatever a killed holder left in the file is replaced.
    const std::string line = std::to_string(::getpid()) + " " + what + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
        const int err = errno;
        ::close(fd_);
        throw error(error_kind::io, path.string() + ": cannot write the library's lock: " + std::strerror(err));
    }
}

library_lock::~library_lock() {
    // The file stays: removing it would let a third run lock a new file while a second holds the old.
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace sonavec
