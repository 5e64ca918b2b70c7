#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/parse.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string id;
  std::string type;
  std::optional<std::string> name;
  std::optional<std::string> priority;
  std::string description;
  std::vector<std::string> sets;
  std::vector<std::string> secrets;
  bool disabled = false;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  config::NewProvider p;
  p.id = opt.id;
  p.type = opt.type;
  p.name = opt.name;
  if (opt.priority) {
    p.priority = core::parse_int(*opt.priority, -1'000'000'000, 1'000'000'000, "priority");
  }
  p.description = opt.description;
  p.enabled = !opt.disabled;
  p.config = config_inputs(opt.sets, opt.secrets);
  const auto outcome = ctx.config().add_provider(p, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("added provider '{}'", opt.id));
  return 0;
}

}  // namespace

Runner setup_provider_add(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, "Provider id: lowercase letters, digits and '-'")->required();
  sub.add_option("--type", opt->type, "Provider type (see 'router provider types')")->required();
  sub.add_option("--name", opt->name, "Display name (default: the id; unique)");
  sub.add_option("--priority", opt->priority, "Fallback order: higher first (default 0)");
  sub.add_option("--description", opt->description, "Free text");
  sub.add_option("--set", opt->sets, "Config value KEY=VALUE (repeatable)");
  sub.add_option("--secret", opt->secrets,
                 "Sensitive config KEY=VALUE, sealed under the master key; KEY=env:NAME stores a reference and "
                 "KEY=- reads the value from stdin (repeatable)");
  sub.add_flag("--disabled", opt->disabled, "Add it disabled");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 invalid id, type, key or value; 4 the id or name exists; 6 wrong master key.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
