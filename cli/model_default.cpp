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
  const auto outcome = ctx.config().set_default_model(opt.provider, opt.model, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("model '{}' is the default of provider '{}'", opt.model, opt.provider));
  return 0;
}

}  // namespace

Runner setup_model_default(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("provider", opt->provider, "Provider id")->required();
  sub.add_option("model", opt->model, "A model linked to the provider")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 3 unknown provider or the model is not linked to it.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
