#include "views.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/service.hpp"
#include "context.hpp"
#include "core/parse.hpp"
#include "output.hpp"
#include "providers/types.hpp"

namespace router::cli {

std::string json_text(const boost::json::value& v) {
  if (v.is_string()) {
    return std::string(v.as_string());
  }
  if (v.is_null()) {
    return "-";
  }
  return boost::json::serialize(v);
}

std::string config_value_text(std::string_view type, std::string_view key, const boost::json::value& v) {
  const auto* t = providers::find_type(type);
  const auto* k = t != nullptr ? providers::find_key(*t, key) : nullptr;
  if (k != nullptr && k->type == providers::ValueType::kDurationMs && v.is_int64()) {
    return core::format_duration_ms(v.as_int64());
  }
  return json_text(v);
}

void show_providers(Context& ctx, const config::ProviderFilter& filter) {
  const auto doc = ctx.config().providers_document(filter);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return;
  }
  const auto& providers = doc.at("providers").as_array();
  if (providers.empty()) {
    out.line("no providers: add one with 'router provider add ID --type TYPE'");
    return;
  }
  Table t({"", "ID", "NAME", "TYPE", "ENABLED", "PRIORITY"});
  for (const auto& v : providers) {
    const auto& p = v.as_object();
    const bool active = p.at("active").as_bool();
    t.add({Cell(active ? "*" : "", Style::kGreen), Cell(json_text(p.at("id")), active ? Style::kBold : Style::kPlain),
           json_text(p.at("name")), json_text(p.at("type")),
           Cell(yes_no(p.at("enabled").as_bool()), p.at("enabled").as_bool() ? Style::kPlain : Style::kYellow),
           json_text(p.at("priority"))});
  }
  t.print(out);
  if (doc.at("active_provider").is_null()) {
    out.line(out.dim("no active provider: choose one with 'router set <provider>'"));
  }
}

}  // namespace router::cli
