#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(std::int64_t limit, Context& ctx) {
  const auto doc = ctx.config().revisions_document(limit);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return 0;
  }
  const auto& revs = doc.at("revisions").as_array();
  if (revs.empty()) {
    out.line("no revisions yet");
    return 0;
  }
  Table t({"REV", "TIME", "ACTOR", "SOURCE", "CHANGES", "MESSAGE"});
  for (const auto& v : revs) {
    const auto& r = v.as_object();
    t.add({"r" + json_text(r.at("rev")), json_text(r.at("at")), json_text(r.at("actor")), json_text(r.at("source")),
           json_text(r.at("change_count")), json_text(r.at("message"))});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_log(CLI::App& sub) {
  auto limit = std::make_shared<std::int64_t>(20);
  sub.add_option("-n,--limit", *limit, "How many revisions, newest first")->capture_default_str();
  return [limit](Context& ctx) { return run(*limit, ctx); };
}

}  // namespace router::cli
