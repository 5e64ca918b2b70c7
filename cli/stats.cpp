// `router stats [--since T] [--until T] [--by provider|model|hour|day|endpoint] [--provider P]`: counts,
// error rates and latency percentiles from the hourly rollups (docs/stats.md).
#include <CLI/CLI.hpp>

#include <cctype>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "log_format.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string since, until, by, provider;
};

std::vector<Cell> row(Cell key, const db::StatsGroup& g) {
  const double error_pct =
      g.requests == 0 ? 0.0
                      : 100.0 * static_cast<double>(g.errors) / static_cast<double>(g.requests);
  auto pct = [](const core::Histogram& h, double p) {
    return h.empty() ? std::string("-") : format_us(h.percentile(p));
  };
  return {std::move(key),
          std::to_string(g.requests),
          fmt::format("{:.1f}%", error_pct),
          pct(g.latency, 50),
          pct(g.latency, 95),
          pct(g.latency, 99),
          pct(g.ttft, 50),
          pct(g.ttft, 95),
          std::to_string(g.prompt_tokens),
          std::to_string(g.completion_tokens)};
}

std::string key_label(const db::StatsResult& s, const db::StatsGroup& g) {
  switch (s.group_by) {
    case db::StatsGroupBy::kProvider:
    case db::StatsGroupBy::kModel:
    case db::StatsGroupBy::kEndpoint: return g.key.empty() ? "(none)" : g.key;
    case db::StatsGroupBy::kHour: return core::format_local(g.start_ms).substr(0, 16);
    case db::StatsGroupBy::kDay: return g.key;
  }
  return g.key;
}

int run(const CLI::App& app, const Options& o, Context& ctx) {
  const db::StatsQuery q =
      db::parse_stats_params({.since = given(app, "--since", o.since),
                              .until = given(app, "--until", o.until),
                              .by = given(app, "--by", o.by),
                              .provider = given(app, "--provider", o.provider)},
                             core::now_ms());
  if (q.provider) {
    require_known_provider(ctx, *q.provider);
  }
  db::LogRepository repo(ctx.logs_db());
  const db::StatsResult s = repo.stats(q);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(db::stats_document(s));
    return 0;
  }
  const std::string to = s.until_ms ? core::format_local(*s.until_ms) : "now";
  std::string note = s.exact ? "" : "  (an edge hour was pruned: counted whole from its rollup)";
  out.line(fmt::format("{} → {}{}", core::format_local(s.since_ms), to, out.dim(note)));
  // Requests no provider was tried for are no provider's errors: their own line, outside the table.
  const auto unrouted = [&] {
    if (s.unrouted.requests > 0) {
      out.line(fmt::format("not routed: {} request(s) no provider was tried for (rejected before routing, "
                           "e.g. 401/404/413, or no provider available); not in the error rates above",
                           s.unrouted.requests));
    }
  };
  if (s.groups.empty()) {
    out.line(s.unrouted.requests > 0 ? "no routed requests in this window" : "no requests in this window");
    unrouted();
    return 0;
  }
  std::string head(db::group_by_name(s.group_by));
  for (auto& c : head) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  Table table({head, "REQUESTS", "ERRORS", "P50", "P95", "P99", "TTFT P50", "TTFT P95", "TOKENS IN",
               "TOKENS OUT"});
  for (const auto& g : s.groups) {
    table.add(row(key_label(s, g), g));
  }
  if (s.groups.size() > 1) {
    table.add(row(Cell("total", Style::kBold), s.total));
  }
  table.print(out);
  unrouted();
  return 0;
}

}  // namespace

Runner setup_stats(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.add_option("--since", o->since,
                 fmt::format("Window start: 30m, 24h, 7d or an ISO date (default {})",
                             db::kDefaultStatsSince));
  sub.add_option("--until", o->until, "Window end (default now)");
  sub.add_option("--by", o->by,
                 "Group by provider (default), model, hour, day or endpoint (the path the client called)");
  sub.add_option("--provider", o->provider, "Only this provider");
  sub.footer(
      "Percentiles come from hourly histograms and are within 1.6% of the exact values "
      "(docs/stats.md).");
  const CLI::App* self = &sub;
  return [o, self](Context& ctx) { return run(*self, *o, ctx); };
}

}  // namespace router::cli
