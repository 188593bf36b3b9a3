#include "data/schema_shuffle.hpp"

#include <numeric>
#include <random>

namespace t2sql {
namespace {

// Fisher-Yates with an explicit draw: std::shuffle's use of the engine is implementation-defined.
std::vector<size_t> permutation(size_t size, std::mt19937_64& rng) {
  std::vector<size_t> order(size);
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i = size; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

}  // namespace

Schema shuffle_schema(const Schema& schema, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Schema result;
  result.db_id = schema.db_id;
  for (size_t t : permutation(schema.tables.size(), rng)) {
    const Table& source = schema.tables[t];
    Table table;
    table.name = source.name;
    table.natural_name = source.natural_name;
    std::vector<size_t> columns = permutation(source.columns.size(), rng);
    for (size_t c : columns) table.columns.push_back(source.columns[c]);
    for (const auto& row : source.sample_rows) {
      std::vector<SqlValue> shuffled;
      for (size_t c : columns) shuffled.push_back(c < row.size() ? row[c] : SqlValue{});
      table.sample_rows.push_back(std::move(shuffled));
    }
    result.tables.push_back(std::move(table));
  }
  for (size_t k : permutation(schema.foreign_keys.size(), rng)) result.foreign_keys.push_back(schema.foreign_keys[k]);
  return result;
}

}  // namespace t2sql
