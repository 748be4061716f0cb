// The text of data/taxonomies/*.txt as built into the library (a generated .cpp, see
// cmake/embed_taxonomies.cmake), in file-name order.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace sonavec {

struct builtin_taxonomy_text {
    const char* name;  // the file's stem
    const char* text;
    size_t size;
};

const std::vector<builtin_taxonomy_text>& builtin_taxonomy_texts();

}  // namespace sonavec
