#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(std::int64_t limit, bool utc, Context& ctx) {
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
    // The document's "at" is ISO UTC to the millisecond; the table shows seconds, zone named.
    const auto at = json_text(r.at("at"));
    t.add({"r" + json_text(r.at("rev")), core::format_time(core::parse_time_point(at.substr(0, 19) + "Z", 0), utc), json_text(r.at("actor")), json_text(r.at("source")),
           json_text(r.at("change_count")), json_text(r.at("message"))});
  }
  t.print(out);
  return 0;
}

}  // namespace

Runner setup_log(CLI::App& sub) {
  struct Options {
    std::int64_t limit = 20;
    bool utc = false;
  };
  auto opt = std::make_shared<Options>();
  sub.add_option("-n,--limit", opt->limit, "How many revisions, newest first")->capture_default_str();
  sub.add_flag("--utc", opt->utc, "Print times in UTC (default: the local time zone, named)");
  return [opt](Context& ctx) { return run(opt->limit, opt->utc, ctx); };
}

}  // namespace router::cli
