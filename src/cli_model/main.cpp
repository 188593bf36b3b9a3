// t2sql-model: the commands that need LibTorch. Started by the `t2sql` front with the same
// arguments; can also be run directly.
#include <cstdio>
#include <string>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "common/host_memory.hpp"
#include "nn/threads.hpp"

int main(int argc, char** argv) {
  t2sql::nn::reexec_with_better_blas_core(argv);
  t2sql::keep_freed_memory_for_reuse();
  CLI::App app{"t2sql model commands (LibTorch)"};
  app.set_version_flag("--version", std::string("t2sql ") + T2SQL_VERSION);
  app.require_subcommand(1);
  t2sql::cli::register_all_commands(app);
  return t2sql::cli::run_command_line(app, argc, argv);
}
