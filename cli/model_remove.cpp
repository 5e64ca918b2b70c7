#include <CLI/CLI.hpp>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_model_remove(CLI::App& sub) {
  sub.footer("Removes the model's provider links too. Exit codes: 2 no --yes without a terminal, 3 unknown model.");
  return removal_command(sub, "model", [](config::ConfigService& s, const std::string& id, const config::Actor& a,
                                          config::Mode mode) { return s.remove_model(id, a, mode); });
}

}  // namespace router::cli
