#include "cli/command_registry.hpp"

#include <algorithm>
#include <vector>

namespace t2sql::cli {
namespace {
std::vector<std::pair<int, CommandRegistration>>& registry() {
  static std::vector<std::pair<int, CommandRegistration>> commands;
  return commands;
}
int g_exit_code = 0;
}  // namespace

CommandRegistrar::CommandRegistrar(int order, CommandRegistration registration) {
  registry().emplace_back(order, std::move(registration));
}

void register_all_commands(CLI::App& app) {
  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, registration] : commands) registration(app);
}

void set_exit_code(int code) { g_exit_code = code; }
int exit_code() { return g_exit_code; }

}  // namespace t2sql::cli
