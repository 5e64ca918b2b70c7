#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const auto doc = ctx.config().api_keys_document();
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  const auto& keys = doc.at("keys").as_array();
  if (keys.empty()) {
    out.line("no API keys: create one with 'router key create NAME [--admin]'");
    return 0;
  }
  Table t({"NAME", "SCOPE", "PREFIX", "CREATED", "LAST USED", "REVOKED"});
  for (const auto& v : keys) {
    const auto& k = v.as_object();
    t.add({json_text(k.at("name")), json_text(k.at("scope")), fmt::format("{}…", json_text(k.at("prefix"))),
           json_text(k.at("created_at")), json_text(k.at("last_used_at")), json_text(k.at("revoked_at"))});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_key_list(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
