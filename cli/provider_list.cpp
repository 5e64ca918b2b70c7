#include <CLI/CLI.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string type;
  bool enabled = false;
  bool disabled = false;
};

int run(const Options& opt, Context& ctx) {
  config::ProviderFilter filter;
  if (!opt.type.empty()) {
    filter.type = opt.type;
  }
  if (opt.enabled || opt.disabled) {
    filter.enabled = opt.enabled;
  }
  show_providers(ctx, filter);
  return 0;
}

}  // namespace

Runner setup_provider_list(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("--type", opt->type, "Only providers of this type");
  auto* enabled = sub.add_flag("--enabled", opt->enabled, "Only enabled providers");
  sub.add_flag("--disabled", opt->disabled, "Only disabled providers")->excludes(enabled);
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
