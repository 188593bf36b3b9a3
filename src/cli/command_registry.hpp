// Subcommands register themselves: each src/cli/<command>.cpp defines a registrar that adds its
// CLI11 subcommand, so adding a command touches no shared file. Callbacks hold no logic: they parse
// flags and call the library.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace t2sql::cli {

using CommandRegistration = std::function<void(CLI::App& app)>;

// `order` fixes where the command appears in --help.
struct CommandRegistrar {
  CommandRegistrar(int order, CommandRegistration registration);
};

void register_all_commands(CLI::App& app);

// The exit status a command callback wants main() to return (0 unless set).
void set_exit_code(int code);
int exit_code();

// Parses the command line and runs the chosen command; returns the process's exit status: the
// command's exit_code(), CLI11's for usage errors, the Error's code (message on stderr as
// "error: ...") for a failure, kInternal for any other exception. Shared by t2sql and t2sql-model.
int run_command_line(CLI::App& app, int argc, char** argv);

}  // namespace t2sql::cli
