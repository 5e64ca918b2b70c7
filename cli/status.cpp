#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "db/schema.hpp"

namespace router::cli {

namespace {

struct DbState {
  db::DbKind kind;
  std::filesystem::path path;
  bool exists = false;
  int current = 0;
  int latest = 0;
  std::size_t pending = 0;
  std::string error;
};

DbState inspect(const std::filesystem::path& path, db::DbKind kind) {
  DbState s;
  s.kind = kind;
  s.path = path;
  try {
    const auto plan = db::plan_migrations(path, kind);
    s.exists = plan.exists;
    s.current = plan.status.current;
    s.latest = plan.status.latest;
    s.pending = plan.exists ? plan.status.pending.size() : 0;
  } catch (const core::Error& e) {
    s.exists = true;
    s.error = e.what();
  }
  return s;
}

std::string describe(const Output& out, const DbState& s) {
  if (!s.error.empty()) {
    return out.red(s.error);
  }
  if (!s.exists) {
    return out.dim(fmt::format("not created yet (first use creates schema v{})", s.latest));
  }
  if (s.pending > 0) {
    return out.yellow(fmt::format("schema v{}, {} migration(s) pending: run 'router migrate'", s.current, s.pending));
  }
  return fmt::format("schema v{} (up to date)", s.current);
}

int run(Context& ctx) {
  const auto& p = ctx.paths();
  const DbState dbs[] = {inspect(p.config_db, db::DbKind::kConfig), inspect(p.logs_db, db::DbKind::kLogs)};
  std::error_code ec;
  const bool key_exists = std::filesystem::exists(p.key_file, ec);
  const auto& out = ctx.out();

  if (out.json()) {
    boost::json::array databases;
    for (const auto& s : dbs) {
      databases.push_back(boost::json::object{
          {"database", db::kind_name(s.kind)}, {"path", s.path.string()}, {"exists", s.exists},
          {"current_version", s.current}, {"latest_version", s.latest}, {"pending", s.pending},
          {"error", s.error.empty() ? boost::json::value(nullptr) : boost::json::value(s.error)}});
    }
    out.print_json(boost::json::object{
        {"paths", {{"config_db", p.config_db.string()}, {"logs_db", p.logs_db.string()},
                   {"key_file", p.key_file.string()}, {"backups_dir", p.backups_dir.string()},
                   {"source", p.source}}},
        {"databases", std::move(databases)},
        {"master_key", {{"file_exists", key_exists}}}});
    return 0;
  }
  out.line(fmt::format("{:<12}{}  {}", "config db", p.config_db.string(), out.dim("(from " + p.source + ")")));
  out.line(fmt::format("{:<12}{}", "", describe(out, dbs[0])));
  out.line(fmt::format("{:<12}{}", "logs db", p.logs_db.string()));
  out.line(fmt::format("{:<12}{}", "", describe(out, dbs[1])));
  out.line(fmt::format("{:<12}{}  {}", "master key", p.key_file.string(),
                       out.dim(key_exists ? "" : "(created on first secret)")));
  out.line(fmt::format("{:<12}{}", "backups", p.backups_dir.string()));
  return 0;
}

}  // namespace

Runner setup_status(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
