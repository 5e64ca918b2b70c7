#include "support/cli.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <signal.h>

#include <regex>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"

namespace router::test {

std::vector<std::string> config_snapshot(const std::filesystem::path& path) {
  static const char* const kQueries[] = {
      "SELECT 'provider', id, name, type, enabled, priority, description FROM providers ORDER BY id",
      "SELECT 'config', provider_id, key, value, is_sensitive FROM provider_configs ORDER BY provider_id, key",
      "SELECT 'model', id, name, description, capabilities FROM models ORDER BY id",
      "SELECT 'link', provider_id, model_id, is_default, ifnull(upstream_model, '<null>'), config FROM provider_models "
      "ORDER BY provider_id, model_id",
      "SELECT 'setting', key, value FROM settings ORDER BY key",
      "SELECT 'key', id, name, scope, prefix, hash, revoked_at IS NOT NULL FROM api_keys ORDER BY name",
  };
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  std::vector<std::string> rows;
  for (const char* sql : kQueries) {
    SQLite::Statement q(db, sql);
    while (q.executeStep()) {
      std::string line;
      for (int i = 0; i < q.getColumnCount(); ++i) {
        line += q.getColumn(i).getString();
        line += '|';
      }
      rows.push_back(std::move(line));
    }
  }
  return rows;
}

boost::json::object router_json(const std::string& db, const std::vector<std::string>& args, const ProcessOptions& opts) {
  std::vector<std::string> all{"--json"};
  all.insert(all.end(), args.begin(), args.end());
  const auto r = run_router(db, all, opts);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : args) {
      cmd += a + " ";
    }
    throw std::runtime_error("router " + cmd + "exited " + std::to_string(r.exit_code) + ": " + r.err);
  }
  return boost::json::parse(r.out).as_object();
}

void put_config_row(const std::filesystem::path& path, const std::string& provider, const std::string& key,
                    const boost::json::value& value, bool sensitive) {
  db::Database d(path);
  d.write([&] {
    const auto now = core::now_ms();
    db::ProviderRepository(d).put_config(
        db::ProviderConfigValue{provider, key, boost::json::serialize(value), sensitive, now, now});
  });
}

namespace {
ProcessOptions serve_options(ProcessOptions opts) {
  opts.unset_env.emplace_back("ROUTER_DB");
  opts.unset_env.emplace_back("ROUTER_MASTER_KEY");
  return opts;
}
}  // namespace

ServeProcess::ServeProcess(const std::string& db, const std::filesystem::path& log, ProcessOptions opts)
    : log_(log),
      child_({ROUTER_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0"}, serve_options(std::move(opts)), log.string()),
      port_(wait_for_listen_port(log.string(), std::chrono::seconds(20))) {}

std::string ServeProcess::log() const { return read_file(log_); }

int ServeProcess::stop() { return child_.stop(SIGTERM, std::chrono::seconds(20)); }

}  // namespace router::test
