// provider enable / provider disable: one runner, two commands.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string id;
  MutationOptions mutation;
};

Runner setup_toggle(CLI::App& sub, bool enable) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, "Provider id")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer(enable ? "Exit codes: 3 unknown provider."
                    : "Exit codes: 3 unknown provider, 4 it is the active provider ('router set' another first).");
  return [opt, enable](Context& ctx) {
    const auto outcome = ctx.config().set_provider_enabled(opt->id, enable, make_actor(opt->mutation, ctx));
    report(ctx, outcome, fmt::format("{} provider '{}'", enable ? "enabled" : "disabled", opt->id));
    return 0;
  };
}

}  // namespace

Runner setup_provider_enable(CLI::App& sub) { return setup_toggle(sub, true); }
Runner setup_provider_disable(CLI::App& sub) { return setup_toggle(sub, false); }

}  // namespace router::cli
