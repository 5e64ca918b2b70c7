#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  config::NewModel model;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto outcome = ctx.config().add_model(opt.model, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("added model '{}'", opt.model.id));
  return 0;
}

}  // namespace

Runner setup_model_add(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->model.id, "Model id as clients send it, e.g. gpt-4o")->required();
  sub.add_option("--name", opt->model.name, "Display name");
  sub.add_option("--description", opt->model.description, "Free text");
  sub.add_option("--capability", opt->model.capabilities, "A capability such as vision or tools (repeatable)");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 invalid id or capability, 4 the model exists.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
