#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "config/settings.hpp"
#include "context.hpp"

namespace router::cli {

namespace {

int run(const std::string& key, Context& ctx) {
  const auto doc = ctx.config().setting_document(key);
  if (ctx.out().json()) {
    ctx.out().print_json(doc);
  } else {
    ctx.out().line(config::format_setting(config::require_setting(key), doc.at("value")));
  }
  return 0;
}

}  // namespace

Runner setup_config_get(CLI::App& sub) {
  auto key = std::make_shared<std::string>();
  sub.add_option("key", *key, "Setting key (see 'router config schema')")->required();
  sub.footer("Prints the effective value (the default when unset). Exit codes: 2 unknown setting.");
  return [key](Context& ctx) { return run(*key, ctx); };
}

}  // namespace router::cli
