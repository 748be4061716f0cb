#include <sys/stat.h>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "library_option.h"
#include "library/catalog.h"
#include "library/library_lock.h"
#include "util/error.h"
#include "sonavec/escaped_text.h"

namespace sonavec::cli {

namespace {

// Only a file the system says is not there: a permission or I/O error is no proof that it is gone.
bool file_is_gone(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

bool imported(const catalog_entry& e) { return e.window_plan == "import" || e.path.empty() || e.path[0] != '/'; }

int run(const parsed_args& args) {
    const bool dry_run = args.has("--dry-run");
    // A dry run only reads: read-only, and never held up by (or holding up) a writer.
    catalog cat(library_dir(args), dry_run ? catalog_open::read_only : catalog_open::existing);
    std::unique_ptr<library_lock> writer;
    if (!dry_run) writer = std::make_unique<library_lock>(cat.dir(), "prune");
    std::vector<int64_t> gone;
    for (const auto& e : cat.entries()) {
        if (imported(e) || !file_is_gone(e.path)) continue;
        gone.push_back(e.id);
        std::printf("%s %s\n", dry_run ? "would remove" : "removed", for_terminal(e.path).c_str());
    }
    const uint64_t before = cat.disk_bytes();
    if (!dry_run && !gone.empty()) {
        cat.remove_many(gone);
        cat.vacuum();
    }
    std::printf("%s %zu of the library's files (they no longer exist); catalog %.1f MB -> %.1f MB\n",
                dry_run ? "would remove" : "removed", gone.size(), static_cast<double>(before) / 1e6,
                static_cast<double>(cat.disk_bytes()) / 1e6);
    if (std::fflush(stdout) != 0) throw error("cannot write to standard output");
    return 0;
}

}  // namespace

command prune_command() {
    return {{"prune",
             "[--library PATH] [--dry-run]",
             "Remove the library's rows for files that no longer exist, then compact the catalog.",
             "A file counts as gone only when the system says it does not exist; one that cannot be read (a\n"
             "permission or disk error) is kept. Imported vectors (sonavec import) are kept: they need no file.\n"
             "`sonavec index DIR` already drops the vanished files under the folders it walks; prune covers the\n"
             "whole library at once. Each removed path is printed, then a summary.\n"
             "\n"
             "examples:\n"
             "  sonavec prune --dry-run\n"
             "  sonavec prune --library /data/sfx-library",
             {library_option(), {"--dry-run", "", "only list what would be removed"}},
             0,
             0},
            run};
}

}  // namespace sonavec::cli
