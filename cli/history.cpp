// `router history [filters]`, the newest proxied requests; `history show` and `history prune` are
// its sub-verbs (history_show.cpp, history_prune.cpp). They are silent CLI11 subcommands of this
// command, because the command table cannot hold a command that is also a group: the dispatcher
// runs this runner, which hands over to the sub-verb that was parsed.
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "core/dialect.hpp"
#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "log_format.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string provider, model, outcome, status, endpoint, since, until, limit, cursor;
  bool utc = false;
  bool size = false;
};

// `history --size`: what the logs database holds and what bodies cost over the last day.
int run_size(Context& ctx) {
  constexpr std::int64_t kDayMs = 86'400'000;
  db::LogRepository repo(ctx.logs_db());
  const db::StorageReport r = repo.storage(core::now_ms() - kDayMs);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(db::storage_document(r, ctx.logs_db().path().string()));
    return 0;
  }
  out.line(fmt::format("{:<14}{}  {} (free {}, WAL {})", "logs database", ctx.logs_db().path().string(),
                       format_bytes(r.file_bytes), format_bytes(r.free_bytes), format_bytes(r.wal_bytes)));
  out.line(fmt::format("{:<14}{} request(s) with bodies, {} distinct item(s)", "bodies kept", r.body_rows, r.items));
  if (r.requests == 0) {
    out.line(fmt::format("{:<14}no requests", "last 24h"));
    return 0;
  }
  out.line(fmt::format("{:<14}{} request(s): {} received, {} stored ({} per request), ratio {}", "last 24h",
                       r.requests, format_bytes(r.received_bytes), format_bytes(r.stored_bytes),
                       format_bytes(r.stored_bytes / r.requests),
                       r.stored_bytes > 0 ? fmt::format("{:.1f}x", static_cast<double>(r.received_bytes) /
                                                                       static_cast<double>(r.stored_bytes))
                                          : std::string("-")));
  return 0;
}

constexpr const char* kListOptions[] = {"--provider", "--model", "--outcome", "--status", "--endpoint",
                                        "--since",    "--until", "--limit",   "--cursor"};

std::string endpoint_help() {
  std::string names;
  for (const auto& e : core::dialects()) {
    names += fmt::format("{}{}", names.empty() ? "" : ", ", e.name);
  }
  return "Only requests to this endpoint, by its path (/v1/messages) or its dialect's name: " + names;
}

int run_list(const CLI::App& app, const Options& o, Context& ctx) {
  const db::HistoryRequest req =
      db::parse_history_params(db::HistoryParams{.provider = given(app, "--provider", o.provider),
                                                 .model = given(app, "--model", o.model),
                                                 .outcome = given(app, "--outcome", o.outcome),
                                                 .status = given(app, "--status", o.status),
                                                 .endpoint = given(app, "--endpoint", o.endpoint),
                                                 .since = given(app, "--since", o.since),
                                                 .until = given(app, "--until", o.until),
                                                 .limit = given(app, "--limit", o.limit),
                                                 .cursor = given(app, "--cursor", o.cursor)},
                               core::now_ms());
  if (req.filter.provider) {
    require_known_provider(ctx, *req.filter.provider);
  }
  db::LogRepository repo(ctx.logs_db());
  const db::HistoryPage page = repo.history(req.filter, req.limit, req.cursor);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(db::history_document(page));
    return 0;
  }
  if (page.rows.empty()) {
    out.line(req.cursor ? "no older requests" : "no requests match");
    return 0;
  }
  Table table(
      {"TIME", "ID", "ENDPOINT", "PROVIDER", "MODEL", "STATUS", "OUTCOME", "DURATION", "TTFT", "TOKENS"});
  for (const auto& s : page.rows) {
    const db::RequestLog& r = s.request;
    table.add({core::format_time(r.created_at, o.utc), core::format_request_id(r.request_id),
               fmt::format("{} {}", r.method, r.endpoint), or_dash(r.provider_id), or_dash(r.model_requested), std::to_string(r.status),
               Cell(std::string(db::outcome_name(r.outcome)), outcome_style(r.outcome)), format_us(r.duration_us), format_us(r.ttft_us),
               format_tokens(r.prompt_tokens, r.completion_tokens)});
  }
  table.print(out);
  if (page.next_cursor) {
    out.line(out.dim(fmt::format("older requests: add --cursor {}",
                                 core::format_request_id(*page.next_cursor))));
  }
  return 0;
}

// A list option next to `history show` or `history prune` would silently do nothing.
void reject_list_options(const CLI::App& app, std::string_view verb) {
  for (const char* name : kListOptions) {
    if (app.get_option(name)->count() > 0) {
      throw core::Error(
          core::ErrorCode::kInvalidArgument,
          fmt::format("{} filters the request list; it does not apply to 'history {}'", name,
                      verb));
    }
  }
}

}  // namespace

Runner setup_history(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.add_option("--provider", o->provider,
                 "Only requests answered (or last tried) by this provider");
  sub.add_option("--model", o->model, "Only requests for this model (as the client named it)");
  sub.add_option("--outcome", o->outcome,
                 "ok, client_error, upstream_error, timeout, truncated, cancelled or no_provider");
  sub.add_option("--status", o->status, "Only this HTTP status");
  sub.add_option("--endpoint", o->endpoint, endpoint_help());
  sub.add_option("--since", o->since, "From this time: 30m, 24h, 7d or an ISO date");
  sub.add_option("--until", o->until, "Before this time: 30m, 24h, 7d or an ISO date");
  sub.add_option("--limit", o->limit,
                 fmt::format("At most this many rows (default {}, at most {})",
                             db::kDefaultHistoryLimit, db::LogRepository::kMaxHistoryLimit));
  sub.add_option("--cursor", o->cursor,
                 "Continue after this request id (printed below a full page)");
  sub.add_flag("--utc", o->utc, "Print times in UTC (default: the local time zone, named)");
  sub.add_flag("--size", o->size,
               "The logs database's size, and the body bytes stored per request over the last day "
               "against those received (the deduplication ratio)");
  CLI::App* show =
      sub.add_subcommand("show", "Everything about one request: attempts, timings, bodies");
  CLI::App* prune =
      sub.add_subcommand("prune", "Delete requests older than a time, in small batches");
  show->silent();
  prune->silent();
  const Runner show_run = setup_history_show(*show);
  const Runner prune_run = setup_history_prune(*prune);
  sub.footer(
      "Sub-commands: 'history show REQUEST_ID [--request|--response]', 'history prune --before T [--dry-run]'; "
      "'history --size' for the database's size and the body deduplication ratio.");
  const CLI::App* self = &sub;
  return [o, self, show, prune, show_run, prune_run](Context& ctx) {
    if (show->parsed()) {
      reject_list_options(*self, "show");
      return show_run(ctx);
    }
    if (prune->parsed()) {
      reject_list_options(*self, "prune");
      return prune_run(ctx);
    }
    if (o->size) {
      reject_list_options(*self, "--size");
      return run_size(ctx);
    }
    return run_list(*self, *o, ctx);
  };
}

}  // namespace router::cli
