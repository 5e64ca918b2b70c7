#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string name;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().revoke_api_key(opt.name, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("revoked key '{}'", opt.name));
  return 0;
}

}  // namespace

Runner setup_key_revoke(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("name", opt->name, "Key name")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("The key stops working at once; the row stays for the audit trail. Exit codes: 3 unknown key.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
