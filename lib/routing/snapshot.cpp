#include "routing/snapshot.hpp"

#include <fmt/format.h>

#include "config/resolve.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "secrets/secrets.hpp"

namespace router::routing {

HotSettings::HotSettings(const config::Settings& s)
    : request_timeout_ms(s.integer("server.request_timeout")),
      max_body_bytes(s.integer("server.max_body_bytes")),
      max_connections(s.integer("server.max_connections")),
      read_timeout_ms(s.integer("server.read_timeout")),
      write_timeout_ms(s.integer("server.write_timeout")),
      log_max_body_bytes(s.integer("logging.max_body_bytes")),
      retention_days(s.integer("logging.retention_days")),
      body_retention_days(s.integer("logging.body_retention_days")),
      reject_rate(s.integer("server.reject_rate")),
      max_attempts(static_cast<std::size_t>(s.integer("routing.max_attempts"))),
      fallback(s.boolean("routing.fallback")),
      breaker_failures(s.integer("routing.breaker.failures")),
      breaker_cooldown_ms(s.integer("routing.breaker.cooldown")),
      client_keys_required(s.string("auth.clients") == "keys"),
      body_logging(s.body_logging()),
      request_lines(s.request_lines()) {
  for (int status = 100; status < 600; ++status) {
    retry_statuses[static_cast<std::size_t>(status)] = s.retry_on(status);
  }
}

const ProviderEntry* Snapshot::find(std::string_view id) const noexcept {
  for (const auto& p : providers) {
    if (p.row.id == id) {
      return &p;
    }
  }
  return nullptr;
}

const db::ModelLink* Snapshot::link(std::string_view provider_id, std::string_view model_id) const {
  std::string key;
  key.reserve(provider_id.size() + model_id.size() + 1);
  key.append(provider_id).append("/").append(model_id);
  const auto it = links.find(key);
  return it == links.end() ? nullptr : &it->second;
}

SnapshotPtr load_snapshot(db::Database& config_db, const secrets::KeyStore& keys, const core::EnvLookup& env,
                          Breakers* breakers) {
  auto snap = std::make_shared<Snapshot>();
  std::vector<db::Provider> providers;
  std::vector<db::ProviderConfigValue> configs;
  std::vector<db::Model> models;
  std::vector<db::ModelLink> links;
  std::vector<db::Setting> settings;
  std::vector<db::ApiKey> api_keys;
  config_db.read([&] {
    // Read inside the transaction: a commit after it changes the version, so the next get()
    // reloads; the snapshot never carries a newer version than its data.
    snap->data_version = config_db.data_version();
    providers = db::ProviderRepository(config_db).list();
    configs = db::ProviderRepository(config_db).all_configs();
    models = db::ModelRepository(config_db).list();
    links = db::ModelRepository(config_db).links();
    settings = db::SettingsRepository(config_db).list();
    api_keys = db::ApiKeyRepository(config_db).list();
  });
  snap->settings = config::Settings(settings, &snap->problems);
  snap->hot = HotSettings(snap->settings);
  snap->active_ = snap->settings.string("active_provider");

  std::optional<secrets::MasterKey> key;
  std::string key_problem;
  try {
    key = keys.load();
  } catch (const core::Error& e) {
    key_problem = e.what();
  }

  const auto env_allow = snap->settings.env_allow();
  std::unordered_map<std::string, std::vector<db::ProviderConfigValue>> by_provider;
  for (auto& c : configs) {
    by_provider[c.provider_id].push_back(std::move(c));
  }
  for (auto& row : providers) {
    ProviderEntry e;
    e.row = std::move(row);
    if (breakers != nullptr) {
      e.breaker = breakers->of(e.row.id);
    }
    try {
      if (!key_problem.empty()) {
        throw core::Error(core::ErrorCode::kUnavailable, key_problem);
      }
      const auto& type = providers::require_type(e.row.type);
      auto cfg = config::resolve_provider_config(type, e.row.id, by_provider[e.row.id], key, env, env_allow);
      e.impl = providers::make_provider(e.row.id, e.row.type, std::move(cfg));
    } catch (const core::Error& err) {
      e.problem = err.what();
      snap->problems.push_back(e.problem);
    }
    snap->providers.push_back(std::move(e));
  }
  for (auto& m : models) {
    std::string id = m.id;
    snap->models.emplace(std::move(id), std::move(m));
  }
  // Links in provider order (priority, then id), so fallback order falls out of iteration.
  std::unordered_map<std::string, std::size_t> rank;
  for (std::size_t i = 0; i < snap->providers.size(); ++i) {
    rank[snap->providers[i].row.id] = i;
  }
  std::stable_sort(links.begin(), links.end(),
                   [&](const db::ModelLink& a, const db::ModelLink& b) { return rank[a.provider_id] < rank[b.provider_id]; });
  for (const auto& l : links) {
    snap->links_by_model[l.model_id].push_back(l);
    if (l.is_default) {
      snap->default_link[l.provider_id] = l;
    }
    snap->links[l.provider_id + "/" + l.model_id] = l;
  }
  for (const auto& k : api_keys) {
    if (k.revoked_at) {
      continue;
    }
    snap->keys_by_hash[k.hash] = KeyEntry{k.name, k.scope};
    snap->has_admin_keys = snap->has_admin_keys || k.scope == "admin";
  }
  return snap;
}

SnapshotCache::SnapshotCache(std::unique_ptr<db::Database> connection, const secrets::KeyStore& keys,
                             core::EnvLookup env, OnLoad on_load, Breakers* breakers)
    : db_(std::move(connection)), keys_(keys), env_(std::move(env)), on_load_(std::move(on_load)), breakers_(breakers) {}

SnapshotCache::~SnapshotCache() = default;

const SnapshotPtr& SnapshotCache::get() {
  try {
    const auto version = db_->data_version();
    if (!current_ || version != current_->data_version) {
      current_ = load_snapshot(*db_, keys_, env_, breakers_);
      if (on_load_) {
        on_load_(*current_);
      } else {
        for (const auto& p : current_->problems) {
          core::log::warn("configuration: {}", p);
        }
      }
    }
  } catch (const core::Error& e) {
    if (!current_) {
      throw;
    }
    core::log::error("configuration reload failed, serving the previous snapshot: {}", e.what());
  }
  return current_;
}

const SnapshotPtr& SnapshotCache::current() { return current_ ? current_ : get(); }

}  // namespace router::routing
