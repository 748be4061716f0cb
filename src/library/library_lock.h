// One writer at a time per library: LIBRARY/index.lock, held with flock(2) for as long as a command
// that writes the catalog runs (index, import, prune). A second writer is refused at once, naming the
// holder's pid; readers (search, similar, stats, export) never take it. The kernel releases the lock
// when its holder dies, kill -9 included, so a lock left by a killed run is simply taken: the pid
// still in the file means nothing until someone holds the lock again.
//
//   const library_lock lock(library_dir, "index");   // throws library_busy when another run holds it
//   catalog cat(library_dir);
#pragma once
#include <filesystem>
#include <string>

#include "sonavec/error.h"

namespace sonavec {

// Another writer holds the lock (a run to refuse, not a file to skip): always error_kind::busy.
struct library_busy : error {
    explicit library_busy(const std::string& message) : error(error_kind::busy, message) {}
};

class library_lock {
public:
    // Creates library_dir when missing. what: the command, as the refusal names it ("index"). Throws
    // library_busy when another writer holds the lock, sonavec::error (I/O) when it cannot be taken.
    library_lock(const std::filesystem::path& library_dir, const std::string& what);
    ~library_lock();
    library_lock(const library_lock&) = delete;
    library_lock& operator=(const library_lock&) = delete;

    static std::filesystem::path file(const std::filesystem::path& library_dir);  // LIBRARY/index.lock

private:
    int fd_ = -1;
};

}  // namespace sonavec
