#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> priority;
  std::optional<std::string> description;
  std::vector<std::string> sets;
  std::vector<std::string> secrets;
  std::vector<std::string> unsets;
  MutationOptions mutation;
};

int run(const Options& opt, Context& ctx) {
  if (!opt.name && !opt.priority && !opt.description && opt.sets.empty() && opt.secrets.empty() && opt.unsets.empty()) {
    throw core::Error(core::ErrorCode::kInvalidArgument,
                      "nothing to change: give --name, --priority, --description, --set, --secret or --unset");
  }
  config::ProviderEdit edit;
  edit.name = opt.name;
  if (opt.priority) {
    edit.priority = core::parse_int(*opt.priority, -1'000'000'000, 1'000'000'000, "priority");
  }
  edit.description = opt.description;
  edit.config = config_inputs(opt.sets, opt.secrets);
  edit.unset = opt.unsets;
  const auto outcome = ctx.config().edit_provider(opt.id, edit, make_actor(opt.mutation, ctx));
  report(ctx, outcome, fmt::format("edited provider '{}'", opt.id));
  return 0;
}

}  // namespace

Runner setup_provider_edit(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, "Provider id")->required();
  sub.add_option("--name", opt->name, "New display name (unique)");
  sub.add_option("--priority", opt->priority, "Fallback order: higher first");
  sub.add_option("--description", opt->description, "Free text");
  sub.add_option("--set", opt->sets, "Config value KEY=VALUE (repeatable)");
  sub.add_option("--secret", opt->secrets,
                 "Sensitive config KEY=VALUE (sealed), KEY=env:NAME, or KEY=- to read stdin (repeatable)");
  sub.add_option("--unset", opt->unsets, "Remove a config key, back to the type's default (repeatable)");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 2 invalid key or value, 3 unknown provider, 4 name taken, 6 wrong master key.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
