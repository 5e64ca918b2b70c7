#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "config/documents.hpp"
#include "config/settings.hpp"
#include "context.hpp"
#include "core/text.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const auto doc = config::settings_schema_document();
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  Table t({"KEY", "TYPE", "DEFAULT", "DESCRIPTION"});
  for (const auto& v : doc.at("settings").as_array()) {
    const auto& s = v.as_object();
    const std::string_view key = s.at("key").as_string();
    std::string type = json_text(s.at("type"));
    if (const auto* choices = s.if_contains("choices")) {
      std::vector<std::string> c;
      for (const auto& x : choices->as_array()) {
        c.push_back(json_text(x));
      }
      type = core::join(c, "|");
    }
    t.add({std::string(key), type, config::format_setting(config::require_setting(key), s.at("default")),
           json_text(s.at("description"))});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_config_schema(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
