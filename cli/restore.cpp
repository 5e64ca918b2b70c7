#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/migrator.hpp"
#include "db/sqlite/schema.hpp"
#include "server/record.hpp"

namespace router::cli {

namespace {

// A server holds the database open and caches it: replacing the file under it would serve a mix.
void refuse_while_served(const core::Paths& paths) {
  const auto live = server::live_servers(paths.config_db);
  if (live.empty()) {
    return;
  }
  throw core::Error(core::ErrorCode::kConflict,
                    fmt::format("a server serves this database (pid {} on http://{}): stop it first, then restore",
                                live.front().pid, live.front().listen));
}

struct Restored {
  db::DbKind kind;
  std::filesystem::path from;
  std::filesystem::path to;
  std::optional<std::filesystem::path> previous;  ///< the backup of what was replaced
  db::SchemaStatus status;                        ///< of the restored database
};

Restored restore_one(const std::filesystem::path& backup, const core::Paths& paths, const std::string& stamp,
                     std::vector<db::DbKind>& done) {
  // The backup is checked through a scratch copy beside the target, so the backup file itself is
  // never opened for writing (WAL mode would change it).
  const auto staging = paths.config_db.parent_path() / fmt::format(".restore-{}.db", ::getpid());
  struct Cleanup {
    std::filesystem::path p;
    ~Cleanup() { db::remove_database_files(p); }
  } cleanup{staging};
  const auto info = db::inspect_backup(backup, staging);
  if (std::find(done.begin(), done.end(), info.kind) != done.end()) {
    throw core::Error(core::ErrorCode::kInvalidArgument,
                      fmt::format("two {} backups given: restore one of them", db::kind_name(info.kind)));
  }
  done.push_back(info.kind);
  const auto& target = info.kind == db::DbKind::kConfig ? paths.config_db : paths.logs_db;
  Restored r{info.kind, backup, target, std::nullopt, {}};
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    auto opts = db::options_for(info.kind);
    opts.create = false;
    db::Database current(target, opts);
    r.previous = paths.backups_dir / fmt::format("{}-{}-before-restore.db", target.stem().string(), stamp);
    current.backup_to(*r.previous);
  }
  db::Database db(target, db::options_for(info.kind));
  db.restore_from(staging);
  r.status = db::Migrator(db, db::migrations_for(info.kind)).status();
  return r;
}

int run(const std::vector<std::string>& backups, Context& ctx) {
  const auto& paths = ctx.paths();
  refuse_while_served(paths);
  const std::string stamp = core::format_compact_utc(core::now_ms());
  std::vector<db::DbKind> done;
  std::vector<Restored> restored;
  for (const auto& b : backups) {
    restored.push_back(restore_one(b, paths, stamp, done));
  }
  const auto& out = ctx.out();
  if (out.json()) {
    boost::json::array items;
    for (const auto& r : restored) {
      items.push_back(boost::json::object{
          {"database", db::kind_name(r.kind)},
          {"backup", r.from.string()},
          {"restored_to", r.to.string()},
          {"previous_saved_to", r.previous ? boost::json::value(r.previous->string()) : nullptr},
          {"schema_version", r.status.current},
          {"pending_migrations", r.status.pending.size()}});
    }
    out.print_json(boost::json::object{{"restored", std::move(items)}});
    return 0;
  }
  bool pending = false;
  for (const auto& r : restored) {
    out.line(fmt::format("{:<7}{} → {}  (schema v{}, integrity ok)", db::kind_name(r.kind), r.from.string(),
                         r.to.string(), r.status.current));
    if (r.previous) {
      out.line(fmt::format("{:<7}what it replaced is saved in {}", "", r.previous->string()));
    }
    pending = pending || !r.status.pending.empty();
  }
  if (pending) {
    out.line(out.yellow("the backup's schema is older than this binary's: run 'router migrate' before serving"));
  }
  return 0;
}

}  // namespace

Runner setup_restore(CLI::App& sub) {
  auto backups = std::make_shared<std::vector<std::string>>();
  sub.add_option("backup", *backups, "Backup files written by 'router backup' (the configuration, the logs, or both)")
      ->required()
      ->expected(1, 2);
  sub.footer("Refuses while a server serves the database. Checks each backup's integrity and schema, saves what it "
             "replaces in backups/ (<stem>-<UTC time>-before-restore.db), then replaces the database's content. "
             "The master key is not in a backup: restore the key file that matches it (router backup --with-key).");
  return [backups](Context& ctx) { return run(*backups, ctx); };
}

}  // namespace router::cli
