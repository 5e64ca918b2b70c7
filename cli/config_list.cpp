#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "config/settings.hpp"
#include "context.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const auto doc = ctx.config().settings_document();
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  Table t({"KEY", "VALUE", "SOURCE"});
  for (const auto& v : doc.at("settings").as_array()) {
    const auto& s = v.as_object();
    const std::string_view key = s.at("key").as_string();
    const bool is_default = s.at("is_default").as_bool();
    const auto value = config::format_setting(config::require_setting(key), s.at("value"));
    t.add({std::string(key), Cell(value, is_default ? Style::kPlain : Style::kBold), is_default ? "default" : "set"});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_config_list(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
