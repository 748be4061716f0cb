// Deterministic UUIDs from names (RFC 4122 version 5: SHA-1 of a namespace and the name), so that an
// exported track keeps its id from one export to the next and an upsert replaces it instead of adding
// a copy. name_uuid(path) equals Python's uuid.uuid5(uuid.NAMESPACE_DNS, path), which is also what
// Weaviate's generate_uuid5(path) returns.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sonavec {

using uuid_bytes = std::array<uint8_t, 16>;

// Version 5 UUID of `name` (its bytes as given) in namespace `ns`, as 36 lower-case characters.
std::string uuid5(const uuid_bytes& ns, std::string_view name);

// uuid5 in the DNS namespace (6ba7b810-9dad-11d1-80b4-00c04fd430c8).
std::string name_uuid(std::string_view name);

}  // namespace sonavec
