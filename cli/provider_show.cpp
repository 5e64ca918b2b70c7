#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string id;
  bool reveal = false;
};

int run(const Options& opt, Context& ctx) {
  const auto doc = ctx.config().provider_document(opt.id, opt.reveal);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  const bool active = doc.at("active").as_bool();
  out.line(fmt::format("{:<13}{}{}", "provider", out.bold(json_text(doc.at("id"))), active ? out.green("  (active)") : ""));
  out.line(fmt::format("{:<13}{}", "name", json_text(doc.at("name"))));
  out.line(fmt::format("{:<13}{}", "type", json_text(doc.at("type"))));
  out.line(fmt::format("{:<13}{}", "enabled", yes_no(doc.at("enabled").as_bool())));
  out.line(fmt::format("{:<13}{}", "priority", json_text(doc.at("priority"))));
  if (!doc.at("description").as_string().empty()) {
    out.line(fmt::format("{:<13}{}", "description", json_text(doc.at("description"))));
  }
  out.line("");
  Table config({"KEY", "VALUE", "SOURCE"});
  for (const auto& v : doc.at("config").as_array()) {
    const auto& c = v.as_object();
    const bool sensitive = c.at("sensitive").as_bool();
    config.add({json_text(c.at("key")),
                config_value_text(doc.at("type").as_string(), c.at("key").as_string(), c.at("value")),
                fmt::format("{}{}", json_text(c.at("source")), sensitive ? " (secret)" : "")});
  }
  config.print(out);
  const auto& models = doc.at("models").as_array();
  out.line("");
  if (models.empty()) {
    out.line(out.dim(fmt::format("no linked models: link one with 'router model link {} MODEL'", json_text(doc.at("id")))));
    return 0;
  }
  Table links({"MODEL", "DEFAULT", "UPSTREAM"});
  for (const auto& v : models) {
    const auto& l = v.as_object();
    links.add({json_text(l.at("model_id")), l.at("default").as_bool() ? "yes" : "", json_text(l.at("upstream_model"))});
  }
  links.print(out);
  return 0;
}

}  // namespace

Runner setup_provider_show(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("id", opt->id, "Provider id")->required();
  sub.add_flag("--reveal", opt->reveal, "Show secrets in plain text (needs the master key)");
  sub.footer("Exit codes: 3 unknown provider, 6 --reveal without the right master key.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
