// Floats as text that reads back bit-identical: the one spelling every text output uses (JSON, CSV, SQL).
#pragma once
#include <cstdint>
#include <string>

namespace sonavec {

// 9 significant digits ("%.9g"): enough for any float to survive a text round trip unchanged.
std::string format_float(float v);
// "[v0,v1,...]": a JSON array, and also pgvector's vector literal.
std::string json_vector(const float* v, int64_t n);

}  // namespace sonavec
