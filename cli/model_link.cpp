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
  bool make_default = false;
  std::optional<std::string> upstream;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().link_model(opt.provider, opt.model, {opt.make_default, opt.upstream},
                                               make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("linked model '{}' to provider '{}'", opt.model, opt.provider));
  return 0;
}

}  // namespace

Runner setup_model_link(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("provider", opt->provider, "Provider id")->required();
  sub.add_option("model", opt->model, "Model id (created when it does not exist)")->required();
  sub.add_flag("--default", opt->make_default, "Make it the provider's default model (replaces the old default)");
  sub.add_option("--upstream", opt->upstream, "Model name sent upstream instead of the model id");
  add_mutation_options(sub, opt->mutation);
  sub.footer("A model that does not exist yet is created with the link. Exit codes: 2 invalid name, 3 unknown "
             "provider.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
