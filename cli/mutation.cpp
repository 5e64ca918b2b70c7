#include "mutation.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "config/settings.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

std::string read_secret_from_stdin() {
  std::string value;
  std::getline(std::cin, value);
  if (!value.empty() && value.back() == '\r') {
    value.pop_back();
  }
  return value;
}

// What an entity is, in short: the value of a setting or config key, a provider's type.
std::string entity_summary(std::string_view entity, const boost::json::object& a) {
  if (entity == "provider") {
    return fmt::format("type {}{}", json_text(a.at("type")), a.at("enabled").as_bool() ? "" : ", disabled");
  }
  if (entity == "provider_config" || entity == "setting") {
    return json_text(a.at("value"));
  }
  if (entity == "provider_model") {
    std::string s = a.at("default").as_bool() ? "default" : "";
    if (!a.at("upstream_model").is_null()) {
      s += fmt::format("{}upstream {}", s.empty() ? "" : ", ", json_text(a.at("upstream_model")));
    }
    return s;
  }
  if (entity == "api_key") {
    return fmt::format("{}{}", json_text(a.at("scope")), a.at("revoked").as_bool() ? ", revoked" : "");
  }
  return "";
}

std::string field_text(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) {
    return "-";
  }
  if (v->is_string() && v->as_string().empty()) {
    return "\"\"";
  }
  return json_text(*v);
}

// An update as "old → new" per changed field ("value" unnamed, as settings and config keys have
// nothing else); created and deleted entities in short. Values are the public documents', so
// secrets are masked.
std::string change_summary(const config::ChangeRecord& c) {
  if (c.entity == "setting") {
    // A setting without a row has its default: setting one is "default → new", unsetting one
    // "old → default", in the setting's own units.
    if (const auto* decl = config::find_setting(c.key)) {
      auto text = [&](const std::optional<boost::json::object>& doc) {
        return doc ? config::format_setting(*decl, doc->at("value"))
                   : config::format_setting(*decl, boost::json::parse(decl->fallback)) + " (default)";
      };
      return fmt::format("{} → {}", text(c.before), text(c.after));
    }
  }
  if (!c.before || !c.after) {
    return c.after ? entity_summary(c.entity, *c.after) : entity_summary(c.entity, *c.before);
  }
  std::vector<std::string> parts;
  auto add = [&](std::string_view field, const boost::json::value* from, const boost::json::value* to) {
    if (from != nullptr && to != nullptr && *from == *to) {
      return;
    }
    const auto arrow = fmt::format("{} → {}", field_text(from), field_text(to));
    parts.push_back(field == "value" ? arrow : fmt::format("{}: {}", field, arrow));
  };
  for (const auto& kv : *c.after) {
    add(kv.key(), c.before->if_contains(kv.key()), &kv.value());
  }
  for (const auto& kv : *c.before) {
    if (!c.after->contains(kv.key())) {
      add(kv.key(), &kv.value(), nullptr);
    }
  }
  // A secret replaced by one with the same mask still changed.
  return parts.empty() ? "changed (masked)" : core::join(parts, ", ");
}

}  // namespace

void add_mutation_options(CLI::App& sub, MutationOptions& opt) {
  sub.add_option("-m,--message", opt.message, "Message recorded on the revision");
  sub.add_option("--actor", opt.actor, "Who is making the change (default: $USER)");
}

config::Actor make_actor(const MutationOptions& opt, const Context& ctx, config::Source source) {
  std::string name = opt.actor;
  for (const auto* var : {"USER", "LOGNAME"}) {
    if (name.empty()) {
      name = ctx.env()(var).value_or("");
    }
  }
  return config::Actor{name.empty() ? "unknown" : name, source, opt.message};
}

std::pair<std::string, std::string> split_assignment(std::string_view arg, std::string_view option) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    // The argument is not echoed: for --secret it may be the secret itself.
    throw core::Error(core::ErrorCode::kInvalidArgument, fmt::format("{} expects KEY=VALUE", option));
  }
  return {std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

std::vector<config::ConfigInput> config_inputs(const std::vector<std::string>& sets,
                                               const std::vector<std::string>& secrets) {
  std::vector<config::ConfigInput> out;
  for (const auto& s : sets) {
    auto [k, v] = split_assignment(s, "--set");
    out.push_back(config::ConfigInput::plain(std::move(k), std::move(v)));
  }
  bool stdin_used = false;
  for (const auto& s : secrets) {
    auto [k, v] = split_assignment(s, "--secret");
    if (v == "-") {
      if (stdin_used) {
        throw core::Error(core::ErrorCode::kInvalidArgument, "only one --secret can read its value from stdin");
      }
      stdin_used = true;
      v = read_secret_from_stdin();
    }
    out.push_back(config::ConfigInput::secret(std::move(k), std::move(v)));
  }
  return out;
}

void print_changes(const Output& out, const std::vector<config::ChangeRecord>& changes, std::string_view indent) {
  Table t({fmt::format("{}OP", indent), "ENTITY", "KEY", "VALUE"});
  for (const auto& c : changes) {
    t.add({fmt::format("{}{}", indent, c.op), c.entity, c.key, change_summary(c)});
  }
  t.print(out);
}

void report(const Context& ctx, const config::Mutation& outcome, std::string_view headline) {
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(config::outcome_document(outcome));
    return;
  }
  if (!outcome.changed()) {
    out.line(fmt::format("{}: nothing changed", headline));
    return;
  }
  out.line(fmt::format("{} (r{})", headline, *outcome.revision));
  print_changes(out, outcome.changes, "  ");
}

Runner positional_mutation(CLI::App& sub, std::vector<Positional> positionals, Apply apply, Headline headline) {
  struct Options {
    std::vector<std::string> args;
    MutationOptions mutation;
  };
  auto opt = std::make_shared<Options>();
  opt->args.resize(positionals.size());
  for (std::size_t i = 0; i < positionals.size(); ++i) {
    sub.add_option(positionals[i].name, opt->args[i], positionals[i].help)->required();
  }
  add_mutation_options(sub, opt->mutation);
  return [opt, apply = std::move(apply), headline = std::move(headline)](Context& ctx) {
    const auto outcome = apply(ctx.config(), opt->args, make_actor(opt->mutation, ctx));
    report(ctx, outcome, headline(opt->args));
    return 0;
  };
}

Runner removal_command(CLI::App& sub, std::string_view noun, Removal remove) {
  struct Options {
    std::string id;
    bool yes = false;
    MutationOptions mutation;
  };
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, fmt::format("The {} to remove", noun))->required();
  sub.add_flag("-y,--yes", opt->yes, "Do not ask (required when stdin is not a terminal)");
  add_mutation_options(sub, opt->mutation);
  return [opt, what = std::string(noun), remove = std::move(remove)](Context& ctx) {
    auto& service = ctx.config();
    const auto actor = make_actor(opt->mutation, ctx);
    const auto label = fmt::format("{} '{}'", what, opt->id);
    const auto& out = ctx.out();
    if (!opt->yes) {
      // Without --yes the preview shows what would go (before asking, or before refusing); the
      // answer then prints only the headline, so every change line appears once.
      if (!out.json()) {
        const auto preview = remove(service, opt->id, actor, config::Mode::kDryRun);
        out.line(fmt::format("removing {} deletes:", label));
        print_changes(out, preview.changes, "  ");
      }
      if (::isatty(STDIN_FILENO) != 1) {
        throw core::Error(core::ErrorCode::kInvalidArgument,
                          fmt::format("refusing to remove {} without --yes (stdin is not a terminal)", label));
      }
      std::fputs(fmt::format("remove {}? [y/N] ", label).c_str(), stdout);
      std::fflush(stdout);
      std::string answer;
      std::getline(std::cin, answer);
      answer = std::string(core::trim(answer));
      if (answer != "y" && answer != "Y" && answer != "yes") {
        out.line("aborted: nothing changed");
        return 1;
      }
    }
    const auto outcome = remove(service, opt->id, actor, config::Mode::kApply);
    if (opt->yes || out.json()) {
      report(ctx, outcome, fmt::format("removed {}", label));
    } else {
      out.line(fmt::format("removed {} (r{})", label, outcome.revision.value_or(0)));
    }
    return 0;
  };
}

}  // namespace router::cli
