#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_model_unlink(CLI::App& sub) {
  sub.footer("The model itself stays. Exit codes: 3 unknown provider or no such link.");
  return positional_mutation(
      sub, {{"provider", "Provider id"}, {"model", "Model id"}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.unlink_model(args[0], args[1], a);
      },
      [](const std::vector<std::string>& args) {
        return fmt::format("unlinked model '{}' from provider '{}'", args[1], args[0]);
      });
}

}  // namespace router::cli
