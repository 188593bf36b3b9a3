// Commands that need LibTorch live in the `t2sql-model` binary (src/cli_model/); the front execs it.
#pragma once

#include <string>

namespace t2sql::cli {

bool is_model_command(const std::string& name);
// Sets what t2sql-model needs in its environment before it starts (OPENBLAS_CORETYPE, when the
// user has not set it: common/system_info.hpp).
void prepare_model_environment();

// Replaces this process with t2sql-model (same arguments); returns an exit code only on failure.
int exec_model_binary(int argc, char** argv);
std::string model_commands_help();

}  // namespace t2sql::cli
