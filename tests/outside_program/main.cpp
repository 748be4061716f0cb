// Embeds one text with an installed sonavec and prints what tests/test_install.cpp checks:
//   version V
//   dim D
//   norm N
//   vector X0 X1 ...
// usage: embed MODEL_DIR TEXT
#include <cmath>
#include <cstdio>
#include <vector>

#include <sonavec/engine.h>
#include <sonavec/error.h>
#include <sonavec/version.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MODEL_DIR TEXT\n", argv[0]);
        return 2;
    }
    try {
        sonavec::engine_params params = sonavec::engine_default_params();
        params.model_dir = argv[1];
        params.threads = 1;
        const auto eng = sonavec::engine::open(params);
        const std::vector<float> v = eng->embed_texts({argv[2]});
        double squares = 0;
        for (float x : v) squares += static_cast<double>(x) * x;
        std::printf("version %s\ndim %lld\nnorm %.6f\nvector", sonavec::version(), static_cast<long long>(eng->dim()),
                    std::sqrt(squares));
        for (float x : v) std::printf(" %.9g", x);
        std::printf("\n");
        return 0;
    } catch (const sonavec::error& e) {
        std::fprintf(stderr, "embed: %s\n", e.what());
        return 1;
    }
}
