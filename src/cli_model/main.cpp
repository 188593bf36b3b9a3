// t2sql-model: the commands that need LibTorch. Started by the `t2sql` front with the same
// arguments; can also be run directly.
#include <cstdio>
#include <string>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "nn/threads.hpp"

int main(int argc, char** argv) {
  t2sql::nn::reexec_with_better_blas_core(argv);
  CLI::App app{"t2sql model commands (LibTorch)"};
  app.set_version_flag("--version", std::string("t2sql ") + T2SQL_VERSION);
  app.require_subcommand(1);
  t2sql::cli::register_all_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const t2sql::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(t2sql::ErrorCode::kInternal);
  }
  return t2sql::cli::exit_code();
}
