// The second dataset format: synthetic text-to-SQL records (the gretelai/synthetic_text_to_sql
// layout the reference pipeline mixes into training), one object per record with the fields
//   domain, sql_prompt (the question), sql_context (CREATE TABLE + INSERT statements), sql (gold),
//   sql_explanation; an `id` is kept when present.
// Files are JSONL (one object per line) or one JSON array; the first non-blank character decides.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/schema.hpp"

namespace t2sql {

struct SyntheticRecord {
  std::string id;  // the record's `id`, else "synthetic_<n>" (n = position in the file)
  std::string domain;
  std::string sql_prompt;
  std::string sql_context;
  std::string sql;
  std::string sql_explanation;
  int line = 0;          // 1-based line (JSONL) or 0-based array index (JSON array)
  std::string location;  // "FILE:LINE" or "FILE: record INDEX", for messages
};

// Loads every record. Throws Error naming the file, line (or index) and field when a required
// field (sql_prompt, sql_context, sql) is missing or not a string, an optional one (domain,
// sql_explanation) is not a string, the JSON is malformed (line and column), or a text field is
// not valid UTF-8.
std::vector<SyntheticRecord> load_synthetic_records(const std::filesystem::path& path);

// Builds the schema of `sql_context` by running it in a private in-memory SQLite database, with
// ATTACH, extension loading and PRAGMAs refused (defensive mode on), then introspecting it with
// up to `sample_rows` rows per table. Throws Error(kSql) naming `source` and SQLite's message when
// the context does not run.
Schema schema_from_sql_context(const std::string& sql_context, const std::string& source,
                               int sample_rows = 3);

}  // namespace t2sql
