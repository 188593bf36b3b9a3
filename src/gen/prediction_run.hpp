// `t2sql predict`: a whole split through the pipeline, into an official-format prediction file
// (one SQL per line, in example order) and a JSONL record per example (prompt length, candidates,
// chosen SQL, latency, errors). Crash- and Ctrl-C-safe: each example is appended to both files and
// fsync'ed before the next starts; --resume counts the examples both files hold, trims a torn
// tail, and continues after them.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/spider_dataset.hpp"
#include "gen/text_to_sql.hpp"

namespace t2sql::gen {

struct PredictRunOptions {
  std::filesystem::path out;    // prediction file
  std::filesystem::path jsonl;  // per-example records
  std::filesystem::path database_dir;  // <db>/<db>.sqlite
  int64_t limit = -1;           // first N examples only (-1: all)
  bool resume = false;          // continue after what both files hold
  bool overwrite = false;       // start over even when the files hold predictions
  bool progress = true;
};

struct PredictRunSummary {
  int64_t total = 0;        // examples to predict (after --limit)
  int64_t skipped = 0;      // already done (resume)
  int64_t predicted = 0;    // done by this run
  int64_t failed = 0;       // whose chosen SQL did not run
  bool interrupted = false;
  double seconds = 0.0;
  std::vector<double> latencies;  // seconds per example of this run
};

// Lines of `path` that end in '\n' (0 when it does not exist).
int64_t count_complete_lines(const std::filesystem::path& path);

// Runs `examples` (in order) through `pipeline`. Throws Error(kInvalidArgument) when the output
// files already hold predictions and neither resume nor overwrite is set, and Error(kIo) when
// writing fails. `stop` is polled between and during examples; an interrupted example is not written.
PredictRunSummary run_predictions(TextToSqlPipeline& pipeline, const std::vector<SpiderExample>& examples,
                                  const PredictRunOptions& options, const std::atomic<bool>& stop);

}  // namespace t2sql::gen
