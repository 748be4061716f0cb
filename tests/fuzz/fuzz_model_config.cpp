// libFuzzer target: any bytes as a model directory's config.json and preprocessor_config.json, read by
// clap_config::from_model_dir as opening a model does. The input is config.json, then, after the first NUL
// byte, preprocessor_config.json (absent when there is no NUL). Refusing is fine; crashing, an exception
// other than sonavec::error, or accepting hyperparameters that their own validate() refuses is a bug.
// Build with -DSONAVEC_FUZZ=ON; run through scripts/fuzz.sh.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "memory_file.h"
#include "models/clap_model.h"
#include "sonavec/error.h"

namespace {

// A folder whose two config files are links to in-memory files, rewritten per input.
struct model_dir {
    std::filesystem::path dir;
    sonavec::test::memory_file config, preprocessor;

    model_dir() {
        char name[] = "/tmp/sonavec-fuzz-config-XXXXXX";
        if (!::mkdtemp(name)) std::abort();
        dir = name;
        std::filesystem::create_symlink(config.path(), dir / "config.json");
    }
    ~model_dir() { std::filesystem::remove_all(dir); }

    void set_preprocessor(bool present) {
        const auto link = dir / "preprocessor_config.json";
        std::filesystem::remove(link);
        if (present) std::filesystem::create_symlink(preprocessor.path(), link);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static model_dir model;
    const auto* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
    const size_t config_bytes = nul ? static_cast<size_t>(nul - data) : size;
    model.config.assign(data, config_bytes);
    model.set_preprocessor(nul != nullptr);
    if (nul) model.preprocessor.assign(nul + 1, size - config_bytes - 1);
    try {
        const sonavec::clap_config c = sonavec::clap_config::from_model_dir(model.dir);
        if (c.projection_dim < 1 || c.projection_dim > 65536) std::abort();
        // What was accepted must pass the checks the towers and the feature extractor repeat.
        try {
            c.audio.validate();
            c.text.validate();
            c.features.validate();
        } catch (const sonavec::error& e) {
            std::fprintf(stderr, "accepted a config its own validate() refuses: %s\n", e.what());
            std::abort();
        }
    } catch (const sonavec::error&) {
    }
    return 0;
}
