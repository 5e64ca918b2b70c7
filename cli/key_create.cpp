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
  std::string name;
  bool admin = false;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  const auto k = ctx.config().create_api_key(opt.name, opt.admin, make_actor(opt.mutation, ctx));
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(config::created_key_document(k));
    return 0;
  }
  out.line(fmt::format("created {} key '{}' (r{}):", k.scope, k.name, k.outcome.revision.value_or(0)));
  out.line("");
  out.line(fmt::format("    {}", k.key));
  out.line("");
  out.line("store it now: it is not shown again (only its SHA-256 is kept)");
  return 0;
}

}  // namespace

Runner setup_key_create(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("name", opt->name, "A unique name for the key (letters, digits, . _ @ -)")->required();
  sub.add_flag("--admin", opt->admin, "Admin scope (the management API); default: client");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 invalid name, 4 the name exists.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
