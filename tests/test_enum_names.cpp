// The enums named from one table (util/enum_names.h): window plans, index types, precisions and export
// formats each parse every one of their names back to the value named so, and refuse anything else as
// invalid input listing the accepted names.
#include <gtest/gtest.h>

#include "sonavec/export.h"
#include "sonavec/library.h"
#include "sonavec/precision.h"
#include "sonavec/window_plan.h"
#include "util/enum_names.h"

using namespace sonavec;

namespace {

template <class E, class Parse, class Name>
void expect_round_trips(std::initializer_list<std::pair<E, std::string>> expected, Parse parse, Name name,
                        const std::string& what, const std::string& accepted) {
    for (const auto& [value, text] : expected) {
        EXPECT_EQ(std::string(name(value)), text);
        EXPECT_EQ(parse(text), value) << text;
    }
    for (const std::string bad : {"", "SEED", "Fp32", "json ", "auto\n", "nope"}) {
        try {
            parse(bad);
            ADD_FAILURE() << "'" << bad << "' accepted";
        } catch (const error& e) {
            EXPECT_EQ(e.kind(), error_kind::invalid_input) << e.what();
            EXPECT_EQ(std::string(e.what()), "unknown " + what + " '" + bad + "': expected one of: " + accepted);
        }
    }
}

}  // namespace

TEST(enum_names, window_plans) {
    expect_round_trips<window_plan_kind>(
        {{window_plan_kind::seed, "seed"}, {window_plan_kind::full, "full"}, {window_plan_kind::first, "first"},
         {window_plan_kind::segments, "segments"}},
        parse_window_plan_kind, window_plan_kind_name, "window plan", "seed, full, first, segments");
}

TEST(enum_names, index_types) {
    expect_round_trips<index_choice>(
        {{index_choice::automatic, "auto"}, {index_choice::exact, "exact"}, {index_choice::ann, "ann"}},
        parse_index_choice, index_choice_name, "index type", "auto, exact, ann");
}

TEST(enum_names, precisions) {
    expect_round_trips<precision>({{precision::fp32, "fp32"}, {precision::bf16, "bf16"}, {precision::int8, "int8"}},
                                  parse_precision, precision_name, "precision", "fp32, bf16, int8");
}

TEST(enum_names, export_formats) {
    expect_round_trips<export_format>(
        {{export_format::json, "json"},
         {export_format::jsonl, "jsonl"},
         {export_format::npy, "npy"},
         {export_format::csv, "csv"},
         {export_format::qdrant, "qdrant"},
         {export_format::pinecone, "pinecone"},
         {export_format::chroma, "chroma"},
         {export_format::weaviate, "weaviate"},
         {export_format::pgvector, "pgvector"}},
        parse_export_format, export_format_name,
        "export format", "json, jsonl, npy, csv, qdrant, pinecone, chroma, weaviate, pgvector");
    EXPECT_EQ(export_format_names(), (std::vector<std::string>{"json", "jsonl", "npy", "csv", "qdrant", "pinecone",
                                                               "chroma", "weaviate", "pgvector"}));
}

TEST(enum_names, a_value_outside_the_table_has_no_name) {
    constexpr enum_name<precision> partial[] = {{precision::fp32, "fp32"}};
    EXPECT_STREQ(name_of(partial, precision::fp32), "fp32");
    try {
        name_of(partial, precision::int8);
        ADD_FAILURE() << "named";
    } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::invalid_input);
        EXPECT_EQ(std::string(e.what()), "no name for value 2");
    }
}
