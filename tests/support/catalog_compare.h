// Comparing catalog rows in tests: every field, vectors bit for bit.
#pragma once
#include "library/catalog.h"

namespace sonavec::test {

// All fields but the id (assigned in the order rows were written), windows included.
void expect_same_entry(const catalog_entry& actual, const catalog_entry& expected);

}  // namespace sonavec::test
