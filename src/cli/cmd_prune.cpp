#include <cstdio>

#include "commands.h"
#include "library_option.h"
#include "sonavec/error.h"
#include "sonavec/escaped_text.h"
#include "sonavec/library.h"

namespace sonavec::cli {

namespace {

int run(const parsed_args& args) {
    const bool dry_run = args.has("--dry-run");
    // A dry run only reads: read-only, and never held up by (or holding up) a writer.
    const auto lib = library::open(library_dir(args), dry_run ? library::open_mode::read_only : library::open_mode::existing);
    const prune_report r = lib->prune(dry_run);
    for (const auto& path : r.removed)
        std::printf("%s %s\n", dry_run ? "would remove" : "removed", for_terminal(path).c_str());
    std::printf("%s %zu of the library's files (they no longer exist); catalog %.1f MB -> %.1f MB\n",
                dry_run ? "would remove" : "removed", r.removed.size(), static_cast<double>(r.bytes_before) / 1e6,
                static_cast<double>(r.bytes_after) / 1e6);
    if (std::fflush(stdout) != 0) throw error(error_kind::io, "cannot write to standard output");
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
