#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/text.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string provider;
  std::string capability;
};

int run(const Options& opt, Context& ctx) {
  config::ModelFilter filter;
  if (!opt.provider.empty()) {
    filter.provider = opt.provider;
  }
  if (!opt.capability.empty()) {
    filter.capability = opt.capability;
  }
  const auto doc = ctx.config().models_document(filter);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  const auto& models = doc.at("models").as_array();
  if (models.empty()) {
    out.line("no models");
    return 0;
  }
  Table t({"MODEL", "NAME", "CAPABILITIES", "PROVIDERS"});
  for (const auto& v : models) {
    const auto& m = v.as_object();
    std::vector<std::string> caps;
    for (const auto& c : m.at("capabilities").as_array()) {
      caps.push_back(json_text(c));
    }
    std::vector<std::string> providers;
    for (const auto& pv : m.at("providers").as_array()) {
      const auto& l = pv.as_object();
      std::string s = json_text(l.at("provider_id"));
      if (l.at("default").as_bool()) {
        s += " (default)";
      }
      if (!l.at("upstream_model").is_null()) {
        s += fmt::format(" → {}", json_text(l.at("upstream_model")));
      }
      providers.push_back(std::move(s));
    }
    t.add({json_text(m.at("id")), json_text(m.at("name")), core::join(caps, ","), core::join(providers, ", ")});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_model_list(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("--provider", opt->provider, "Only models linked to this provider");
  sub.add_option("--capability", opt->capability, "Only models with this capability");
  sub.footer("Exit codes: 3 unknown provider.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
