// `t2sql doctor`: what t2sql will use on this machine, and what is wrong with it.
#include <fmt/format.h>

#include <filesystem>

#include "cli/command_registry.hpp"
#include "common/paths.hpp"
#include "common/system_info.hpp"

namespace t2sql::cli {
namespace {
namespace fs = std::filesystem;

int run_doctor() {
  int problems = 0;
  auto report = [&](bool ok, const std::string& what, const std::string& detail) {
    fmt::print("{} {:<16} {}\n", ok ? "ok  " : "FAIL", what, detail);
    if (!ok) ++problems;
  };
  fmt::print("t2sql {}\n", T2SQL_VERSION);
  std::error_code ec;
  const fs::path spider = default_spider_dir();
  report(fs::exists(spider / "tables.json", ec), "spider data", spider.string());
  const fs::path model = default_model_dir();
  bool has_model = fs::exists(model / "config.json", ec);
  fmt::print("{} {:<16} {}\n", has_model ? "ok  " : "info", "default model",
             has_model ? model.string() : "not present (" + model.string() + ")");
  const fs::path model_binary = executable_dir() / "t2sql-model";
  report(fs::exists(model_binary, ec), "model part", model_binary.string());
  BlasInfo blas = system_blas();
  report(blas.ok(), "BLAS",
         fmt::format("{} ({}){}", blas.kind, blas.library_path,
                     blas.ok() ? "" : " — LibTorch would run on a slow BLAS; run scripts/setup.sh"));
  fmt::print("ok   {:<16} {}\n", "threads", hardware_threads());
  return problems == 0 ? 0 : 1;
}

const CommandRegistrar registrar(90, [](CLI::App& app) {
  auto* doctor = app.add_subcommand("doctor", "check the installation: data, model part, BLAS, threads");
  doctor->callback([] { set_exit_code(run_doctor()); });
});
}  // namespace
}  // namespace t2sql::cli
