#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/parse.hpp"
#include "mutation.hpp"
#include "providers/provider.hpp"
#include "providers/types.hpp"
#include "upstream_check.hpp"

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

// LM Studio serves the models its user loaded, so a model name fixed in the type would be a guess
// (it was qwen3-max). Without a defaultModel, the first model LM Studio lists becomes the default;
// when it does not answer, the provider gets none and the user is told how to set one.
void default_to_first_listed(config::NewProvider& p, const Context& ctx) {
  for (const auto& c : p.config) {
    if (c.key == "defaultModel") {
      return;
    }
  }
  std::string url;
  for (const auto& c : p.config) {
    if (c.key == "baseURL" && c.text) {
      url = *c.text;
    }
  }
  if (url.empty()) {
    const auto* k = providers::find_key(*providers::find_type(p.type), "baseURL");
    url = std::string(boost::json::parse(k->fallback).as_string());
  }
  std::optional<std::string> first;
  std::string why;
  try {
    routing::ProviderEntry entry;
    entry.row.id = p.id;
    entry.impl = providers::make_provider(p.id, p.type, boost::json::object{{"baseURL", url}});
    auto check = check_models(entry);
    if (!check.error && !check.models.empty()) {
      first = check.models.front().id;
    } else {
      why = check.error ? check.error->what() : "it lists no model";
    }
  } catch (const core::Error& e) {
    why = e.what();
  }
  if (first) {
    p.config.push_back(config::ConfigInput::plain("defaultModel", *first));
    ctx.out().note(fmt::format("defaultModel: '{}', the first model LM Studio lists at {}", *first, url));
  } else {
    ctx.out().note(fmt::format("no default model: LM Studio at {} did not list one ({}); requests must name a model "
                               "until you set one ('router provider edit {} --set defaultModel=NAME')",
                               url, why, p.id));
  }
}

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
  if (p.type == "lm-studio") {
    default_to_first_listed(p, ctx);
  }
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
