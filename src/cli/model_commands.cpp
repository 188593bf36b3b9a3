#include "cli/model_commands.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "common/error.hpp"
#include "common/paths.hpp"
#include "common/system_info.hpp"

namespace t2sql::cli {
namespace {
struct ModelCommand {
  const char* name;
  const char* summary;
};
constexpr std::array kModelCommands = {
    ModelCommand{"generate", "run a checkpoint on a prompt (KV-cached generation)"},
    ModelCommand{"ask", "question + database -> SQL -> rows"},
    ModelCommand{"predict", "predict SQL for a whole split (resumable)"},
    ModelCommand{"train", "sft training (full or LoRA) from a YAML config"},
    ModelCommand{"quantize", "weight-only int8 / 4-bit quantization"},
    ModelCommand{"merge", "merge checkpoints from a mergekit-style YAML recipe (linear)"},
    ModelCommand{"perplexity", "completion-token loss and perplexity on prepared records"},
    ModelCommand{"model-info", "describe the LibTorch build (threads, BLAS)"},
};
}  // namespace

bool is_model_command(const std::string& name) {
  for (const auto& command : kModelCommands)
    if (name == command.name) return true;
  return false;
}

std::string model_commands_help() {
  std::string help = "Model commands (run by t2sql-model, which loads LibTorch):\n";
  for (const auto& command : kModelCommands) {
    help += "  ";
    help += command.name;
    help += std::string(12 - std::strlen(command.name), ' ');
    help += command.summary;
    help += "\n";
  }
  return help;
}

void prepare_model_environment() {
  // OpenBLAS reads this only when it loads: choosing here spares t2sql-model a second start.
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr) {
    if (std::string core = blas_core_for_cpu(); !core.empty()) ::setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  }
}

int exec_model_binary(int /*argc*/, char** argv) {
  const std::filesystem::path binary = executable_dir() / "t2sql-model";
  std::error_code ec;
  if (!std::filesystem::exists(binary, ec)) {
    std::fprintf(stderr,
                 "error: '%s' needs the model part (t2sql-model), which is not built here: %s is missing. "
                 "Run scripts/setup.sh (installs libtorch-dev) and rebuild.\n",
                 argv[1], binary.c_str());
    return static_cast<int>(ErrorCode::kUnsupported);
  }
  prepare_model_environment();
  ::execv(binary.c_str(), argv);
  std::fprintf(stderr, "error: cannot start %s: %s\n", binary.c_str(), std::strerror(errno));
  return static_cast<int>(ErrorCode::kIo);
}

}  // namespace t2sql::cli
