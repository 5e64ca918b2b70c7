#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(const std::string& rev, Context& ctx) {
  const auto doc = ctx.config().revision_document(config::parse_revision(rev));
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  out.line(fmt::format("{}  {}  {} ({})", out.bold("r" + json_text(doc.at("rev"))), json_text(doc.at("at")),
                       json_text(doc.at("actor")), json_text(doc.at("source"))));
  out.line(fmt::format("    {}", json_text(doc.at("message"))));
  for (const auto& v : doc.at("changes").as_array()) {
    const auto& c = v.as_object();
    out.line("");
    out.line(fmt::format("{} {} {}", json_text(c.at("op")), json_text(c.at("entity")), json_text(c.at("key"))));
    if (!c.at("before").is_null()) {
      out.line(out.red(fmt::format("  - {}", boost::json::serialize(c.at("before")))));
    }
    if (!c.at("after").is_null()) {
      out.line(out.green(fmt::format("  + {}", boost::json::serialize(c.at("after")))));
    }
  }
  return 0;
}

}  // namespace

Runner setup_show(CLI::App& sub) {
  auto rev = std::make_shared<std::string>();
  sub.add_option("rev", *rev, "Revision number (12 or r12)")->required();
  sub.footer("Exit codes: 2 not a revision number, 3 no such revision.");
  return [rev](Context& ctx) { return run(*rev, ctx); };
}

}  // namespace router::cli
