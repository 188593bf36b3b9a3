// Templated question/SQL pairs generated from a database: the data augmentation of the embedded
// default model. A model trained from scratch has to learn to copy table and column names from the
// schema into the query; Spider's ~8.7k questions show it few names, so each database adds pairs
// like
//   "How many singers are there?"                        SELECT count(*) FROM singer
//   "What is the name of the singer whose country is France?"
//                                     SELECT Name FROM singer WHERE Country  =  'France'
// built from tables.json's natural-language names and values read from the database itself.
// Every generated query is executed and kept only when it runs and returns rows, so no pair
// teaches SQL that fails. Generation is seeded: the same schema, database and seed give the same
// pairs on every platform (mt19937_64 only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/schema.hpp"
#include "data/spider_dataset.hpp"
#include "sql/sandbox.hpp"

namespace t2sql {

// Which templates generate the pairs. kBasic: 20 one-table and one-join shapes (counts, lists,
// conditions, ordering, grouping, NOT IN). kExtended adds 13 shapes of Spider's harder questions:
// joins with grouping, HAVING and superlatives, two conditions, comparisons with an average,
// EXCEPT / INTERSECT / UNION, and two tables joined through a link table. For a seed, kBasic gives
// the same pairs as before kExtended existed. kWide adds 8 shapes asking for two to four columns
// at once (lists, conditions, ordering, top-n, joins, counts per group) and writes "an" before
// vowels; kBasic and kExtended keep their pairs for a seed.
enum class AugmentTemplates { kBasic, kExtended, kWide };

struct AugmentOptions {
  int per_database = 30;  // pairs per database (fewer when the database offers fewer templates)
  uint64_t seed = 42;
  AugmentTemplates templates = AugmentTemplates::kBasic;
};

// Up to `per_database` pairs for `schema` (tables.json: natural names and Spider type categories)
// over `database`. Examples carry db_id, question, query and `split`; index is their position.
std::vector<SpiderExample> augment_database(const Schema& schema, const SqlSandbox& database,
                                            SpiderSplit split, const AugmentOptions& options);

// "singer" -> "singers", "city" -> "cities", "address" -> "addresses" (English plural, the
// common rules only; natural names in tables.json are lower-case words).
std::string plural_noun(const std::string& noun);

}  // namespace t2sql
