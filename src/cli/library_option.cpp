#include "library_option.h"

#include "sonavec/library.h"

namespace sonavec::cli {

option_spec library_option() {
    return {"--library", "PATH",
            "the library folder (default: $XDG_DATA_HOME/sonavec/library, else "
            "~/.local/share/sonavec/library)"};
}

std::filesystem::path library_dir(const parsed_args& args) {
    const std::string given = args.get("--library");
    if (given.empty()) return library::default_dir();
    return std::filesystem::absolute(given).lexically_normal();
}

}  // namespace sonavec::cli
