// provider enable / provider disable: one mutation, two commands.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

Runner setup_toggle(CLI::App& sub, bool enable) {
  sub.footer(enable ? "Exit codes: 3 unknown provider."
                    : "Exit codes: 3 unknown provider, 4 it is the active provider ('router set' another first).");
  return positional_mutation(
      sub, {{"id", "Provider id"}},
      [enable](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.set_provider_enabled(args[0], enable, a);
      },
      [enable](const std::vector<std::string>& args) {
        return fmt::format("{} provider '{}'", enable ? "enabled" : "disabled", args[0]);
      });
}

}  // namespace

Runner setup_provider_enable(CLI::App& sub) { return setup_toggle(sub, true); }
Runner setup_provider_disable(CLI::App& sub) { return setup_toggle(sub, false); }

}  // namespace router::cli
