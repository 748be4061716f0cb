// The vector index that goes with a catalog: LIBRARY/vectors.index, used while it matches the catalog
// (same fingerprint) and the model asked for, and rebuilt from that model's vectors when it is missing,
// stale, of another model or damaged. An index holds one model's vectors: models' spaces differ.
//
//   catalog cat(dir);
//   vector_index idx = open_library_index(cat, index_choice::automatic, model_id, 0);  // built on all cores
#pragma once
#include <filesystem>

#include "library/catalog.h"
#include "library/vector_index.h"

namespace sonavec {

std::filesystem::path library_index_file(const catalog& cat);

// The saved index when it is current, of model_id and of the chosen kind (automatic accepts either);
// otherwise one built now from model_id's ok vectors and saved for next time (a library folder the
// user cannot write is searched from memory, without a word). A build runs on `threads` threads (0: all
// cores). `rebuilt`, when given, tells which happened.
vector_index open_library_index(const catalog& cat, index_choice choice, const std::string& model_id, int threads,
                                bool* rebuilt = nullptr);

// Builds model_id's index from the catalog on `threads` threads (0: all cores) and saves it, whatever is on
// disk (after an index run).
vector_index rebuild_library_index(const catalog& cat, index_choice choice, const std::string& model_id, int threads);

// What a saved index must carry to be current for model_id: the catalog's fingerprint and the model.
std::string library_index_fingerprint(const catalog& cat, const std::string& model_id);

}  // namespace sonavec
