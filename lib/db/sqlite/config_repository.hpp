#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/config_types.hpp"

namespace router::db {

class Database;

// Repositories of the configuration database. They only read and write rows: validation,
// revisions and transactions belong to lib/config, which calls these inside Database::write or
// Database::read. Every method throws core::Error (constraint violations: kConflict).
// Headers expose no SQLite types, so another backend can implement the same classes.

/// providers and provider_configs.
class ProviderRepository {
 public:
  explicit ProviderRepository(Database& db) : db_(db) {}  ///< db must outlive the repository

  [[nodiscard]] std::vector<Provider> list() const;  ///< by priority (high first), then id
  [[nodiscard]] std::optional<Provider> find(std::string_view id) const;
  [[nodiscard]] std::optional<Provider> find_by_name(std::string_view name) const;
  void insert(const Provider& p);
  void update(const Provider& p);  ///< every column by id; throws kNotFound
  bool remove(std::string_view id);  ///< cascades to configs and links

  [[nodiscard]] std::vector<ProviderConfigValue> configs(std::string_view provider_id) const;  ///< by key
  [[nodiscard]] std::vector<ProviderConfigValue> all_configs() const;
  [[nodiscard]] std::optional<ProviderConfigValue> find_config(std::string_view provider_id,
                                                               std::string_view key) const;
  void put_config(const ProviderConfigValue& v);  ///< insert or replace (keeps created_at)
  bool remove_config(std::string_view provider_id, std::string_view key);

 private:
  Database& db_;
};

/// models and provider_models (links).
class ModelRepository {
 public:
  explicit ModelRepository(Database& db) : db_(db) {}

  [[nodiscard]] std::vector<Model> list() const;  ///< by id
  [[nodiscard]] std::optional<Model> find(std::string_view id) const;
  void insert(const Model& m);
  void update(const Model& m);  ///< throws kNotFound
  bool remove(std::string_view id);  ///< cascades to links

  [[nodiscard]] std::vector<ModelLink> links() const;  ///< by provider, then model
  [[nodiscard]] std::vector<ModelLink> links_of_provider(std::string_view provider_id) const;
  [[nodiscard]] std::vector<ModelLink> links_of_model(std::string_view model_id) const;
  [[nodiscard]] std::optional<ModelLink> find_link(std::string_view provider_id, std::string_view model_id) const;
  void put_link(const ModelLink& l);  ///< insert or replace (keeps created_at)
  bool remove_link(std::string_view provider_id, std::string_view model_id);

 private:
  Database& db_;
};

/// settings and the internal meta table.
class SettingsRepository {
 public:
  explicit SettingsRepository(Database& db) : db_(db) {}

  [[nodiscard]] std::vector<Setting> list() const;  ///< by key
  [[nodiscard]] std::optional<Setting> find(std::string_view key) const;
  void put(const Setting& s);
  bool remove(std::string_view key);

  [[nodiscard]] std::optional<std::string> meta(std::string_view key) const;
  void put_meta(std::string_view key, std::string_view value);

 private:
  Database& db_;
};

/// config_revisions and config_changes.
class RevisionRepository {
 public:
  explicit RevisionRepository(Database& db) : db_(db) {}

  /// Inserts the revision row and returns its number.
  std::int64_t insert(const Revision& r);
  void insert_change(const Change& c);
  /// Newest first; `before` limits to revisions older than it.
  [[nodiscard]] std::vector<Revision> list(std::int64_t limit, std::optional<std::int64_t> before = {}) const;
  [[nodiscard]] std::optional<Revision> find(std::int64_t rev) const;
  [[nodiscard]] std::vector<Change> changes(std::int64_t rev) const;  ///< by seq
  /// The newest revision after `after_rev` that changed the entity, if any.
  [[nodiscard]] std::optional<std::int64_t> later_change(std::string_view entity, std::string_view entity_key,
                                                         std::int64_t after_rev) const;
  /// Every change that carries a sealed secret (for secrets rotate).
  [[nodiscard]] std::vector<Change> changes_of(std::string_view entity) const;
  void update_change_docs(const Change& c);  ///< rewrites before/after of (rev, seq)

 private:
  Database& db_;
};

/// api_keys.
class ApiKeyRepository {
 public:
  explicit ApiKeyRepository(Database& db) : db_(db) {}

  [[nodiscard]] std::vector<ApiKey> list() const;  ///< by name
  [[nodiscard]] std::optional<ApiKey> find_by_name(std::string_view name) const;
  void insert(const ApiKey& k);
  void update(const ApiKey& k);  ///< scope, revoked_at, last_used_at by name
  bool remove(std::string_view name);
  /// Records use without rewriting rows for every request: only moves last_used_at forward.
  void touch(std::string_view name, std::int64_t at);

 private:
  Database& db_;
};

}  // namespace router::db
