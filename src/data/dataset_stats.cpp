#include "data/dataset_stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

namespace t2sql {
namespace fs = std::filesystem;

Distribution describe(std::vector<int64_t> values) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = values.size();
  d.mean = static_cast<double>(std::accumulate(values.begin(), values.end(), int64_t{0})) /
           static_cast<double>(values.size());
  auto rank = [&](double q) {
    return values[std::min(values.size() - 1,
                           static_cast<size_t>(q * static_cast<double>(values.size())))];
  };
  d.min = values.front();
  d.median = rank(0.5);
  d.p90 = rank(0.9);
  d.max = values.back();
  return d;
}

namespace {
int64_t word_count(const std::string& text) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

nlohmann::json distribution_json(const Distribution& d) {
  return {{"count", d.count}, {"mean", std::round(d.mean * 100) / 100},
          {"min", d.min},     {"median", d.median},
          {"p90", d.p90},     {"max", d.max}};
}

std::string distribution_text(const Distribution& d) {
  return fmt::format("min {} median {} p90 {} max {} mean {:.1f}", d.min, d.median, d.p90, d.max,
                     d.mean);
}
}  // namespace

CorpusStats compute_corpus_stats(SpiderCorpus& corpus) {
  CorpusStats stats;
  const SpiderLayout& layout = corpus.layout();
  stats.root = layout.root.string();
  std::vector<SpiderSplit> present;
  for (SpiderSplit split :
       {SpiderSplit::kTrain, SpiderSplit::kTrainOthers, SpiderSplit::kDev, SpiderSplit::kTest})
    if (layout.has_split(split)) present.push_back(split);
  corpus.preload(present);
  for (SpiderSplit split : present) {
    const auto& examples = corpus.examples(split);
    SplitStats s;
    s.name = spider_split_name(split);
    s.examples = examples.size();
    std::set<std::string> databases;
    std::vector<int64_t> qc, qw, sc, sw;
    for (const SpiderExample& example : examples) {
      databases.insert(example.db_id);
      qc.push_back(static_cast<int64_t>(example.question.size()));
      qw.push_back(word_count(example.question));
      sc.push_back(static_cast<int64_t>(example.query.size()));
      sw.push_back(word_count(example.query));
    }
    s.databases = databases.size();
    s.question_chars = describe(std::move(qc));
    s.question_words = describe(std::move(qw));
    s.sql_chars = describe(std::move(sc));
    s.sql_words = describe(std::move(sw));
    stats.splits.push_back(std::move(s));
  }
  const auto& schemas = corpus.table_schemas(SpiderSplit::kDev);
  stats.schemas = schemas.size();
  std::vector<int64_t> tables, columns;
  std::error_code ec;
  for (const auto& [db_id, schema] : schemas) {
    tables.push_back(static_cast<int64_t>(schema.tables.size()));
    columns.push_back(static_cast<int64_t>(schema.column_count()));
    if (fs::is_regular_file(spider_database_file(layout.database_dir, db_id), ec))
      ++stats.database_files;
    if (const DatabaseStatus* status = corpus.database_status(db_id)) {
      ++stats.status_counts[status->status];
      if (status->degraded())
        stats.degraded_databases.push_back(fmt::format("{} ({})", db_id, status->status));
    }
  }
  stats.tables_per_database = describe(std::move(tables));
  stats.columns_per_database = describe(std::move(columns));
  return stats;
}

std::string format_stats_text(const CorpusStats& stats) {
  std::string out = fmt::format("Spider folder: {}\n", stats.root);
  out += fmt::format("{:<14}{:>9}{:>11}\n", "split", "examples", "databases");
  for (const SplitStats& s : stats.splits)
    out += fmt::format("{:<14}{:>9}{:>11}\n", s.name, s.examples, s.databases);
  out += fmt::format("schemas (tables.json): {}\ndatabase files: {}\n", stats.schemas,
                     stats.database_files);
  for (const auto& [status, count] : stats.status_counts)
    out += fmt::format("  {}: {}\n", status, count);
  if (!stats.degraded_databases.empty())
    out += fmt::format("  not official: {}\n", fmt::join(stats.degraded_databases, ", "));
  out += fmt::format("tables per database:  {}\n", distribution_text(stats.tables_per_database));
  out += fmt::format("columns per database: {}\n", distribution_text(stats.columns_per_database));
  for (const SplitStats& s : stats.splits) {
    out += fmt::format("{}:\n", s.name);
    out += fmt::format("  question chars: {}\n  question words: {}\n",
                       distribution_text(s.question_chars), distribution_text(s.question_words));
    out += fmt::format("  SQL chars:      {}\n  SQL words:      {}\n",
                       distribution_text(s.sql_chars), distribution_text(s.sql_words));
  }
  return out;
}

std::string format_stats_json(const CorpusStats& stats) {
  nlohmann::ordered_json out;
  out["spider_dir"] = stats.root;
  nlohmann::ordered_json splits = nlohmann::ordered_json::object();
  for (const SplitStats& s : stats.splits) {
    splits[s.name] = {{"examples", s.examples},
                      {"databases", s.databases},
                      {"question_chars", distribution_json(s.question_chars)},
                      {"question_words", distribution_json(s.question_words)},
                      {"sql_chars", distribution_json(s.sql_chars)},
                      {"sql_words", distribution_json(s.sql_words)}};
  }
  out["splits"] = splits;
  out["schemas"] = stats.schemas;
  out["database_files"] = stats.database_files;
  out["database_status"] = stats.status_counts;
  out["degraded_databases"] = stats.degraded_databases;
  out["tables_per_database"] = distribution_json(stats.tables_per_database);
  out["columns_per_database"] = distribution_json(stats.columns_per_database);
  return out.dump(2) + "\n";
}

}  // namespace t2sql
