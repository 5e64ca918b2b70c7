#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/settings.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_config_set(CLI::App& sub) {
  sub.footer("Exit codes: 2 unknown setting or invalid value; for active_provider 3 unknown provider, 4 disabled.");
  auto key = std::make_shared<std::string>();
  auto inner = positional_mutation(
      sub,
      {{"key", "Setting key (see 'router config schema')"}, {"value", "Value as text: 30s, 8MiB, true, 408,429,5xx, ..."}},
      [key](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        *key = args[0];
        return s.set_setting(args[0], args[1], a);
      },
      [](const std::vector<std::string>& args) { return fmt::format("set {}", args[0]); });
  return [inner = std::move(inner), key](Context& ctx) {
    const int rc = inner(ctx);
    // A running server read this setting when it started; say so rather than let the change
    // look applied.
    if (const auto* decl = config::find_setting(*key); decl != nullptr && decl->restart) {
      ctx.out().note(fmt::format("{} takes effect when 'router serve' restarts; a running server keeps its current value",
                                 decl->key));
    }
    return rc;
  };
}

}  // namespace router::cli
