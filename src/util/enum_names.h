// The names of an enum's values, from one table: a value's name, and the value of a name (anything
// else refused, listing the accepted names).
//
//   constexpr enum_name<precision> precision_names[] = {{precision::fp32, "fp32"}, {precision::int8, "int8"}};
//   name_of(precision_names, precision::int8);               // "int8"
//   parse_name(precision_names, text, "precision");          // or error_kind::invalid_input:
//                                                            // "unknown precision 'x': expected one of: fp32, int8"
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sonavec/error.h"

namespace sonavec {

template <class E>
struct enum_name {
    E value;
    const char* name;  // a string literal
};

// A value missing from the table (an out-of-range cast) is a bug: error_kind::invalid_input.
template <class E, size_t N>
const char* name_of(const enum_name<E> (&table)[N], E value) {
    for (const auto& e : table)
        if (e.value == value) return e.name;
    throw error(error_kind::invalid_input, "no name for value " + std::to_string(static_cast<long long>(value)));
}

// "a, b, c", in the table's order.
template <class E, size_t N>
std::string name_list(const enum_name<E> (&table)[N]) {
    std::string list;
    for (const auto& e : table) list += (list.empty() ? "" : ", ") + std::string(e.name);
    return list;
}

template <class E, size_t N>
std::vector<std::string> names_of(const enum_name<E> (&table)[N]) {
    std::vector<std::string> names;
    for (const auto& e : table) names.emplace_back(e.name);
    return names;
}

// `what` names the kind of value in the message: "window plan", "export format".
template <class E, size_t N>
E parse_name(const enum_name<E> (&table)[N], std::string_view text, std::string_view what) {
    for (const auto& e : table)
        if (text == e.name) return e.value;
    throw error(error_kind::invalid_input, "unknown " + std::string(what) + " '" + std::string(text) +
                                               "': expected one of: " + name_list(table));
}

}  // namespace sonavec
