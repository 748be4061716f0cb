// The catalog's schema and its versions: what version 1 created, the steps that upgrade version N to
// N+1, and the check that a file holds exactly the schema of the version it claims.
//
//   const int version = catalog_schema::open(db, /*may_write=*/true);   // created or upgraded: current
//
// A new version is one more step at the end of the list (never an edit of an old one: libraries made
// with it exist). A new catalog is version 1 plus every step, in the same transaction, so a created
// and an upgraded catalog hold the same schema to the byte.
#pragma once
#include <span>
#include <string_view>

#include "library/sqlite_db.h"

namespace sonavec::catalog_schema {

struct step {
    int to_version;        // this step upgrades to_version - 1 to to_version
    std::string_view sql;  // run as one transaction, with foreign keys off
};

// This build's steps, in order; the first upgrades version 1.
std::span<const step> steps();
// The version this build writes: 1 + steps().size().
int current_version();

// Checks db before writing anything: a foreign database, an unknown version or a schema that differs
// from that version's is refused (error_kind::corrupt_file), and a newer version than `steps` reach is
// error_kind::unsupported. With may_write, an empty database gets the current schema and an older one
// is upgraded, a step per transaction (a failure leaves the file at the last version completed).
// Returns the version the file has now. `steps` is replaceable for tests only.
int open(const sqlite_db& db, bool may_write, std::span<const step> steps = catalog_schema::steps());

}  // namespace sonavec::catalog_schema
