#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "mutation.hpp"
#include "upstream_check.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string provider;
  bool prune = false;
  bool dry_run = false;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto configured = configured_provider(ctx, opt.provider);
  auto check = check_models(*configured.entry);
  if (check.error) {
    throw core::Error(check.error->code() == core::ErrorCode::kUnauthenticated ? core::ErrorCode::kUpstreamFailed
                                                                              : check.error->code(),
                      check.error->what());
  }
  std::vector<config::UpstreamModelInfo> models;
  std::size_t skipped = 0;
  for (auto& m : check.models) {
    skipped += core::is_model_id(m.id) ? 0 : 1;
    models.push_back({std::move(m.id), std::move(m.name), std::move(m.description), std::move(m.capabilities)});
  }
  const auto outcome =
      ctx.config().sync_models(opt.provider, models, config::SyncOptions{opt.prune}, make_actor(opt.mutation, ctx),
                               opt.dry_run ? config::Mode::kDryRun : config::Mode::kApply);
  if (ctx.out().json()) {
    report(ctx, outcome, "");
    return 0;
  }
  const auto headline = fmt::format("{} {} upstream model(s) of provider '{}'", opt.dry_run ? "would sync" : "synced",
                                    models.size() - skipped, opt.provider);
  if (opt.dry_run) {
    ctx.out().line(outcome.changed() ? headline + ":" : headline + ": nothing would change");
    print_changes(ctx.out(), outcome.changes, "  ");
  } else {
    report(ctx, outcome, headline);
  }
  if (skipped > 0) {
    ctx.out().line(ctx.out().yellow(fmt::format("skipped {} id(s) that are not valid model ids", skipped)));
  }
  return 0;
}

}  // namespace

Runner setup_model_sync(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("provider", opt->provider, "Provider id")->required();
  sub.add_flag("--prune", opt->prune, "Also unlink the provider's models that the upstream no longer lists");
  sub.add_flag("--dry-run", opt->dry_run, "Show what would change; change nothing");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Imports the models the provider lists upstream as one revision: missing models are created, "
             "every listed model is linked to the provider; existing models and links stay as they are. "
             "Exit codes: 3 unknown provider, 5 the upstream failed or rejected the credentials.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
