#include <CLI/CLI.hpp>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_provider_remove(CLI::App& sub) {
  sub.footer("Removes the provider's config values and model links too. Exit codes: 2 no --yes without a "
             "terminal, 3 unknown provider, 4 it is the active provider.");
  return removal_command(sub, "provider", [](config::ConfigService& s, const std::string& id, const config::Actor& a,
                                             config::Mode mode) { return s.remove_provider(id, a, mode); });
}

}  // namespace router::cli
