#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/settings.hpp"
#include "core/paths.hpp"
#include "db/config_types.hpp"
#include "providers/provider.hpp"
#include "routing/breaker.hpp"

namespace router::db {
class Database;
}
namespace router::secrets {
class KeyStore;
}

namespace router::routing {

/// A provider as the router sees it: its row and, when its configuration works, the instance.
struct ProviderEntry {
  db::Provider row;
  providers::ProviderPtr impl;  ///< nullptr when the configuration cannot work
  std::string problem;          ///< why impl is null ("" otherwise)
  /// The server process's breaker for this provider; null outside a server (the CLI).
  std::shared_ptr<Breaker> breaker;
};

/// An API key that can be used (not revoked).
struct KeyEntry {
  std::string name;
  std::string scope;  ///< admin | client
};

/// The settings the request path reads, resolved once per snapshot so that a request does no
/// lookups by name.
struct HotSettings {
  explicit HotSettings(const config::Settings& s);
  HotSettings() : HotSettings(config::Settings()) {}

  std::int64_t request_timeout_ms;
  std::int64_t max_body_bytes;
  std::int64_t max_connections;
  std::int64_t read_timeout_ms;
  std::int64_t write_timeout_ms;
  std::int64_t log_max_body_bytes;
  std::int64_t retention_days;
  std::int64_t body_retention_days;
  std::int64_t reject_rate;  ///< server.reject_rate: refused requests logged per second per address
  std::size_t max_attempts;
  bool fallback;
  std::int64_t breaker_failures;  ///< routing.breaker.failures (0: breakers never open)
  std::int64_t breaker_cooldown_ms;
  bool client_keys_required;  ///< auth.clients = keys
  config::BodyLogging body_logging;
  config::RequestLines request_lines;
  std::bitset<600> retry_statuses;

  [[nodiscard]] bool retry_on(int status) const noexcept {
    return status >= 0 && status < 600 && retry_statuses[static_cast<std::size_t>(status)];
  }
};

/// Everything routing needs from the configuration database, read in one transaction and never
/// changed afterwards: requests share it without locks.
struct Snapshot {
  std::int64_t data_version = -1;
  config::Settings settings;
  HotSettings hot;
  std::vector<ProviderEntry> providers;  ///< by priority (high first), then id
  std::map<std::string, db::Model, std::less<>> models;
  std::unordered_map<std::string, std::vector<db::ModelLink>> links_by_model;  ///< provider order as above
  std::unordered_map<std::string, db::ModelLink> default_link;                 ///< by provider id
  std::unordered_map<std::string, db::ModelLink> links;                        ///< by "provider/model"
  std::unordered_map<std::string, KeyEntry> keys_by_hash;                      ///< hex SHA-256 → key
  bool has_admin_keys = false;
  std::vector<std::string> problems;  ///< what was skipped while loading (bad settings, configs)

  [[nodiscard]] const ProviderEntry* find(std::string_view id) const noexcept;
  [[nodiscard]] const db::ModelLink* link(std::string_view provider_id, std::string_view model_id) const;
  [[nodiscard]] const std::string& active_provider() const noexcept { return active_; }

  std::string active_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

/// Reads a snapshot. Secrets are unsealed with the key store's key; a provider whose secrets do
/// not open stays in the snapshot with a problem instead of an instance.
/// `breakers`, when given, supplies each provider's breaker.
[[nodiscard]] SnapshotPtr load_snapshot(db::Database& config_db, const secrets::KeyStore& keys,
                                        const core::EnvLookup& env, Breakers* breakers = nullptr);

/// A per-thread cache of the current snapshot: each get() asks SQLite whether another
/// connection committed (PRAGMA data_version) and reloads only then, so a change made by the
/// CLI is seen by the very next request.
class SnapshotCache {
 public:
  /// Called with each snapshot this cache loads (on the loading thread). Without one, the cache
  /// logs the snapshot's problems itself.
  using OnLoad = std::function<void(const Snapshot&)>;

  SnapshotCache(std::unique_ptr<db::Database> connection, const secrets::KeyStore& keys, core::EnvLookup env,
                OnLoad on_load = {}, Breakers* breakers = nullptr);
  ~SnapshotCache();
  /// The current snapshot. Throws core::Error when the database cannot be read and no snapshot
  /// was loaded before; otherwise keeps serving the last good one.
  [[nodiscard]] const SnapshotPtr& get();
  /// The snapshot the last get() returned, without asking the database (get() when none was
  /// loaded yet): for a later step of a request whose arrival already called get().
  [[nodiscard]] const SnapshotPtr& current();

 private:
  std::unique_ptr<db::Database> db_;
  const secrets::KeyStore& keys_;
  core::EnvLookup env_;
  OnLoad on_load_;
  Breakers* breakers_;
  SnapshotPtr current_;
};

}  // namespace router::routing
