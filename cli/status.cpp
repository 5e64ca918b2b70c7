#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/schema.hpp"
#include "providers/types.hpp"
#include "server/probe.hpp"
#include "server/record.hpp"

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

// A server that recorded itself for this database, and what its /health says.
struct LiveServer {
  server::ServerRecord record;
  std::optional<boost::json::object> health;
  bool verified = false;  ///< /health names this database's id
};

// What the configuration says about serving, when the configuration database is readable.
struct ServingState {
  std::string listen = "127.0.0.1:3001";  ///< server.listen, what a new `serve` would bind
  std::string database_id;
  std::vector<LiveServer> servers;        ///< from the server records, never from server.listen
  std::optional<db::Provider> active;
  std::string active_id;
  std::string active_url;
  std::size_t providers = 0;
  std::string auth_clients;  // "" when the configuration could not be read
  std::optional<db::RequestSummary> last;
};

ServingState serving(const core::Paths& p, const DbState& config, const DbState& logs) {
  ServingState s;
  if (config.exists && config.error.empty() && config.pending == 0) {
    db::Database d(p.config_db, db::DatabaseOptions{.create = false});
    std::vector<db::Setting> rows;
    std::vector<db::Provider> providers;
    d.read([&] {
      rows = db::SettingsRepository(d).list();
      providers = db::ProviderRepository(d).list();
      s.database_id = db::SettingsRepository(d).meta("database_id").value_or("");
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
    db::Database d(p.logs_db, db::DatabaseOptions{.create = false});
    s.last = db::LogRepository(d).last_request();
  }
  for (auto& rec : server::live_servers(p.config_db)) {
    LiveServer live{std::move(rec), std::nullopt, false};
    live.health = server::probe_health(live.record.listen, std::chrono::milliseconds(500));
    if (live.health) {
      const auto* id = live.health->if_contains("database_id");
      live.verified = id != nullptr && id->is_string() && !s.database_id.empty() && id->as_string() == s.database_id;
    }
    s.servers.push_back(std::move(live));
  }
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

boost::json::object server_json(const ServingState& s) {
  boost::json::array servers;
  for (const auto& l : s.servers) {
    servers.push_back(boost::json::object{
        {"pid", l.record.pid},
        {"host", l.record.host},
        {"listen", l.record.listen},
        {"version", l.record.version},
        {"started_at", core::format_utc(l.record.started_ms)},
        {"heartbeat_at", core::format_utc(l.record.heartbeat_ms)},
        {"reachable", l.health.has_value()},
        {"verified", l.verified},
        {"health", l.health ? boost::json::value(*l.health) : nullptr}});
  }
  bool running = false;
  for (const auto& l : s.servers) {
    running = running || l.verified;
  }
  return {{"running", running}, {"configured_listen", s.listen}, {"servers", std::move(servers)}};
}

void print_servers(const Output& out, const ServingState& s) {
  if (s.servers.empty()) {
    out.line(fmt::format("{:<14}{}  {}", "server", out.yellow("not running"),
                         out.dim(fmt::format("(no live server record for this database; 'router serve' would listen "
                                             "on http://{})",
                                             s.listen))));
    return;
  }
  for (const auto& l : s.servers) {
    std::string state;
    if (l.verified) {
      state = out.green("running");
      state += fmt::format(" (pid {}, version {}, up {} s, heartbeat {} s ago, log queue {}, failed log writes {})",
                           l.record.pid, l.record.version,
                           boost::json::serialize(l.health->at("uptime_seconds")),
                           std::max<std::int64_t>(0, (core::now_ms() - l.record.heartbeat_ms) / 1000),
                           boost::json::serialize(l.health->at("log_queue")),
                           boost::json::serialize(l.health->at("log_failures")));
    } else if (l.health) {
      state = out.red(fmt::format("pid {} recorded this address, but the server answering there serves another "
                                  "database",
                                  l.record.pid));
    } else {
      state = out.yellow(fmt::format("not answering (pid {} recorded it, heartbeat {} s ago)", l.record.pid,
                                     std::max<std::int64_t>(0, (core::now_ms() - l.record.heartbeat_ms) / 1000)));
    }
    out.line(fmt::format("{:<14}http://{}  {}", "server", l.record.listen, state));
    const auto* open = l.verified ? l.health->if_contains("circuits_open") : nullptr;
    if (open != nullptr && open->is_array() && !open->as_array().empty()) {
      std::vector<std::string> ids;
      for (const auto& id : open->as_array()) {
        ids.push_back(printable(id.is_string() ? std::string(id.as_string()) : std::string()));
      }
      out.line(fmt::format("{:<14}{}", "", out.yellow(fmt::format("circuit open (skipped): {} (router route explains)",
                                                                  core::join(ids, ", ")))));
    }
  }
}

// The report is printed either way; a database this binary refuses (newer schema, tampered
// history) then makes the command fail with exit 6.
int refused(std::span<const DbState> dbs) {
  for (const auto& d : dbs) {
    if (!d.error.empty()) {
      throw core::Error(core::ErrorCode::kUnavailable, d.error);
    }
  }
  return 0;
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
        {"server", server_json(serve)},
        {"active_provider", active_json(serve)},
        {"providers", serve.providers},
        {"auth_clients", serve.auth_clients.empty() ? boost::json::value(nullptr) : boost::json::value(serve.auth_clients)},
        {"last_request", serve.last ? boost::json::value(db::request_summary_document(*serve.last)) : nullptr}});
    return refused(dbs);
  }
  out.line(fmt::format("{:<14}{}  {}", "config db", p.config_db.string(), out.dim("(from " + p.source + ")")));
  out.line(fmt::format("{:<14}{}", "", describe(out, dbs[0])));
  out.line(fmt::format("{:<14}{}", "logs db", p.logs_db.string()));
  out.line(fmt::format("{:<14}{}", "", describe(out, dbs[1])));
  out.line(fmt::format("{:<14}{}  {}", "master key", p.key_file.string(),
                       out.dim(key_exists ? "" : "(created on first secret)")));
  out.line(fmt::format("{:<14}{}", "backups", p.backups_dir.string()));
  print_servers(out, serve);
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
    out.line(fmt::format("{:<14}{}  {}  {}  {} {}", "last request", core::format_time(r.created_at, false),
                         core::format_request_id(r.request_id), r.provider_id.empty() ? "-" : r.provider_id, r.status,
                         db::outcome_name(r.outcome)));
  } else {
    out.line(fmt::format("{:<14}{}", "last request", out.dim("(none)")));
  }
  return refused(dbs);
}

}  // namespace

Runner setup_status(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
