#include <cstdio>

#include "cli/commands.h"

namespace sonavec::cli {

namespace {

int run(const parsed_args& args) {
    auto eng = open_engine(args);
    const std::vector<float> vectors = eng->embed_texts(args.positional);
    const int64_t dim = eng->dim();
    for (size_t i = 0; i < args.positional.size(); i++)
        std::printf("%s\n", json_vector(vectors.data() + static_cast<int64_t>(i) * dim, dim).c_str());
    return 0;
}

}  // namespace

command embed_text_command() {
    return {{"embed-text", "[--model DIR] [--threads N] TEXT...",
             "Embed each TEXT into the shared audio-text space; prints one JSON array of floats per text, one per "
             "line, L2-normalised, at full float precision.",
             "example:\n  sonavec embed-text \"dark cinematic string ensemble\" \"rain on a tin roof\"",
             {model_option(), threads_option()}, 1},
            run};
}

}  // namespace sonavec::cli
