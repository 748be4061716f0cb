// A library's vectors in the formats other tools load, every float at full precision (9 significant
// digits, so it reads back bit-identical):
//   json      [{"trackName", "vector"}]: the desktop apps' format, as `sonavec embed --format json` writes
//   jsonl     one object per track: id, path, filename, duration_seconds, format, sample_rate, channels,
//             model, window_plan, tags, embedding (and with windows, [{start_seconds, length_seconds, vector}])
//   npy       an N x D float32 matrix (write_npy), its rows' paths in a sidecar text file
//   csv       header path,duration_seconds,v0..v{D-1}: one numeric column per dimension, so that pandas
//             and spreadsheets read the vectors as numbers (df.filter(regex=r"^v\d+$").to_numpy())
//   qdrant    {"points":[{"id": UUID, "vector", "payload"}]}           body of PUT /collections/NAME/points
//   pinecone  {"vectors":[{"id": UUID, "values", "metadata"}]}         body of POST /vectors/upsert
//   chroma    {"ids","embeddings","metadatas","documents"}             arguments of collection.add()
//   weaviate  {"objects":[{"class","id": UUID,"vector","properties"}]} body of POST /v1/batch/objects
//   pgvector  SQL for psql: one transaction creating the table (vector(D), jsonb tags) and upserting rows
// Ids are name_uuid(path) (name_uuid.h), so an upsert of a newer export replaces the older records.
// A path is bytes, not always UTF-8 text. Where one is not valid UTF-8, the readable fields show U+FFFD
// and the exact bytes travel beside them: "path_bytes_b64" (base64) in every JSON record (json:
// "trackName_bytes_b64"), a last csv column path_bytes_b64 (empty for the others), a bytea column
// path_bytes in pgvector (NULL for the others); ids are made from the bytes. The npy paths file holds a
// path per line with escaped_line's escapes (util/escaped_text.h: \\, \n, \r, \xHH), so line i names row i.
// With windows, each analysis window is a record of its own (id name_uuid(path + "#t=" + start)).
#pragma once
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "library/catalog.h"
#include "sonavec/export.h"

namespace sonavec {

// entries: status ok, vectors all of one length (and window vectors when options.windows). Throws
// sonavec::error naming the first entry that is not, before writing anything.
export_report write_export(std::ostream& out, const std::vector<catalog_entry>& entries, const export_options& options);

// npy: the matrix, then the sidecars: each row's path, one per line with escaped_line's escapes
// (OUT.paths.txt), each row's {"inferred": {...}, "descriptors": {...} or null} as JSON Lines
// (OUT.tags.jsonl), and with windows each row's "start_seconds<TAB>length_seconds" (OUT.windows.txt).
export_report write_npy(std::ostream& out, const std::vector<catalog_entry>& entries, bool windows);
std::string npy_paths_text(const std::vector<catalog_entry>& entries, bool windows);
std::string npy_derived_text(const std::vector<catalog_entry>& entries, bool windows);
std::string npy_windows_text(const std::vector<catalog_entry>& entries);

// The desktop apps' array, shared with `sonavec embed --format json`.
struct named_vector {
    std::string name;
    const std::vector<float>* vector = nullptr;
};
void write_desktop_json(std::ostream& out, const std::vector<named_vector>& tracks);
// `,"KEY_bytes_b64":"BASE64"` when text is not valid UTF-8 (a JSON string of it shows U+FFFD), else "":
// the member that follows KEY's in a JSON object so that the exact bytes survive.
std::string exact_bytes_member(const std::string& key, const std::string& text);
// The file name without its audio extension ("/m/Kick 01.wav" -> "Kick 01"); a name without one, such
// as an imported trackName, is kept whole.
std::string desktop_track_name(const std::filesystem::path& path);

}  // namespace sonavec
