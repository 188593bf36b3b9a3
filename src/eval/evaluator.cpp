#include "eval/evaluator.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <span>
#include <thread>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "eval/test_suite_exec.hpp"
#include "sql/spider_tokenizer.hpp"

namespace t2sql::eval {
namespace fs = std::filesystem;

EvalContext::EvalContext(fs::path db_dir, const fs::path& tables_json, SandboxLimits limits)
    : db_dir_(std::move(db_dir)), limits_(limits), foreign_keys_(tables_json) {}

const EvalContext::Database& EvalContext::database(const std::string& db_id) {
  Slot* slot = nullptr;
  {
    std::lock_guard lock(mutex_);
    std::unique_ptr<Slot>& entry = databases_[db_id];
    if (!entry) entry = std::make_unique<Slot>();
    slot = entry.get();
  }
  std::lock_guard lock(slot->mutex);
  if (slot->database) return *slot->database;
  // foreign_keys_ is read-only after construction; a failed opening leaves the slot empty, so the
  // next example of this database reports the same error.
  if (!foreign_keys_.contains(db_id)) fail(ErrorCode::kNotFound, "unknown db_id '{}': not in tables.json", db_id);
  const fs::path path = database_path(db_id);
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorCode::kNotFound, "database file of db_id '{}' not found: {}", db_id, path.string());
  auto database = std::make_unique<Database>();
  database->sandbox = std::make_unique<SqlSandbox>(path, limits_);
  database->schema = spider::SpiderSchema::from_database(*database->sandbox);
  database->foreign_keys = foreign_keys_.map_for(db_id);
  database->results = std::make_unique<QueryCache>();
  slot->database = std::move(database);
  return *slot->database;
}

fs::path EvalContext::database_path(const std::string& db_id) const { return db_dir_ / db_id / (db_id + ".sqlite"); }

std::uintmax_t EvalContext::database_bytes(const std::string& db_id) const {
  std::error_code ec;
  const std::uintmax_t bytes = fs::file_size(database_path(db_id), ec);
  return ec ? 0 : bytes;
}

std::shared_ptr<const EvalContext::ParsedQuery> EvalContext::Database::parse(const std::string& sql) const {
  {
    std::lock_guard lock(parsed_mutex_);
    if (auto found = parsed_.find(sql); found != parsed_.end()) return found->second;
  }
  auto query = std::make_shared<ParsedQuery>();
  try {
    query->sql = spider::parse_spider_sql(schema, sql);
    query->ok = true;
  } catch (const Error& e) {
    query->sql = spider::empty_spider_sql();
    query->error = e.what();
  }
  query->hardness = eval_hardness(query->sql);
  rebuild_for_evaluation(query->sql, schema, foreign_keys);
  std::lock_guard lock(parsed_mutex_);
  return parsed_.emplace(sql, std::move(query)).first->second;
}

ExampleResult evaluate_example(const ExampleInput& input, EvalContext& context, const EvalOptions& options) {
  ExampleResult result;
  result.db_id = input.db_id;
  result.gold = input.gold;
  result.pred = input.pred;
  const EvalContext::Database& db = context.database(input.db_id);

  const std::shared_ptr<const EvalContext::ParsedQuery> gold_query = db.parse(input.gold);
  if (!gold_query->ok) fail(ErrorCode::kParse, "gold query does not parse ({}): {}", gold_query->error, input.gold);
  result.hardness = gold_query->hardness;
  const std::shared_ptr<const EvalContext::ParsedQuery> pred_query = db.parse(input.pred);
  result.pred_parse_ok = pred_query->ok;
  result.pred_parse_error = pred_query->error;  // the official loop scores an empty query instead
  const spider::SpiderSql& gold = gold_query->sql;
  const spider::SpiderSql& pred = pred_query->sql;

  if (options.etype != EvalType::kMatch) {
    const auto key = std::make_tuple(static_cast<int>(options.exec_rule) * 4 + (options.keep_distinct ? 1 : 0) +
                                         (options.plug_value ? 2 : 0),
                                     input.pred, input.gold);
    std::optional<ExecOutcome> known;
    {
      std::lock_guard lock(db.verdicts_mutex);
      if (auto found = db.verdicts.find(key); found != db.verdicts.end()) known = found->second;
    }
    ExecOutcome exec = known ? *known
                       : options.exec_rule == ExecRule::kSeed
                           ? seed_exec_match(*db.sandbox, input.pred, input.gold, db.results.get())
                       : options.exec_rule == ExecRule::kTestSuite
                           ? test_suite_exec_match(*db.sandbox, input.pred, input.gold, options.keep_distinct,
                                                   options.plug_value, db.results.get())
                           : official_exec_match(*db.sandbox, input.pred, input.gold, pred, gold, db.results.get());
    if (!known && QueryCache::cacheable(input.pred) && QueryCache::cacheable(input.gold)) {
      std::lock_guard lock(db.verdicts_mutex);
      db.verdicts.emplace(key, exec);
    }
    result.exec = exec.score;
    result.exec_reason = std::move(exec.reason);
  }
  if (options.etype != EvalType::kExec) {
    spider::SpiderSql label = gold;  // the official scoring consumes the gold's select list
    ExactMatchResult exact = eval_exact_match(pred, label);
    result.exact = exact.exact;
    result.partial = exact.partial;
  }
  return result;
}

std::vector<ExampleInput> read_eval_files(const fs::path& gold_path, const fs::path& pred_path) {
  auto read_lines = [](const fs::path& path) {
    const std::string text = read_file(path);
    if (auto bad = find_invalid_utf8(text)) {
      size_t line = 1;
      for (size_t i = 0; i < *bad; ++i) line += text[i] == '\n' ? 1 : 0;
      fail(ErrorCode::kParse, "{}:{}: invalid UTF-8 byte at offset {}", path.string(), line, *bad);
    }
    std::vector<std::string> lines = split_lines(text);
    while (!lines.empty() && spider::python_strip(lines.back()).empty()) lines.pop_back();
    return lines;
  };
  const std::vector<std::string> gold_lines = read_lines(gold_path);
  const std::vector<std::string> pred_lines = read_lines(pred_path);
  if (gold_lines.size() != pred_lines.size())
    fail(ErrorCode::kInvalidArgument, "{} has {} examples but {} has {} predictions: the counts must be equal",
         gold_path.string(), gold_lines.size(), pred_path.string(), pred_lines.size());
  std::vector<ExampleInput> inputs;
  inputs.reserve(gold_lines.size());
  for (size_t i = 0; i < gold_lines.size(); ++i) {
    // Like the official code: strip the line, then split on tabs.
    const std::string gold = spider::python_strip(gold_lines[i]);
    const size_t tab = gold.find('\t');
    if (gold.empty()) fail(ErrorCode::kParse, "{}:{}: blank gold line (expected SQL<TAB>db_id)", gold_path.string(), i + 1);
    if (tab == std::string::npos || gold.find('\t', tab + 1) != std::string::npos)
      fail(ErrorCode::kParse, "{}:{}: expected SQL<TAB>db_id", gold_path.string(), i + 1);
    ExampleInput input;
    input.gold = gold.substr(0, tab);
    input.db_id = gold.substr(tab + 1);
    const std::string pred = spider::python_strip(pred_lines[i]);
    input.pred = pred.substr(0, pred.find('\t'));
    inputs.push_back(std::move(input));
  }
  return inputs;
}

std::vector<ExampleResult> evaluate_all(const std::vector<ExampleInput>& inputs, EvalContext& context,
                                        const EvalOptions& options, int threads) {
  std::vector<ExampleResult> results(inputs.size());
  std::atomic<size_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  size_t error_index = inputs.size();
  auto run_one = [&](size_t i) {
    try {
      results[i] = evaluate_example(inputs[i], context, options);
      results[i].line = static_cast<int>(i + 1);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (i < error_index) {
        error_index = i;
        first_error = std::current_exception();
      }
    }
  };
  const int count = std::max(1, std::min<int>(threads, static_cast<int>(inputs.size())));
  // Work is handed out by database: a thread then finds the database's connection, page cache,
  // parsed queries and results warm, where two threads on one database would each read its pages
  // and run a shared gold query. Pieces are weighed by an estimate of their cost: per example, the
  // database's size in bytes (what its queries scan; in the dev set the two largest files, wta_1
  // and world_1, take over half of the execution time with a tenth of the examples) plus 64 KiB
  // for parsing and scoring. A database with more than its share of the total is cut into runs of
  // consecutive examples (Spider lists the paraphrases of a question together), and the costliest
  // pieces go first so that no thread is left with a long one at the end.
  std::map<std::string, std::vector<size_t>> by_database;
  for (size_t i = 0; i < inputs.size(); ++i) by_database[inputs[i].db_id].push_back(i);
  struct Piece {
    std::span<const size_t> examples;
    double cost = 0;
  };
  std::map<std::string, double> example_cost;
  double total_cost = 0;
  for (const auto& [db_id, examples] : by_database) {
    example_cost[db_id] = static_cast<double>(context.database_bytes(db_id)) + 65536.0;
    total_cost += example_cost[db_id] * static_cast<double>(examples.size());
  }
  const double share = total_cost / (4.0 * count);
  std::vector<Piece> pieces;
  for (const auto& [db_id, examples] : by_database) {
    const double cost = example_cost[db_id];
    const size_t piece = std::max<size_t>(16, static_cast<size_t>(share / cost));
    for (size_t begin = 0; begin < examples.size(); begin += piece) {
      const size_t size = std::min(piece, examples.size() - begin);
      pieces.push_back({{examples.data() + begin, size}, cost * static_cast<double>(size)});
    }
  }
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.cost > b.cost; });
  auto worker = [&] {
    for (size_t next_piece = next.fetch_add(1); next_piece < pieces.size(); next_piece = next.fetch_add(1))
      for (size_t i : pieces[next_piece].examples) run_one(i);
  };
  if (count == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < count; ++t) pool.emplace_back(worker);
    for (auto& thread : pool) thread.join();
  }
  if (first_error) {
    try {
      std::rethrow_exception(first_error);
    } catch (const Error& e) {
      fail(e.code(), "example {}: {}", error_index + 1, e.what());
    }
  }
  return results;
}

std::array<LevelScores, 5> aggregate_scores(const std::vector<ExampleResult>& results, EvalType etype) {
  std::array<LevelScores, 5> levels{};
  std::array<std::array<int, 10>, 5> acc_count{}, rec_count{};
  for (const auto& result : results) {
    for (int level : {static_cast<int>(result.hardness), 4}) {
      LevelScores& scores = levels[static_cast<size_t>(level)];
      ++scores.count;
      if (etype != EvalType::kMatch) scores.exec += result.exec;
      if (etype != EvalType::kExec) {
        scores.exact += result.exact ? 1.0 : 0.0;
        for (size_t c = 0; c < 10; ++c) {
          const ComponentScore& score = result.partial[c];
          if (score.pred_total > 0) {
            scores.acc[c] += score.acc;
            ++acc_count[static_cast<size_t>(level)][c];
          }
          if (score.label_total > 0) {
            scores.rec[c] += score.rec;
            ++rec_count[static_cast<size_t>(level)][c];
          }
        }
      }
    }
  }
  for (size_t level = 0; level < 5; ++level) {
    LevelScores& scores = levels[level];
    if (scores.count == 0) continue;  // the official code leaves empty levels at 0
    scores.exec /= scores.count;
    scores.exact /= scores.count;
    if (etype == EvalType::kExec) continue;
    for (size_t c = 0; c < 10; ++c) {
      scores.acc[c] = acc_count[level][c] == 0 ? 0.0 : scores.acc[c] / acc_count[level][c];
      scores.rec[c] = rec_count[level][c] == 0 ? 0.0 : scores.rec[c] / rec_count[level][c];
      scores.f1[c] = (scores.acc[c] == 0 && scores.rec[c] == 0)
                         ? 1.0
                         : 2.0 * scores.acc[c] * scores.rec[c] / (scores.rec[c] + scores.acc[c]);
    }
  }
  return levels;
}

std::string format_report(const std::vector<ExampleResult>& results, EvalType etype, bool per_example_lines) {
  std::string out;
  if (per_example_lines) {
    int errors = 0;
    for (const auto& result : results) {
      if (!result.pred_parse_ok) out += fmt::format("eval_err_num:{}\n", ++errors);
      if (etype != EvalType::kExec && !result.exact) {
        const auto level = hardness_name(result.hardness);
        out += fmt::format("{} pred: {}\n{} gold: {}\n\n", level, result.pred, level, result.gold);
      }
    }
  }
  const auto scores = aggregate_scores(results, etype);
  auto row = [&](std::string_view label, auto value) {
    out += fmt::format("{:20}", label);
    for (const auto& level : scores) out += fmt::format(" {:<20.3f}", value(level));
    out += "\n";
  };
  out += fmt::format("{:20} {:20} {:20} {:20} {:20} {:20}\n", "", "easy", "medium", "hard", "extra", "all");
  out += fmt::format("{:20}", "count");
  for (const auto& level : scores) out += fmt::format(" {:<20d}", level.count);
  out += "\n";
  if (etype != EvalType::kMatch) {
    out += "=====================   EXECUTION ACCURACY     =====================\n";
    row("execution", [](const LevelScores& s) { return s.exec; });
  }
  if (etype != EvalType::kExec) {
    out += "\n====================== EXACT MATCHING ACCURACY =====================\n";
    row("exact match", [](const LevelScores& s) { return s.exact; });
    out += "\n---------------------PARTIAL MATCHING ACCURACY----------------------\n";
    for (size_t c = 0; c < 10; ++c) row(kPartialComponents[c], [c](const LevelScores& s) { return s.acc[c]; });
    out += "---------------------- PARTIAL MATCHING RECALL ----------------------\n";
    for (size_t c = 0; c < 10; ++c) row(kPartialComponents[c], [c](const LevelScores& s) { return s.rec[c]; });
    out += "---------------------- PARTIAL MATCHING F1 --------------------------\n";
    for (size_t c = 0; c < 10; ++c) row(kPartialComponents[c], [c](const LevelScores& s) { return s.f1[c]; });
  }
  return out;
}

std::string results_to_jsonl(const std::vector<ExampleResult>& results, EvalType etype) {
  std::string out;
  for (const auto& result : results) {
    nlohmann::json record;
    record["line"] = result.line;
    record["db_id"] = result.db_id;
    record["hardness"] = hardness_name(result.hardness);
    if (etype != EvalType::kExec) record["exact"] = result.exact ? 1 : 0;
    if (etype != EvalType::kMatch) record["exec"] = result.exec;
    record["pred_parse_ok"] = result.pred_parse_ok ? 1 : 0;
    if (!result.pred_parse_ok) record["parse_reason"] = result.pred_parse_error;
    if (!result.exec_reason.empty()) record["exec_reason"] = result.exec_reason;
    if (etype != EvalType::kExec) {
      nlohmann::json partial = nlohmann::json::object();
      for (size_t c = 0; c < 10; ++c) {
        const ComponentScore& s = result.partial[c];
        partial[std::string(kPartialComponents[c])] = {{"acc", s.acc}, {"rec", s.rec}, {"f1", s.f1},
                                                        {"label_total", s.label_total}, {"pred_total", s.pred_total}};
      }
      record["partial"] = std::move(partial);
    }
    out += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "\n";
  }
  return out;
}

std::string accuracy_svg(const std::array<LevelScores, 5>& scores, EvalType etype) {
  static constexpr std::array<std::string_view, 5> kLevels = {"easy", "medium", "hard", "extra", "all"};
  const int width = 640, height = 360, left = 50, bottom = 300, top = 40, group = 110;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"24\" font-size=\"16\">Spider accuracy by hardness</text>\n",
      width, height, left);
  for (int tick = 0; tick <= 10; tick += 2) {
    const double y = bottom - (bottom - top) * tick / 10.0;
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", left, y, width - 20, y);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.1f}</text>\n", left - 6, y + 4, tick / 10.0);
  }
  struct Series {
    const char* name;
    const char* color;
    double LevelScores::*field;
  };
  std::vector<Series> series;
  if (etype != EvalType::kExec) series.push_back({"exact match", "#4c72b0", &LevelScores::exact});
  if (etype != EvalType::kMatch) series.push_back({"execution", "#dd8452", &LevelScores::exec});
  const double bar = 36;
  for (size_t level = 0; level < 5; ++level) {
    const double x0 = left + 20 + group * static_cast<double>(level);
    for (size_t s = 0; s < series.size(); ++s) {
      const double value = scores[level].*(series[s].field);
      const double h = (bottom - top) * value;
      const double x = x0 + bar * static_cast<double>(s);
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", x,
                         bottom - h, bar - 4, h, series[s].color);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\">{:.3f}</text>\n",
                         x + (bar - 4) / 2, bottom - h - 4, value);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{} (n={})</text>\n", x0 + bar, bottom + 18,
                       kLevels[level], scores[level].count);
  }
  for (size_t s = 0; s < series.size(); ++s) {
    const int y = height - 30 + static_cast<int>(s) * 0;
    const int x = left + 200 * static_cast<int>(s);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", x, y, series[s].color);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 18, y + 11, series[s].name);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace t2sql::eval
