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
  bool yes = false;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  auto& service = ctx.config();
  const auto actor = make_actor(opt.mutation, ctx);
  const auto preview = service.remove_provider(opt.id, actor, config::Mode::kDryRun);
  if (!ctx.out().json()) {
    ctx.out().line(fmt::format("removing provider '{}' deletes:", opt.id));
    print_changes(ctx.out(), preview.changes, "  ");
  }
  if (!confirmed(ctx, fmt::format("remove provider '{}'", opt.id), opt.yes)) {
    return 1;
  }
  report(ctx, service.remove_provider(opt.id, actor), fmt::format("removed provider '{}'", opt.id));
  return 0;
}

}  // namespace

Runner setup_provider_remove(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, "Provider id")->required();
  sub.add_flag("-y,--yes", opt->yes, "Do not ask (required when stdin is not a terminal)");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Removes the provider's config values and model links too. Exit codes: 2 no --yes without a "
             "terminal, 3 unknown provider, 4 it is the active provider.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
