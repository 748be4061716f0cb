#include "sonavec/precision.h"

#include "sonavec/error.h"
#include "util/enum_names.h"

namespace sonavec {

namespace {

constexpr enum_name<precision> precision_names[] = {
    {precision::fp32, "fp32"}, {precision::bf16, "bf16"}, {precision::int8, "int8"}};

}  // namespace

const char* precision_name(precision p) { return name_of(precision_names, p); }

precision parse_precision(const std::string& name) { return parse_name(precision_names, name, "precision"); }

}  // namespace sonavec
