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
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().unset_setting(opt.key, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("unset {} (back to its default)", opt.key));
  return 0;
}

}  // namespace

Runner setup_config_unset(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("key", opt->key, "Setting key")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 unknown setting.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
