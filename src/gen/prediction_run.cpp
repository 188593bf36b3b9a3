#include "gen/prediction_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/progress.hpp"
#include "common/utf8.hpp"

namespace t2sql::gen {
namespace {

const char* status_name(QueryStatus status) {
  switch (status) {
    case QueryStatus::kOk: return "ok";
    case QueryStatus::kSqlError: return "sql_error";
    case QueryStatus::kRefused: return "refused";
    case QueryStatus::kTimeout: return "timeout";
    case QueryStatus::kRowLimit: return "row_limit";
    case QueryStatus::kMultipleStatements: return "multiple_statements";
    case QueryStatus::kEmpty: return "empty";
  }
  return "unknown";
}

// Appends `text` and fsyncs, so a finished example survives a crash or Ctrl-C.
void append_durably(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorCode::kIo, "cannot open {} for appending: {}", path.string(), std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      fail(ErrorCode::kIo, "cannot write {}: {}", path.string(), std::strerror(saved));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    fail(ErrorCode::kIo, "cannot fsync {}: {}", path.string(), std::strerror(saved));
  }
  ::close(fd);
}

// Keeps the first `lines` complete lines of `path` (drops a torn tail).
void keep_first_lines(const std::filesystem::path& path, int64_t lines) {
  if (!std::filesystem::exists(path)) return;
  std::string text = read_file(path);
  size_t end = 0;
  for (int64_t i = 0; i < lines; ++i) end = text.find('\n', end) + 1;
  if (end != text.size()) write_file_atomic(path, std::string_view(text).substr(0, end));
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::replace(text.begin(), text.end(), '\t', ' ');
  return text;
}

}  // namespace

int64_t count_complete_lines(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return 0;
  std::string text = read_file(path);
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

PredictRunSummary run_predictions(TextToSqlPipeline& pipeline, const std::vector<SpiderExample>& examples,
                                  const PredictRunOptions& options, const std::atomic<bool>& stop) {
  auto start = std::chrono::steady_clock::now();
  PredictRunSummary summary;
  summary.total = options.limit >= 0 ? std::min<int64_t>(options.limit, static_cast<int64_t>(examples.size()))
                                     : static_cast<int64_t>(examples.size());
  int64_t done_out = count_complete_lines(options.out), done_jsonl = count_complete_lines(options.jsonl);
  bool has_content = (std::filesystem::exists(options.out) && std::filesystem::file_size(options.out) > 0) ||
                     (std::filesystem::exists(options.jsonl) && std::filesystem::file_size(options.jsonl) > 0);
  if (options.resume) {
    summary.skipped = std::min({done_out, done_jsonl, summary.total});
    keep_first_lines(options.out, summary.skipped);
    keep_first_lines(options.jsonl, summary.skipped);
  } else if (has_content && !options.overwrite) {
    fail(ErrorCode::kInvalidArgument, "{} already holds {} predictions: pass --resume to continue or --overwrite to start over",
         options.out.string(), done_out);
  } else {
    write_file_atomic(options.out, "");
    write_file_atomic(options.jsonl, "");
  }

  std::map<std::string, DatabaseContext> databases;
  ProgressBar progress("predict", summary.total, options.progress);
  progress.advance(summary.skipped);
  int64_t correct_runs = 0;
  for (int64_t i = summary.skipped; i < summary.total; ++i) {
    if (stop.load()) {
      summary.interrupted = true;
      break;
    }
    const SpiderExample& example = examples[static_cast<size_t>(i)];
    nlohmann::json record = {{"index", i}, {"db_id", example.db_id}, {"question", example.question}, {"gold", example.query}};
    std::string sql = "SELECT";
    try {
      auto it = databases.find(example.db_id);
      if (it == databases.end()) {
        std::filesystem::path file = spider_database_file(options.database_dir, example.db_id);
        if (!std::filesystem::exists(file)) fail(ErrorCode::kNotFound, "database {} does not exist", file.string());
        it = databases.emplace(example.db_id, open_database_file(file, example.db_id, pipeline.options().sample_rows)).first;
      }
      Prediction prediction = pipeline.answer(it->second, example.question, &stop);
      if (prediction.interrupted) {
        summary.interrupted = true;
        break;
      }
      sql = prediction.sql;
      nlohmann::json candidates = nlohmann::json::array();
      for (const auto& candidate : prediction.candidates) {
        candidates.push_back({{"stage", candidate.stage}, {"raw", sanitize_utf8(candidate.raw)}, {"sql", sanitize_utf8(candidate.sql)},
                              {"status", status_name(candidate.status)}, {"error", candidate.error}, {"rows", candidate.rows},
                              {"tokens", candidate.tokens}, {"finish", candidate.finish_reason}});
      }
      record["sql"] = sanitize_utf8(sql);
      record["status"] = status_name(prediction.outcome.status);
      record["rows"] = prediction.outcome.result.rows.size();
      record["prompt_tokens"] = prediction.prompt_tokens;
      record["generated_tokens"] = prediction.generated_tokens;
      record["latency_s"] = prediction.latency_seconds;
      record["generation_s"] = prediction.generation_seconds;
      record["constrained_s"] = prediction.constrained_seconds;
      record["kept_tables"] = prediction.kept_tables;
      record["few_shot"] = prediction.few_shot_questions;
      record["dropped_columns"] = prediction.dropped_columns;
      record["candidates"] = candidates;
      record["errors"] = prediction.errors;
      summary.latencies.push_back(prediction.latency_seconds);
      if (prediction.outcome.ok()) ++correct_runs;
      else ++summary.failed;
    } catch (const Error& error) {
      record["sql"] = sql;
      record["status"] = "error";
      record["errors"] = {error.what()};
      ++summary.failed;
    }
    append_durably(options.out, one_line(sanitize_utf8(sql)) + "\n");
    append_durably(options.jsonl, record.dump() + "\n");
    ++summary.predicted;
    progress.advance(1, fmt::format("runs {}/{}", correct_runs, summary.predicted));
  }
  progress.finish();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace t2sql::gen
