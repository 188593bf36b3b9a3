// `t2sql model-info`: the LibTorch build this binary runs on (version, threads, BLAS actually loaded).
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <fmt/format.h>

#include "cli/command_registry.hpp"
#include "common/system_info.hpp"

namespace t2sql::cli {
namespace {
const CommandRegistrar registrar(80, [](CLI::App& app) {
  auto* command = app.add_subcommand("model-info", "describe the LibTorch build (threads, BLAS)");
  command->callback([] {
    BlasInfo blas = loaded_blas();
    fmt::print("libtorch intra-op threads: {}\n", at::get_num_threads());
    fmt::print("BLAS loaded: {} ({})\n", blas.kind, blas.library_path);
    fmt::print("{}", at::show_config());
    set_exit_code(blas.ok() ? 0 : 1);
  });
});
}  // namespace
}  // namespace t2sql::cli
