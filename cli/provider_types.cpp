#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/documents.hpp"
#include "context.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const auto doc = config::provider_types_document();
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  bool first = true;
  for (const auto& v : doc.at("types").as_array()) {
    const auto& t = v.as_object();
    if (!first) {
      out.line("");
    }
    first = false;
    out.line(fmt::format("{}  {}", out.bold(json_text(t.at("name"))), json_text(t.at("description"))));
    Table keys({"  KEY", "TYPE", "REQUIRED", "SECRET", "DEFAULT", "DESCRIPTION"});
    for (const auto& kv : t.at("keys").as_array()) {
      const auto& k = kv.as_object();
      keys.add({"  " + json_text(k.at("name")), json_text(k.at("type")), k.at("required").as_bool() ? "yes" : "",
                k.at("sensitive").as_bool() ? "yes" : "",
                config_value_text(t.at("name").as_string(), k.at("name").as_string(), k.at("default")), json_text(k.at("description"))});
    }
    keys.print(out);
  }
  return 0;
}

}  // namespace

Runner setup_provider_types(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
