// The embed command's output formats, every float at full precision:
//   json   [{"trackName": ..., "vector": [...]}, ...]   (the desktop apps' export format)
//   jsonl  one object per track: filename, path (and path_bytes_b64 when it is not valid UTF-8),
//          duration_seconds, sample_rate, channels, windows, embedding, tags
//   npy    an N x D float32 matrix, with the rows' paths one per line in a sidecar text file, escaped as
//          the export's are (library/export_formats.h)
#pragma once
#include <string>
#include <vector>

#include "audio/track_embedder.h"

namespace sonavec::cli {

std::string tracks_json(const std::vector<track_embedding>& tracks);
// windows is a count, or with per_window an array of {start_seconds, length_seconds, vector}.
std::string tracks_jsonl(const std::vector<track_embedding>& tracks, bool per_window);
std::string tracks_npy(const std::vector<track_embedding>& tracks, int64_t dim);
std::string tracks_paths(const std::vector<track_embedding>& tracks);

}  // namespace sonavec::cli
