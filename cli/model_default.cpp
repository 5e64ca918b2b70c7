#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_model_default(CLI::App& sub) {
  sub.footer("Exit codes: 3 unknown provider or the model is not linked to it.");
  return positional_mutation(
      sub, {{"provider", "Provider id"}, {"model", "A model linked to the provider"}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.set_default_model(args[0], args[1], a);
      },
      [](const std::vector<std::string>& args) {
        return fmt::format("model '{}' is the default of provider '{}'", args[1], args[0]);
      });
}

}  // namespace router::cli
