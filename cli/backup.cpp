#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"
#include "secrets/secrets.hpp"

namespace router::cli {

namespace {

// The master key is not in the database, so a backup alone cannot unseal its secrets. With
// --with-key a copy of the key file goes beside the snapshots, created 0600 like the original.
boost::json::object back_up_key(const std::filesystem::path& dir, const std::string& stamp, bool with_key, Context& ctx) {
  const auto& paths = ctx.paths();
  const secrets::KeyStore keys(paths.key_file, ctx.env());
  const auto& out = ctx.out();
  std::error_code ec;
  const bool no_key_yet = !keys.from_env() && !std::filesystem::exists(paths.key_file, ec);
  if (!with_key && no_key_yet) {
    // Nothing is sealed, so nothing needs the key: naming a file that does not exist misleads.
    if (!out.json()) {
      out.line(fmt::format("{:<7}{}", "key", out.dim("(none: no secret was ever sealed)")));
    }
    return {{"included", false}, {"path", nullptr}};
  }
  if (!with_key) {
    if (!out.json()) {
      out.line(out.yellow(fmt::format(
          "{:<7}not included: sealed secrets in this backup open only with {} (keep a copy of it apart from the "
          "backup, or run 'router backup --with-key')",
          "key", keys.from_env() ? std::string("ROUTER_MASTER_KEY") : paths.key_file.string())));
    }
    return {{"included", false}, {"path", nullptr}};
  }
  const auto key = keys.load();
  if (!key) {
    if (!out.json()) {
      out.line(fmt::format("{:<7}{}", "key", out.dim("(none: no secret was ever sealed)")));
    }
    return {{"included", false}, {"path", nullptr}};
  }
  const auto dest = dir / fmt::format("{}-{}.key", paths.key_file.stem().string(), stamp);
  secrets::KeyStore::export_key(*key, dest);
  const std::string from = keys.from_env() ? std::string("ROUTER_MASTER_KEY") : paths.key_file.string();
  if (!out.json()) {
    out.line(fmt::format("{:<7}{} → {}  {}", "key", from, dest.string(),
                         out.dim("(mode 0600: whoever holds it and the backup can read every secret)")));
  }
  return {{"included", true}, {"path", dest.string()}};
}

int run(const std::string& dir_arg, bool with_key, Context& ctx) {
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
  auto key = back_up_key(dir, stamp, with_key, ctx);
  if (ctx.out().json()) {
    ctx.out().print_json(boost::json::object{{"backups", std::move(written)}, {"master_key", std::move(key)}});
  }
  return 0;
}

}  // namespace

Runner setup_backup(CLI::App& sub) {
  struct Options {
    std::string dir;
    bool with_key = false;
  };
  auto opt = std::make_shared<Options>();
  sub.add_option("dir", opt->dir, "Directory for the snapshots (default: backups/ beside the database)");
  sub.add_flag("--with-key", opt->with_key, "Also copy the master key file (0600) beside the snapshots");
  sub.footer("Writes <stem>-<UTC time>.db for each database (mode 0600; a directory it creates is 0700); safe "
             "while the server writes. The master key is not in the database: without it (--with-key, or a copy "
             "kept elsewhere) the backup's secrets cannot be unsealed. 'router restore' puts a backup back.");
  return [opt](Context& ctx) { return run(opt->dir, opt->with_key, ctx); };
}

}  // namespace router::cli
