#include <cstdio>

#include "commands.h"

namespace sonavec::cli {

namespace {

int run(const parsed_args& args) {
    const text_vectors v = embed_texts_for(args, args.positional);
    for (size_t i = 0; i < args.positional.size(); i++)
        std::printf("%s\n", json_vector(v.rows.data() + static_cast<int64_t>(i) * v.dim, v.dim).c_str());
    return 0;
}

}  // namespace

command embed_text_command() {
    return {{"embed-text", "[--model DIR] [--threads N] [--precision fp32|bf16|int8] [--no-cache] TEXT...",
             "Embed each TEXT into the shared audio-text space; prints one JSON array of floats per text, one per "
             "line, L2-normalised, at full float precision.",
             "A text embedded before with the same model, the same sonavec and the same --precision comes from\n"
             "the text cache ($XDG_CACHE_HOME/sonavec/text-cache.sqlite) without running the text tower;\n"
             "--no-cache skips it.\n\n"
             "example:\n  sonavec embed-text \"dark cinematic string ensemble\" \"rain on a tin roof\"",
             {model_option(), threads_option(), precision_option(), no_text_cache_option()}, 1},
            run};
}

}  // namespace sonavec::cli
