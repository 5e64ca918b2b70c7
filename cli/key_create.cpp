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
  // Creating a client key changes nothing by itself (auth.clients decides): say which it is.
  const auto auth = opt.admin ? std::string() : std::string(ctx.config().setting_document("auth.clients").at("value").as_string());
  const auto& out = ctx.out();
  if (out.json()) {
    auto doc = config::created_key_document(k);
    if (!auth.empty()) {
      doc["auth_clients"] = auth;
    }
    out.print_json(doc);
    return 0;
  }
  out.line(fmt::format("created {} key '{}' (r{}):", k.scope, k.name, k.outcome.revision.value_or(0)));
  out.line("");
  out.line(fmt::format("    {}", k.key));
  out.line("");
  out.line("store it now: it is not shown again (only its SHA-256 is kept)");
  if (auth == "open") {
    out.line("auth.clients is open: client routes accept requests without a key; this key is not required until you "
             "run 'router config set auth.clients keys'");
  } else if (auth == "keys") {
    out.line("auth.clients is keys: client routes require this key or another unrevoked client key");
  }
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
