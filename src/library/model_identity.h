// Which model made a vector, identified by the model's files rather than by its folder's name: another
// checkpoint in a folder of the same name is another model. The id is the folder's name (for people)
// and the start of a SHA-256 over the content of the files that fix the vector space (config.json,
// preprocessor_config.json and the weights the engine loads):
//
//   std::string id = model_identity(model_dir);   // "laion--clap-htsat-unfused@3f2a9c0d1e2b4a5c"
//
// Hashing 600 MB of weights takes about half a second, so each file's digest is remembered in
// $XDG_CACHE_HOME/sonavec/model-digests.json under its path, size, mtime, ctime and inode; a file
// changed in any way (ctime moves even when mtime is set back) is hashed again. The cache is outside
// data: anything in it that does not parse is ignored and rewritten.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "sonavec/model.h"

namespace sonavec {

struct remembered_digest {
    std::string stat_key;  // what must be unchanged for the digest to stand (device, inode, size, times)
    std::string sha256;    // 64 lowercase hex digits
};
// The cache file's text as path -> digest: only entries of the shape sonavec writes (anything else,
// including text that is not JSON or nests deeper than that, is left out). Never throws.
std::map<std::string, remembered_digest> parse_model_digests(std::string_view text);

}  // namespace sonavec
