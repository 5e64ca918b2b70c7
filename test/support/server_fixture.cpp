#include "support/server_fixture.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/json.hpp>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/paths.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/schema.hpp"
#include "secrets/secrets.hpp"
#include "server/server.hpp"

namespace router::test {

namespace {
std::optional<std::string> opt_text(SQLite::Statement& q, int i) {
  if (q.isColumnNull(i)) return std::nullopt;
  return q.getColumn(i).getString();
}
std::optional<std::int64_t> opt_int(SQLite::Statement& q, int i) {
  if (q.isColumnNull(i)) return std::nullopt;
  return q.getColumn(i).getInt64();
}
}  // namespace

ServerFixture::ServerFixture() {
  (void)db::open_current(dir_ / "router.db", db::DbKind::kConfig);
  (void)db::open_current(dir_ / "router-logs.db", db::DbKind::kLogs);
}

ServerFixture::~ServerFixture() { stop(); }

std::string ServerFixture::db() const { return (dir_ / "router.db").string(); }

void ServerFixture::add_provider(const std::string& id, const std::string& type, boost::json::object config, int priority,
                                 bool enabled) {
  db::Database d(dir_ / "router.db");
  const secrets::KeyStore keys(dir_ / "router.key", [](std::string_view) { return std::optional<std::string>(); });
  const auto key = keys.load_or_create();
  d.write([&] {
    const auto now = core::now_ms();
    db::ProviderRepository repo(d);
    repo.insert(db::Provider{id, id, type, enabled, priority, "", now, now});
    for (const auto& kv : config) {
      const std::string k(kv.key());
      const bool sensitive = k == "apiKey" || k == "token" || k == "cookies";
      const std::string value = sensitive ? boost::json::serialize(boost::json::string(secrets::seal(key, kv.value().as_string())))
                                          : boost::json::serialize(kv.value());
      repo.put_config(db::ProviderConfigValue{id, k, value, sensitive, now, now});
    }
  });
}

void ServerFixture::link(const std::string& provider, const std::string& model, bool is_default,
                         std::optional<std::string> upstream) {
  db::Database d(dir_ / "router.db");
  d.write([&] {
    const auto now = core::now_ms();
    db::ModelRepository repo(d);
    if (!repo.find(model)) {
      repo.insert(db::Model{model, model, "", {}, now, now});
    }
    repo.put_link(db::ModelLink{provider, model, is_default, upstream, "{}", now, now});
  });
}

void ServerFixture::set(const std::string& key, boost::json::value value) {
  db::Database d(dir_ / "router.db");
  d.write([&] { db::SettingsRepository(d).put(db::Setting{key, boost::json::serialize(value), core::now_ms()}); });
}

void ServerFixture::add_key(const std::string& name, const std::string& scope, const std::string& secret) {
  db::Database d(dir_ / "router.db");
  d.write([&] {
    db::ApiKeyRepository(d).insert(
        db::ApiKey{core::uuid_v4(), name, scope, secret.substr(0, 7), core::sha256_hex(secret), core::now_ms(), {}, {}});
  });
}

void ServerFixture::start(unsigned threads) {
  server::ServeOptions o;
  o.paths = core::paths_for(dir_ / "router.db", "--db");
  o.env = [env = env_](std::string_view name) -> std::optional<std::string> {
    const auto it = env.find(std::string(name));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  o.listen = "127.0.0.1:0";
  o.threads = threads;
  o.grace = std::chrono::seconds(5);
  server_ = std::make_unique<server::Server>(std::move(o));
  server_->start();
}

void ServerFixture::stop() {
  if (server_) {
    server_->stop();
    server_.reset();
  }
}

std::uint16_t ServerFixture::port() const { return server_->port(); }

server::Server& ServerFixture::server() { return *server_; }

std::vector<LoggedRequest> ServerFixture::logs_through(const std::string& request_id, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto rows = logs(0, std::chrono::milliseconds(0));
    const bool found =
        std::any_of(rows.begin(), rows.end(), [&](const LoggedRequest& r) { return r.request_id == request_id; });
    if (found || std::chrono::steady_clock::now() >= deadline) {
      return rows;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string ServerFixture::config_fingerprint() const {
  SQLite::Database d(db(), SQLite::OPEN_READONLY);
  d.setBusyTimeout(5000);
  std::string out;
  for (const char* table : {"providers", "provider_configs", "models", "provider_models", "settings", "config_revisions",
                            "config_changes", "api_keys"}) {
    SQLite::Statement q(d, std::string("SELECT count(*) FROM ") + table);
    q.executeStep();
    out += fmt::format("{}={} ", table, q.getColumn(0).getInt64());
  }
  return out;
}

std::vector<LoggedRequest> ServerFixture::logs(std::size_t n, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<LoggedRequest> out;
  while (true) {
    out.clear();
    {
      SQLite::Database d((dir_ / "router-logs.db").string(), SQLite::OPEN_READONLY);
      d.setBusyTimeout(5000);
      SQLite::Statement q(d,
                          "SELECT request_id, endpoint, provider_id, model_requested, model_sent, stream, status, outcome, "
                          "error, duration_us, ttft_us, attempts, prompt_tokens, completion_tokens, total_tokens, "
                          "body_truncated FROM request_logs ORDER BY request_id");
      // Bodies are content-addressed (request_bodies, body_items): the repository rebuilds them.
      db::Database logs_db(dir_ / "router-logs.db");
      db::LogRepository repo(logs_db);
      while (q.executeStep()) {
        LoggedRequest r;
        r.request_id = core::format_request_id(q.getColumn(0).getInt64());
        r.endpoint = q.getColumn(1).getString();
        r.provider_id = opt_text(q, 2).value_or("");
        r.model_requested = opt_text(q, 3).value_or("");
        r.model_sent = opt_text(q, 4).value_or("");
        r.stream = q.getColumn(5).getInt();
        r.status = q.getColumn(6).getInt();
        r.outcome = q.getColumn(7).getString();
        r.error = opt_text(q, 8).value_or("");
        r.duration_us = q.getColumn(9).getInt64();
        r.ttft_us = opt_int(q, 10);
        r.attempts = q.getColumn(11).getInt();
        r.prompt_tokens = opt_int(q, 12);
        r.completion_tokens = opt_int(q, 13);
        r.total_tokens = opt_int(q, 14);
        if (const auto found = repo.find(q.getColumn(0).getInt64())) {
          r.request_body = found->request_body;
          r.response_body = found->response_body;
        }
        r.body_truncated = q.getColumn(15).getInt();
        SQLite::Statement a(d, "SELECT provider_id, status FROM request_attempts WHERE request_id = ? ORDER BY attempt");
        a.bind(1, q.getColumn(0).getInt64());
        while (a.executeStep()) {
          r.attempt_rows.emplace_back(a.getColumn(0).getString(),
                                      a.isColumnNull(1) ? std::nullopt : std::optional<int>(a.getColumn(1).getInt()));
        }
        out.push_back(std::move(r));
      }
    }
    if (out.size() >= n || std::chrono::steady_clock::now() >= deadline) {
      return out;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace router::test
