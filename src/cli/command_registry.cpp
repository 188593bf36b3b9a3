#include "cli/command_registry.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <vector>

#include "common/error.hpp"

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

int run_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(ErrorCode::kInternal);
  }
  return exit_code();
}

}  // namespace t2sql::cli
