#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/config_repository.hpp"
#include "db/database.hpp"
#include "db/log_documents.hpp"
#include "db/log_repository.hpp"
#include "db/schema.hpp"
#include "providers/types.hpp"
#include "server/probe.hpp"

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

// What the configuration says about serving, when the configuration database is readable.
struct ServingState {
  std::string listen = "127.0.0.1:3001";
  std::optional<db::Provider> active;
  std::string active_id;
  std::string active_url;
  std::size_t providers = 0;
  std::string auth_clients;  // "" when the configuration could not be read
  std::optional<boost::json::object> health;  // a running server's /health
  std::optional<db::RequestSummary> last;
};

ServingState serving(const core::Paths& p, const DbState& config, const DbState& logs) {
  ServingState s;
  if (config.exists && config.error.empty() && config.pending == 0) {
    db::Database d(p.config_db, db::DatabaseOptions{false});
    std::vector<db::Setting> rows;
    std::vector<db::Provider> providers;
    d.read([&] {
      rows = db::SettingsRepository(d).list();
      providers = db::ProviderRepository(d).list();
    });
    const config::Settings settings(rows);
    s.listen = settings.string("server.listen");
    s.active_id = settings.string("active_provider");
    s.auth_clients = settings.string("auth.clients");
    s.providers = providers.size();
    for (const auto& pr : providers) {
      if (pr.id == s.active_id) {
        s.active = pr;
        if (const auto url = db::ProviderRepository(d).find_config(pr.id, "baseURL")) {
          boost::system::error_code ec;
          const auto v = boost::json::parse(url->value_json, ec);
          s.active_url = !ec && v.is_string() ? std::string(v.as_string()) : "";
        }
        if (s.active_url.empty()) {
          if (const auto* t = providers::find_type(pr.type)) {
            if (const auto* k = providers::find_key(*t, "baseURL"); k && !k->fallback.empty()) {
              s.active_url = std::string(boost::json::parse(k->fallback).as_string());
            }
          }
        }
      }
    }
  }
  if (logs.exists && logs.error.empty() && logs.pending == 0) {
    db::Database d(p.logs_db, db::DatabaseOptions{false});
    s.last = db::LogRepository(d).last_request();
  }
  s.health = server::probe_health(s.listen, std::chrono::milliseconds(500));
  return s;
}

boost::json::value active_json(const ServingState& s) {
  if (s.active_id.empty()) {
    return nullptr;
  }
  return boost::json::object{{"id", s.active_id},
                             {"exists", s.active.has_value()},
                             {"type", s.active ? boost::json::value(s.active->type) : nullptr},
                             {"enabled", s.active ? boost::json::value(s.active->enabled) : nullptr},
                             {"base_url", s.active_url.empty() ? boost::json::value(nullptr) : boost::json::value(s.active_url)}};
}

int run(Context& ctx) {
  const auto& p = ctx.paths();
  const DbState dbs[] = {inspect(p.config_db, db::DbKind::kConfig), inspect(p.logs_db, db::DbKind::kLogs)};
  std::error_code ec;
  const bool key_exists = std::filesystem::exists(p.key_file, ec);
  const auto& out = ctx.out();
  const ServingState serve = serving(p, dbs[0], dbs[1]);

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
        {"master_key", {{"file_exists", key_exists}}},
        {"server", {{"listen", serve.listen}, {"reachable", serve.health.has_value()},
                    {"health", serve.health ? boost::json::value(*serve.health) : nullptr}}},
        {"active_provider", active_json(serve)},
        {"providers", serve.providers},
        {"auth_clients", serve.auth_clients.empty() ? boost::json::value(nullptr) : boost::json::value(serve.auth_clients)},
        {"last_request", serve.last ? boost::json::value(db::request_summary_document(*serve.last)) : nullptr}});
    return 0;
  }
  out.line(fmt::format("{:<14}{}  {}", "config db", p.config_db.string(), out.dim("(from " + p.source + ")")));
  out.line(fmt::format("{:<14}{}", "", describe(out, dbs[0])));
  out.line(fmt::format("{:<14}{}", "logs db", p.logs_db.string()));
  out.line(fmt::format("{:<14}{}", "", describe(out, dbs[1])));
  out.line(fmt::format("{:<14}{}  {}", "master key", p.key_file.string(),
                       out.dim(key_exists ? "" : "(created on first secret)")));
  out.line(fmt::format("{:<14}{}", "backups", p.backups_dir.string()));
  std::string server_line = serve.health ? out.green("running") : out.yellow("not reachable");
  if (serve.health) {
    const auto& v = serve.health->at("version");
    server_line += fmt::format(" (version {}, up {} s, log queue {}, failed log writes {})",
                               v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v),
                               boost::json::serialize(serve.health->at("uptime_seconds")),
                               boost::json::serialize(serve.health->at("log_queue")),
                               boost::json::serialize(serve.health->at("log_failures")));
  }
  out.line(fmt::format("{:<14}http://{}  {}", "server", serve.listen, server_line));
  if (serve.active_id.empty()) {
    out.line(fmt::format("{:<14}{}", "active", out.yellow("(none): run 'router set <provider>'")));
  } else if (!serve.active) {
    out.line(fmt::format("{:<14}{}", "active", out.red(fmt::format("'{}' does not exist", serve.active_id))));
  } else {
    out.line(fmt::format("{:<14}{} ({}, {}){}", "active", serve.active_id, serve.active->type, serve.active_url,
                         serve.active->enabled ? "" : out.red(" disabled")));
  }
  out.line(fmt::format("{:<14}{}", "providers", serve.providers));
  if (!serve.auth_clients.empty()) {
    out.line(fmt::format("{:<14}{}", "auth.clients",
                         serve.auth_clients == "keys" ? "keys (client routes require an unrevoked client key)"
                                                      : "open (client routes need no key)"));
  }
  if (serve.last) {
    const auto& r = serve.last->request;
    out.line(fmt::format("{:<14}{}  {}  {}  {} {}", "last request", core::format_local(r.created_at),
                         core::format_request_id(r.request_id), r.provider_id.empty() ? "-" : r.provider_id, r.status,
                         db::outcome_name(r.outcome)));
  } else {
    out.line(fmt::format("{:<14}{}", "last request", out.dim("(none)")));
  }
  return 0;
}

}  // namespace

Runner setup_status(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
