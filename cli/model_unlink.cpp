#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string provider;
  std::string model;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().unlink_model(opt.provider, opt.model, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("unlinked model '{}' from provider '{}'", opt.model, opt.provider));
  return 0;
}

}  // namespace

Runner setup_model_unlink(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("provider", opt->provider, "Provider id")->required();
  sub.add_option("model", opt->model, "Model id")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("The model itself stays. Exit codes: 3 unknown provider or no such link.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
