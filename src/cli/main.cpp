// t2sql: the command-line front. Core commands (data, eval, tokenizer, doctor) run in this
// process, which never loads LibTorch; model commands are handed to the sibling `t2sql-model`
// binary with the same arguments, so `t2sql data stats` starts in milliseconds.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "cli/model_commands.hpp"
#include "common/error.hpp"
#include "common/paths.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && t2sql::cli::is_model_command(argv[1])) return t2sql::cli::exec_model_binary(argc, argv);

  CLI::App app{"t2sql: text-to-SQL with language models — data, training, inference and Spider evaluation"};
  app.set_version_flag("--version", std::string("t2sql ") + T2SQL_VERSION);
  app.require_subcommand(1);
  app.footer(t2sql::cli::model_commands_help());
  t2sql::cli::register_all_commands(app);
  if (argc > 1 && argv[1][0] != '-' && app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == argv[1]; }).empty()) {
    std::fprintf(stderr, "error: unknown command '%s' (run t2sql --help for the list)\n", argv[1]);
    return static_cast<int>(t2sql::ErrorCode::kInvalidArgument);
  }
  return t2sql::cli::run_command_line(app, argc, argv);
}
