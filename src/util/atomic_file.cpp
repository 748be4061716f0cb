#include "sonavec/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include "util/file_error_kind.h"

namespace sonavec {

namespace {
std::atomic<uint64_t> writers_started{0};
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    atomic_file_writer w(path);
    w.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
    w.commit();
}

atomic_file_writer::atomic_file_writer(const std::filesystem::path& path)
    // The pid and a count keep two processes, or two threads, writing the same target from sharing a
    // temporary file (two server threads saving the same index once did).
    : path_(path), tmp_(path.string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(writers_started++)) {
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!out_) {
        const int err = errno;
        throw error(file_error_kind(err), path_.string() + ": cannot write: " + std::strerror(err));
    }
}

atomic_file_writer::~atomic_file_writer() {
    if (committed_) return;
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(tmp_, ignored);
}

void atomic_file_writer::commit() {
    out_.flush();
    const bool written = static_cast<bool>(out_);
    const int write_errno = errno;
    out_.close();
    // ofstream cannot fsync; a second descriptor on the same file can.
    const int fd = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    const int sync_errno = errno;
    if (fd >= 0) ::close(fd);
    if (!written || out_.fail() || !synced) {
        std::error_code ignored;
        std::filesystem::remove(tmp_, ignored);
        committed_ = true;  // nothing left to clean up
        throw error(error_kind::io,
                    path_.string() + ": write failed: " + std::strerror(!written ? write_errno : sync_errno));
    }
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    committed_ = true;
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(tmp_, ignored);
        throw error(error_kind::io, path_.string() + ": cannot replace: " + ec.message());
    }
}

}  // namespace sonavec
