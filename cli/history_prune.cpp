// `router history prune --before T [--dry-run]`: retention by hand. Safe while the server runs:
// LogRepository::prune deletes in short transactions with pauses between them.
#include <CLI/CLI.hpp>

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
  std::string before;
  bool dry_run = false;
};

int run(const Options& o, Context& ctx) {
  // The same time grammar and error as history --until: "before T" is "until T".
  const db::HistoryRequest req = db::parse_history_params({.until = o.before}, core::now_ms());
  db::LogRepository repo(ctx.logs_db());
  const db::PruneResult res = repo.prune(*req.filter.until_ms, o.dry_run);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(db::prune_document(res));
    return 0;
  }
  const std::string when = core::format_local(res.cutoff_ms);
  if (res.dry_run) {
    out.line(fmt::format("would delete {} requests ({} attempts) from before {}; nothing changed",
                         res.rows, res.attempts, when));
    return 0;
  }
  out.line(fmt::format("deleted {} requests ({} attempts) from before {}", res.rows, res.attempts,
                       when));
  out.line(out.dim(fmt::format(
      "{} transactions, longest write lock {:.1f} ms, {} returned to the file system, "
      "{:.1f} s",
      res.batches, static_cast<double>(res.longest_lock.count()) / 1000,
      format_bytes(res.vacuumed_bytes), static_cast<double>(res.elapsed.count()) / 1e6)));
  if (res.rollups > 0) {
    out.line(out.dim(fmt::format("{} hourly rollups past their retention dropped", res.rollups)));
  }
  if (res.bodies > 0 || res.items > 0) {
    out.line(out.dim(fmt::format("{} request bodies deleted, {} stored items no kept body uses collected",
                                 res.bodies, res.items)));
  }
  return 0;
}

}  // namespace

Runner setup_history_prune(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.add_option("--before", o->before,
                 "Delete requests that arrived before this time: 30d, 24h or an ISO date")
      ->required();
  sub.add_flag("--dry-run", o->dry_run, "Only count what would be deleted");
  sub.footer("Hourly rollups are kept, so 'router stats' still covers pruned periods.");
  return [o](Context& ctx) { return run(*o, ctx); };
}

}  // namespace router::cli
