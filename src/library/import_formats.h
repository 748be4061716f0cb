// Reading vectors made elsewhere into catalog entries. The file is hostile input: every size is
// bounded before it is used, every record is checked, and an error names the line (JSON Lines) or the
// element (JSON array) and what is wrong with it. A file with any bad record is refused whole.
//
// Accepted, told apart by the first character:
//   [ ... ]   a JSON array of objects: the desktop apps' {"trackName", "vector"}, or records like ours
//   { ...     JSON Lines, one object per line: `sonavec export --format jsonl` or `sonavec embed --format jsonl`
// A record's name is its "path" (else "trackName") and its vector its "embedding" (else "vector");
// "path_bytes_b64" (or "trackName_bytes_b64"), when present, is the name's exact bytes in base64 and
// wins over the text, which shows U+FFFD where the name is not valid UTF-8 (export_formats.h);
// duration_seconds, format, sample_rate, channels, model, tags and windows ([{start_seconds,
// length_seconds, vector}]) are read when present, and other keys are ignored.
//
// Vectors: every one the same length (at most max_dim), finite, not all zero. A vector whose length is
// not 1 within 1e-5 is rescaled to unit length (cosine similarity only depends on direction, and other
// tools do not always normalise) and counted in import_result::normalised; a unit vector is kept bit
// for bit, so an export read back gives identical vectors.
// Names: a path seen twice is an error; a repeated desktop trackName (track names are not unique, paths
// are) becomes "NAME (2)", "NAME (3)", ... and is counted in import_result::renamed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "library/catalog.h"
#include "sonavec/export.h"

namespace sonavec {

struct import_result {
    std::vector<catalog_entry> entries;  // status ok, window_plan "import", model_id from options or record
    int64_t dim = 0;
    int64_t normalised = 0;  // vectors (tracks and windows) rescaled to unit length
    int64_t renamed = 0;     // repeated trackNames made unique
};

// Throws sonavec::error starting with `name` (the file's path) and saying where and what.
import_result read_vectors(std::istream& in, const std::string& name, const import_options& options);
// The same for a file, refused first when larger than max_file_bytes.
import_result read_vectors_file(const std::filesystem::path& file, const import_options& options);

}  // namespace sonavec
