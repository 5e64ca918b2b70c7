#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string key;
  std::string value;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().set_setting(opt.key, opt.value, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("set {}", opt.key));
  return 0;
}

}  // namespace

Runner setup_config_set(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("key", opt->key, "Setting key (see 'router config schema')")->required();
  sub.add_option("value", opt->value, "Value as text: 30s, 8MiB, true, 408,429,5xx, ...")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 unknown setting or invalid value; for active_provider 3 unknown provider, 4 disabled.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
