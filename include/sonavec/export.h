// Vectors in the formats other tools load, and back. Every float is written at full precision (9
// significant digits), so a file read back gives the same bits.
//
// A library's tracks (library::export_to):
//   json      [{"trackName", "vector"}]: the desktop apps' format
//   jsonl     one object per track: id, path, filename, duration_seconds, format, sample_rate, channels,
//             model, window_plan, tags, embedding (and with windows, [{start_seconds, length_seconds, vector}])
//   npy       an N x D float32 matrix, its rows' paths in a sidecar text file
//   csv       header path,duration_seconds,v0..v{D-1}
//   qdrant, pinecone, chroma, weaviate   request bodies for each database's upsert
//   pgvector  SQL for psql: one transaction creating the table and upserting rows
// A path that is not valid UTF-8 shows U+FFFD in readable fields and travels exactly beside them
// ("path_bytes_b64", a csv column, a bytea column); the npy paths file escapes it (sonavec/escaped_text.h).
//
// Files embedded without a library (write_tracks, `sonavec embed`): json, jsonl and npy as above.
//
// Imports (library::import_from) accept a JSON array of {"trackName", "vector"} or of records like ours,
// or JSON Lines as `sonavec export --format jsonl` and `sonavec embed --format jsonl` write them. The file
// is hostile input: every size is bounded before it is used, and a file with any bad record is refused whole.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "sonavec/track.h"

namespace sonavec {

enum class export_format { json, jsonl, npy, csv, qdrant, pinecone, chroma, weaviate, pgvector };

// Throws error_kind::invalid_input listing the formats.
export_format parse_export_format(const std::string& name);
std::string export_format_name(export_format format);
const std::vector<std::string>& export_format_names();

struct export_options {
    export_format format = export_format::json;
    bool windows = false;  // a record per analysis window instead of per track (not for json)
    // qdrant, pinecone, chroma, weaviate: at most this many records per request body, one body per line
    // (0: one body holding everything). pgvector: rows per INSERT statement (0: 1000).
    int64_t batch = 0;
};

struct export_report {
    int64_t records = 0;
    int64_t dim = 0;
    std::string model_id;
    std::vector<std::string> warnings;  // what a format could not hold (Pinecone's 40 KB of metadata)
};

struct import_options {
    std::string model_id;                         // overrides the records' "model" when not empty
    uint64_t max_file_bytes = uint64_t{4} << 30;  // 4 GiB
    size_t max_line_bytes = size_t{64} << 20;     // one JSON Lines record
    int64_t max_dim = 65536;
    size_t max_tags = 1024;                       // per record
    size_t max_text_bytes = 64 * 1024;            // a path, tag key or tag value
};

// Tracks embedded by embed_track, in `sonavec embed`'s formats: json, jsonl (windows a count, or with
// per_window an array of {start_seconds, length_seconds, vector}) or npy (the matrix; npy_paths gives the
// sidecar; no tracks make a 0 x 0 matrix). Throws error_kind::invalid_input for another format, or for
// npy when the tracks' vectors differ in length.
void write_tracks(std::ostream& out, const std::vector<track_embedding>& tracks, export_format format,
                  bool per_window = false);
// The npy sidecar: each row's path on its own line, escaped by escaped_line.
std::string npy_track_paths(const std::vector<track_embedding>& tracks);

}  // namespace sonavec
