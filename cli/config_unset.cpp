#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_config_unset(CLI::App& sub) {
  sub.footer("Exit codes: 2 unknown setting.");
  return positional_mutation(
      sub, {{"key", "Setting key"}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.unset_setting(args[0], a);
      },
      [](const std::vector<std::string>& args) { return fmt::format("unset {} (back to its default)", args[0]); });
}

}  // namespace router::cli
