#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/database.hpp"
#include "db/schema.hpp"

namespace router::cli {

namespace {

int run(const std::string& dir_arg, Context& ctx) {
  const auto& paths = ctx.paths();
  const std::filesystem::path dir = dir_arg.empty() ? paths.backups_dir : std::filesystem::path(dir_arg);
  const std::string stamp = core::format_compact_utc(core::now_ms());
  boost::json::array written;
  std::size_t count = 0;
  for (const auto kind : {db::DbKind::kConfig, db::DbKind::kLogs}) {
    const auto& src = kind == db::DbKind::kConfig ? paths.config_db : paths.logs_db;
    std::error_code ec;
    if (!std::filesystem::exists(src, ec)) {
      continue;
    }
    auto opts = db::options_for(kind);
    opts.create = false;
    db::Database db(src, opts);
    const auto dest = dir / fmt::format("{}-{}.db", src.stem().string(), stamp);
    db.backup_to(dest);
    ++count;
    written.push_back(boost::json::object{{"database", db::kind_name(kind)}, {"source", src.string()},
                                          {"backup", dest.string()},
                                          {"bytes", std::filesystem::file_size(dest, ec)}});
    if (!ctx.out().json()) {
      ctx.out().line(fmt::format("{:<7}{} → {}", db::kind_name(kind), src.string(), dest.string()));
    }
  }
  if (count == 0) {
    throw core::Error(core::ErrorCode::kUnavailable,
                      fmt::format("nothing to back up: database '{}' does not exist", paths.config_db.string()));
  }
  if (ctx.out().json()) {
    ctx.out().print_json(boost::json::object{{"backups", std::move(written)}});
  }
  return 0;
}

}  // namespace

Runner setup_backup(CLI::App& sub) {
  auto dir = std::make_shared<std::string>();
  sub.add_option("dir", *dir, "Directory for the snapshots (default: backups/ beside the database)");
  sub.footer("Writes <stem>-<UTC time>.db for each database; safe while the server writes.");
  return [dir](Context& ctx) { return run(*dir, ctx); };
}

}  // namespace router::cli
