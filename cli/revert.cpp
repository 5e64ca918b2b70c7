#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string rev;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto rev = parse_revision(opt.rev);
  const auto outcome = ctx.config().revert(rev, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("reverted r{}", rev));
  return 0;
}

}  // namespace

Runner setup_revert(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("rev", opt->rev, "Revision to undo (12 or r12)")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("Records a new revision that restores what the revision changed. Exit codes: 3 no such revision, "
             "4 a later revision changed the same entities (revert that one first).");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
