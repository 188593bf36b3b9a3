// Schema-order augmentation: the same database with its tables, each table's columns and its
// foreign keys in a seeded random order. A model trained from scratch otherwise learns where a
// name sits in a familiar prompt instead of reading the schema; the answer does not depend on the
// order, so every shuffled copy is as correct as the original (`t2sql data prep
// --shuffled-schema-copies K`).
#pragma once

#include <cstdint>

#include "data/schema.hpp"

namespace t2sql {

// A copy of `schema` in an order drawn from `seed` (mt19937_64 only: the same on every platform).
// Sample rows follow their columns. create_sql is cleared, so prompts spell the DDL in the new
// order (synthesized CREATE TABLE statements) rather than the database's own text.
Schema shuffle_schema(const Schema& schema, uint64_t seed);

}  // namespace t2sql
