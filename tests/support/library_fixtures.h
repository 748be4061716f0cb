// Library test data that needs no model (catalog, index, export): reproducible unit vectors, and file
// paths that break naive quoting.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sonavec::test {

// dim floats drawn from a normal distribution seeded with `seed`, scaled to unit length.
std::vector<float> random_unit_vector(uint32_t seed, int dim);
// Scales v to unit length (the sum of squares in double).
void normalise(std::vector<float>& v);

// Absolute paths with SQL and shell quotes, backslashes, CSV commas, tabs, JSON syntax and non-ASCII
// text, each with an audio extension. None holds a newline (the npy sidecar is one path per line).
const std::vector<std::string>& awkward_paths();

}  // namespace sonavec::test
