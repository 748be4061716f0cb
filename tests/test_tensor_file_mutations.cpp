// Seeded random corruptions of the golden model files, both formats: byte flips, overwritten
// integers and truncations aimed mostly at the structure (zip directory, pickle, JSON header).
// Each mutant must either load with every view inside the file or throw sonavec::error.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "memory_file.h"
#include "test_data.h"
#include "sonavec/error.h"
#include "view_bounds_check.h"

using namespace sonavec;

namespace {

std::vector<char> read_all(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct outcome_counts {
    int loaded = 0, refused = 0;
};

// Positions where corruption matters most: the first 64 KiB (safetensors header, zip's data.pkl and
// first local headers), the last 16 KiB (central directory, end records), and anywhere.
size_t pick_position(std::mt19937_64& rng, size_t size) {
    const size_t head = std::min<size_t>(size, 64 << 10), tail = std::min<size_t>(size, 16 << 10);
    switch (rng() % 10) {
        case 0: case 1: case 2: case 3: case 4: return rng() % head;
        case 5: case 6: case 7: return size - 1 - rng() % tail;
        default: return rng() % size;
    }
}

void expect_load_or_error(const std::filesystem::path& path, outcome_counts& counts, const std::string& what) {
    try {
        const std::string problem = test::open_and_check_views(path);
        EXPECT_EQ(problem, "") << what;
        counts.loaded++;
    } catch (const sonavec::error&) {
        counts.refused++;
    }
}

outcome_counts mutate(const std::filesystem::path& golden, uint64_t seed, int iterations) {
    const std::vector<char> original = read_all(golden);
    EXPECT_GT(original.size(), 1000u);
    test::memory_file file;
    file.assign(original.data(), original.size());
    std::mt19937_64 rng(seed);
    outcome_counts counts;
    for (int i = 0; i < iterations; i++) {
        const std::string what = golden.filename().string() + " mutation " + std::to_string(i);
        const int kind = static_cast<int>(rng() % 8);
        if (kind == 0) {
            // Truncation, restored afterwards by writing the lost tail back.
            const size_t length = pick_position(rng, original.size());
            file.resize(length);
            expect_load_or_error(file.path(), counts, what + " (truncated to " + std::to_string(length) + ")");
            file.write_at(length, original.data() + length, original.size() - length);
            continue;
        }
        // Overwrite a few bytes: random ones, or a whole little-endian integer with an extreme value.
        std::vector<std::pair<size_t, std::vector<char>>> writes;
        const int count = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < count; k++) {
            const size_t at = pick_position(rng, original.size());
            std::vector<char> bytes;
            if (kind <= 4) {
                bytes.push_back(static_cast<char>(rng()));
            } else {
                static const uint64_t extremes[] = {0, 1, 0x7f, 0xff, 0xffff, 0xffffffff, 0x7fffffffffffffff,
                                                    ~uint64_t{0}, 1ull << 32, 1ull << 63};
                const uint64_t v = extremes[rng() % std::size(extremes)];
                const size_t width = (rng() % 2) ? 8 : 4;
                for (size_t b = 0; b < width && at + b < original.size(); b++)
                    bytes.push_back(static_cast<char>(v >> (8 * b)));
            }
            writes.emplace_back(at, std::move(bytes));
        }
        for (const auto& [at, bytes] : writes) file.write_at(at, bytes.data(), bytes.size());
        expect_load_or_error(file.path(), counts, what);
        for (const auto& [at, bytes] : writes) file.write_at(at, original.data() + at, bytes.size());
    }
    std::printf("%s: %d mutants loaded, %d refused\n", golden.filename().c_str(), counts.loaded, counts.refused);
    return counts;
}

}  // namespace

TEST(tensor_file_mutations, pytorch_checkpoint_loads_or_refuses) {
    const outcome_counts c = mutate(test::golden_dir() / "model/pytorch_model.bin", 20240601, 2500);
    // Both outcomes must occur, or the mutations are not reaching the parser.
    EXPECT_GT(c.refused, 100);
    EXPECT_GT(c.loaded, 100);
}

TEST(tensor_file_mutations, safetensors_loads_or_refuses) {
    const outcome_counts c = mutate(test::golden_dir() / "model/model.safetensors", 20240602, 2500);
    EXPECT_GT(c.refused, 100);
    EXPECT_GT(c.loaded, 100);
}
