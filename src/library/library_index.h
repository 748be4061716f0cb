// The vector index that goes with a catalog: LIBRARY/vectors.index, used while it matches the catalog
// (same fingerprint) and rebuilt from the catalog's vectors when it is missing, stale or damaged.
//
//   catalog cat(dir);
//   vector_index idx = open_library_index(cat, index_choice::automatic);
#pragma once
#include <filesystem>

#include "library/catalog.h"
#include "library/vector_index.h"

namespace sonavec {

std::filesystem::path library_index_file(const catalog& cat);

// The saved index when it is current and of the chosen kind (automatic accepts either); otherwise one
// built now from every ok vector in the catalog and saved for next time (a library folder the user
// cannot write is searched from memory, without a word). `rebuilt`, when given, tells which happened.
vector_index open_library_index(const catalog& cat, index_choice choice, bool* rebuilt = nullptr);

// Builds from the catalog and saves, whatever is on disk (after an index run).
vector_index rebuild_library_index(const catalog& cat, index_choice choice);

}  // namespace sonavec
