#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_config_set(CLI::App& sub) {
  sub.footer("Exit codes: 2 unknown setting or invalid value; for active_provider 3 unknown provider, 4 disabled.");
  return positional_mutation(
      sub,
      {{"key", "Setting key (see 'router config schema')"}, {"value", "Value as text: 30s, 8MiB, true, 408,429,5xx, ..."}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.set_setting(args[0], args[1], a);
      },
      [](const std::vector<std::string>& args) { return fmt::format("set {}", args[0]); });
}

}  // namespace router::cli
