#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/documents.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string provider;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto s = ctx.config().set_active_provider(opt.provider, make_actor(opt.mutation, ctx));
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(config::switch_document(s));
  } else if (!s.outcome.changed()) {
    out.line(fmt::format("active provider: {} (unchanged)", s.to));
  } else {
    out.line(fmt::format("active provider: {} → {}", s.from.value_or("(none)"), s.to));
  }
  return 0;
}

}  // namespace

Runner setup_set(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("provider", opt->provider, "The provider every request tries first")->required();
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 3 unknown provider, 4 provider disabled.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
