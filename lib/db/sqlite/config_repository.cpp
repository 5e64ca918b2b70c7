#include "db/sqlite/config_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/sqlite_error.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;

// --- statement helpers -------------------------------------------------------------------------

void bind_opt(SQLite::Statement& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind(i);
  }
}

void bind_opt(SQLite::Statement& s, int i, const std::optional<std::int64_t>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind(i);
  }
}

std::optional<std::string> opt_text(SQLite::Statement& s, int i) {
  if (s.isColumnNull(i)) {
    return std::nullopt;
  }
  return s.getColumn(i).getString();
}

std::optional<std::int64_t> opt_int(SQLite::Statement& s, int i) {
  if (s.isColumnNull(i)) {
    return std::nullopt;
  }
  return s.getColumn(i).getInt64();
}

// Runs a repository operation, turning SQLite failures into core::Error with context.
template <typename F>
auto guarded(std::string_view what, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const SQLite::Exception& e) {
    rethrow(e, what);
  }
}

template <typename T, typename Map>
std::vector<T> query_all(Database& db, const char* sql, std::initializer_list<std::string_view> args, Map map) {
  return guarded("query", [&] {
    SQLite::Statement q(db.sqlite(), sql);
    int i = 1;
    for (const auto a : args) {
      q.bind(i++, std::string(a));
    }
    std::vector<T> out;
    while (q.executeStep()) {
      out.push_back(map(q));
    }
    return out;
  });
}

template <typename T, typename Map>
std::optional<T> query_one(Database& db, const char* sql, std::initializer_list<std::string_view> args, Map map) {
  auto all = query_all<T>(db, sql, args, map);
  if (all.empty()) {
    return std::nullopt;
  }
  return std::move(all.front());
}

bool exec_changes(Database& db, const char* sql, std::initializer_list<std::string_view> args) {
  return guarded("delete", [&] {
    SQLite::Statement q(db.sqlite(), sql);
    int i = 1;
    for (const auto a : args) {
      q.bind(i++, std::string(a));
    }
    return q.exec() > 0;
  });
}

// --- providers -----------------------------------------------------------------------------------

constexpr const char* kProviderCols = "id, name, type, enabled, priority, description, created_at, updated_at";

Provider provider_from_row(SQLite::Statement& q) {
  return Provider{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                  q.getColumn(3).getInt() != 0, q.getColumn(4).getInt64(), q.getColumn(5).getString(),
                  q.getColumn(6).getInt64(), q.getColumn(7).getInt64()};
}

ProviderConfigValue config_from_row(SQLite::Statement& q) {
  return ProviderConfigValue{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                             q.getColumn(3).getInt() != 0, q.getColumn(4).getInt64(), q.getColumn(5).getInt64()};
}

constexpr const char* kConfigCols = "provider_id, key, value, is_sensitive, created_at, updated_at";

// --- models --------------------------------------------------------------------------------------

std::string capabilities_json(const std::vector<std::string>& caps) {
  boost::json::array a;
  for (const auto& c : caps) {
    a.emplace_back(c);
  }
  return boost::json::serialize(a);
}

std::vector<std::string> parse_capabilities(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  if (!ec && v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (e.is_string()) {
        out.emplace_back(e.as_string());
      }
    }
  }
  return out;
}

Model model_from_row(SQLite::Statement& q) {
  return Model{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
               parse_capabilities(q.getColumn(3).getString()), q.getColumn(4).getInt64(), q.getColumn(5).getInt64()};
}

constexpr const char* kModelCols = "id, name, description, capabilities, created_at, updated_at";

ModelLink link_from_row(SQLite::Statement& q) {
  return ModelLink{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt() != 0,
                   opt_text(q, 3), q.getColumn(4).getString(), q.getColumn(5).getInt64(), q.getColumn(6).getInt64()};
}

constexpr const char* kLinkCols = "provider_id, model_id, is_default, upstream_model, config, created_at, updated_at";

// --- revisions -----------------------------------------------------------------------------------

Revision revision_from_row(SQLite::Statement& q) {
  return Revision{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                  q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64()};
}

constexpr const char* kRevisionSelect =
    "SELECT r.rev, r.at, r.actor, r.source, r.message, "
    "(SELECT count(*) FROM config_changes c WHERE c.rev = r.rev) FROM config_revisions r";

Change change_from_row(SQLite::Statement& q) {
  return Change{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                q.getColumn(3).getString(), q.getColumn(4).getString(), opt_text(q, 5), opt_text(q, 6)};
}

constexpr const char* kChangeCols = "rev, seq, entity, entity_key, op, before, after";

// --- api keys ------------------------------------------------------------------------------------

ApiKey key_from_row(SQLite::Statement& q) {
  return ApiKey{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64(),
                opt_int(q, 6),              opt_int(q, 7)};
}

constexpr const char* kKeyCols = "id, name, scope, prefix, hash, created_at, last_used_at, revoked_at";

}  // namespace

// ProviderRepository ----------------------------------------------------------------------------

std::vector<Provider> ProviderRepository::list() const {
  return query_all<Provider>(db_, fmt::format("SELECT {} FROM providers ORDER BY priority DESC, id", kProviderCols).c_str(),
                             {}, provider_from_row);
}

std::optional<Provider> ProviderRepository::find(std::string_view id) const {
  return query_one<Provider>(db_, fmt::format("SELECT {} FROM providers WHERE id = ?", kProviderCols).c_str(), {id},
                             provider_from_row);
}

std::optional<Provider> ProviderRepository::find_by_name(std::string_view name) const {
  return query_one<Provider>(db_, fmt::format("SELECT {} FROM providers WHERE name = ?", kProviderCols).c_str(),
                             {name}, provider_from_row);
}

void ProviderRepository::insert(const Provider& p) {
  guarded(fmt::format("cannot add provider '{}'", p.id), [&] {
    SQLite::Statement q(db_.sqlite(), fmt::format("INSERT INTO providers ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kProviderCols));
    q.bind(1, p.id);
    q.bind(2, p.name);
    q.bind(3, p.type);
    q.bind(4, p.enabled ? 1 : 0);
    q.bind(5, p.priority);
    q.bind(6, p.description);
    q.bind(7, p.created_at);
    q.bind(8, p.updated_at);
    q.exec();
  });
}

void ProviderRepository::update(const Provider& p) {
  const int n = guarded(fmt::format("cannot update provider '{}'", p.id), [&] {
    SQLite::Statement q(db_.sqlite(),
                        "UPDATE providers SET name = ?, type = ?, enabled = ?, priority = ?, description = ?, "
                        "updated_at = ? WHERE id = ?");
    q.bind(1, p.name);
    q.bind(2, p.type);
    q.bind(3, p.enabled ? 1 : 0);
    q.bind(4, p.priority);
    q.bind(5, p.description);
    q.bind(6, p.updated_at);
    q.bind(7, p.id);
    return q.exec();
  });
  if (n == 0) {
    throw Error(ErrorCode::kNotFound, fmt::format("provider '{}' not found", p.id));
  }
}

bool ProviderRepository::remove(std::string_view id) {
  return exec_changes(db_, "DELETE FROM providers WHERE id = ?", {id});
}

std::vector<ProviderConfigValue> ProviderRepository::configs(std::string_view provider_id) const {
  return query_all<ProviderConfigValue>(
      db_, fmt::format("SELECT {} FROM provider_configs WHERE provider_id = ? ORDER BY key", kConfigCols).c_str(),
      {provider_id}, config_from_row);
}

std::vector<ProviderConfigValue> ProviderRepository::all_configs() const {
  return query_all<ProviderConfigValue>(
      db_, fmt::format("SELECT {} FROM provider_configs ORDER BY provider_id, key", kConfigCols).c_str(), {},
      config_from_row);
}

std::optional<ProviderConfigValue> ProviderRepository::find_config(std::string_view provider_id,
                                                                   std::string_view key) const {
  return query_one<ProviderConfigValue>(
      db_, fmt::format("SELECT {} FROM provider_configs WHERE provider_id = ? AND key = ?", kConfigCols).c_str(),
      {provider_id, key}, config_from_row);
}

void ProviderRepository::put_config(const ProviderConfigValue& v) {
  guarded(fmt::format("cannot set '{}' of provider '{}'", v.key, v.provider_id), [&] {
    SQLite::Statement q(db_.sqlite(),
                        "INSERT INTO provider_configs (provider_id, key, value, is_sensitive, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, key) DO UPDATE SET "
                        "value = excluded.value, is_sensitive = excluded.is_sensitive, updated_at = excluded.updated_at");
    q.bind(1, v.provider_id);
    q.bind(2, v.key);
    q.bind(3, v.value_json);
    q.bind(4, v.sensitive ? 1 : 0);
    q.bind(5, v.created_at);
    q.bind(6, v.updated_at);
    q.exec();
  });
}

bool ProviderRepository::remove_config(std::string_view provider_id, std::string_view key) {
  return exec_changes(db_, "DELETE FROM provider_configs WHERE provider_id = ? AND key = ?", {provider_id, key});
}

// ModelRepository -------------------------------------------------------------------------------

std::vector<Model> ModelRepository::list() const {
  return query_all<Model>(db_, fmt::format("SELECT {} FROM models ORDER BY id", kModelCols).c_str(), {},
                          model_from_row);
}

std::optional<Model> ModelRepository::find(std::string_view id) const {
  return query_one<Model>(db_, fmt::format("SELECT {} FROM models WHERE id = ?", kModelCols).c_str(), {id},
                          model_from_row);
}

void ModelRepository::insert(const Model& m) {
  guarded(fmt::format("cannot add model '{}'", m.id), [&] {
    SQLite::Statement q(db_.sqlite(), fmt::format("INSERT INTO models ({}) VALUES (?, ?, ?, ?, ?, ?)", kModelCols));
    q.bind(1, m.id);
    q.bind(2, m.name);
    q.bind(3, m.description);
    q.bind(4, capabilities_json(m.capabilities));
    q.bind(5, m.created_at);
    q.bind(6, m.updated_at);
    q.exec();
  });
}

void ModelRepository::update(const Model& m) {
  const int n = guarded(fmt::format("cannot update model '{}'", m.id), [&] {
    SQLite::Statement q(db_.sqlite(),
                        "UPDATE models SET name = ?, description = ?, capabilities = ?, updated_at = ? WHERE id = ?");
    q.bind(1, m.name);
    q.bind(2, m.description);
    q.bind(3, capabilities_json(m.capabilities));
    q.bind(4, m.updated_at);
    q.bind(5, m.id);
    return q.exec();
  });
  if (n == 0) {
    throw Error(ErrorCode::kNotFound, fmt::format("model '{}' not found", m.id));
  }
}

bool ModelRepository::remove(std::string_view id) { return exec_changes(db_, "DELETE FROM models WHERE id = ?", {id}); }

std::vector<ModelLink> ModelRepository::links() const {
  return query_all<ModelLink>(
      db_, fmt::format("SELECT {} FROM provider_models ORDER BY provider_id, model_id", kLinkCols).c_str(), {},
      link_from_row);
}

std::vector<ModelLink> ModelRepository::links_of_provider(std::string_view provider_id) const {
  return query_all<ModelLink>(
      db_, fmt::format("SELECT {} FROM provider_models WHERE provider_id = ? ORDER BY model_id", kLinkCols).c_str(),
      {provider_id}, link_from_row);
}

std::vector<ModelLink> ModelRepository::links_of_model(std::string_view model_id) const {
  return query_all<ModelLink>(
      db_, fmt::format("SELECT {} FROM provider_models WHERE model_id = ? ORDER BY provider_id", kLinkCols).c_str(),
      {model_id}, link_from_row);
}

std::optional<ModelLink> ModelRepository::find_link(std::string_view provider_id, std::string_view model_id) const {
  return query_one<ModelLink>(
      db_, fmt::format("SELECT {} FROM provider_models WHERE provider_id = ? AND model_id = ?", kLinkCols).c_str(),
      {provider_id, model_id}, link_from_row);
}

void ModelRepository::put_link(const ModelLink& l) {
  guarded(fmt::format("cannot link model '{}' to provider '{}'", l.model_id, l.provider_id), [&] {
    SQLite::Statement q(db_.sqlite(),
                        "INSERT INTO provider_models (provider_id, model_id, is_default, upstream_model, config, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider_id, model_id) "
                        "DO UPDATE SET is_default = excluded.is_default, upstream_model = excluded.upstream_model, "
                        "config = excluded.config, updated_at = excluded.updated_at");
    q.bind(1, l.provider_id);
    q.bind(2, l.model_id);
    q.bind(3, l.is_default ? 1 : 0);
    bind_opt(q, 4, l.upstream_model);
    q.bind(5, l.config_json);
    q.bind(6, l.created_at);
    q.bind(7, l.updated_at);
    q.exec();
  });
}

bool ModelRepository::remove_link(std::string_view provider_id, std::string_view model_id) {
  return exec_changes(db_, "DELETE FROM provider_models WHERE provider_id = ? AND model_id = ?",
                      {provider_id, model_id});
}

// SettingsRepository ----------------------------------------------------------------------------

std::vector<Setting> SettingsRepository::list() const {
  return query_all<Setting>(db_, "SELECT key, value, updated_at FROM settings ORDER BY key", {}, [](auto& q) {
    return Setting{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64()};
  });
}

std::optional<Setting> SettingsRepository::find(std::string_view key) const {
  return query_one<Setting>(db_, "SELECT key, value, updated_at FROM settings WHERE key = ?", {key}, [](auto& q) {
    return Setting{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64()};
  });
}

void SettingsRepository::put(const Setting& s) {
  guarded(fmt::format("cannot set '{}'", s.key), [&] {
    SQLite::Statement q(db_.sqlite(),
                        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                        "SET value = excluded.value, updated_at = excluded.updated_at");
    q.bind(1, s.key);
    q.bind(2, s.value_json);
    q.bind(3, s.updated_at);
    q.exec();
  });
}

bool SettingsRepository::remove(std::string_view key) {
  return exec_changes(db_, "DELETE FROM settings WHERE key = ?", {key});
}

std::optional<std::string> SettingsRepository::meta(std::string_view key) const {
  return query_one<std::string>(db_, "SELECT value FROM meta WHERE key = ?", {key},
                                [](auto& q) { return q.getColumn(0).getString(); });
}

void SettingsRepository::put_meta(std::string_view key, std::string_view value) {
  guarded("cannot write meta", [&] {
    SQLite::Statement q(db_.sqlite(),
                        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(1, std::string(key));
    q.bind(2, std::string(value));
    q.exec();
  });
}

// RevisionRepository ----------------------------------------------------------------------------

std::int64_t RevisionRepository::insert(const Revision& r) {
  return guarded("cannot record the revision", [&] {
    SQLite::Statement q(db_.sqlite(), "INSERT INTO config_revisions (at, actor, source, message) VALUES (?, ?, ?, ?)");
    q.bind(1, r.at);
    q.bind(2, r.actor);
    q.bind(3, r.source);
    q.bind(4, r.message);
    q.exec();
    return db_.sqlite().getLastInsertRowid();
  });
}

void RevisionRepository::insert_change(const Change& c) {
  guarded("cannot record the change", [&] {
    SQLite::Statement q(db_.sqlite(), fmt::format("INSERT INTO config_changes ({}) VALUES (?, ?, ?, ?, ?, ?, ?)", kChangeCols));
    q.bind(1, c.rev);
    q.bind(2, c.seq);
    q.bind(3, c.entity);
    q.bind(4, c.entity_key);
    q.bind(5, c.op);
    bind_opt(q, 6, c.before_json);
    bind_opt(q, 7, c.after_json);
    q.exec();
  });
}

std::vector<Revision> RevisionRepository::list(std::int64_t limit, std::optional<std::int64_t> before) const {
  return guarded("query", [&] {
    SQLite::Statement q(db_.sqlite(),
                        fmt::format("{} WHERE r.rev < ? ORDER BY r.rev DESC LIMIT ?", kRevisionSelect));
    q.bind(1, before.value_or(INT64_MAX));
    q.bind(2, limit);
    std::vector<Revision> out;
    while (q.executeStep()) {
      out.push_back(revision_from_row(q));
    }
    return out;
  });
}

std::optional<Revision> RevisionRepository::find(std::int64_t rev) const {
  return guarded("query", [&]() -> std::optional<Revision> {
    SQLite::Statement q(db_.sqlite(), fmt::format("{} WHERE r.rev = ?", kRevisionSelect));
    q.bind(1, rev);
    if (!q.executeStep()) {
      return std::nullopt;
    }
    return revision_from_row(q);
  });
}

std::vector<Change> RevisionRepository::changes(std::int64_t rev) const {
  return guarded("query", [&] {
    SQLite::Statement q(db_.sqlite(), fmt::format("SELECT {} FROM config_changes WHERE rev = ? ORDER BY seq", kChangeCols));
    q.bind(1, rev);
    std::vector<Change> out;
    while (q.executeStep()) {
      out.push_back(change_from_row(q));
    }
    return out;
  });
}

std::optional<std::int64_t> RevisionRepository::later_change(std::string_view entity, std::string_view entity_key,
                                                             std::int64_t after_rev) const {
  return guarded("query", [&]() -> std::optional<std::int64_t> {
    SQLite::Statement q(db_.sqlite(),
                        "SELECT max(rev) FROM config_changes WHERE entity = ? AND entity_key = ? AND rev > ?");
    q.bind(1, std::string(entity));
    q.bind(2, std::string(entity_key));
    q.bind(3, after_rev);
    if (!q.executeStep() || q.isColumnNull(0)) {
      return std::nullopt;
    }
    return q.getColumn(0).getInt64();
  });
}

std::vector<Change> RevisionRepository::changes_of(std::string_view entity) const {
  return query_all<Change>(
      db_, fmt::format("SELECT {} FROM config_changes WHERE entity = ? ORDER BY rev, seq", kChangeCols).c_str(),
      {entity}, change_from_row);
}

void RevisionRepository::update_change_docs(const Change& c) {
  guarded("cannot rewrite a recorded change", [&] {
    SQLite::Statement q(db_.sqlite(), "UPDATE config_changes SET before = ?, after = ? WHERE rev = ? AND seq = ?");
    bind_opt(q, 1, c.before_json);
    bind_opt(q, 2, c.after_json);
    q.bind(3, c.rev);
    q.bind(4, c.seq);
    q.exec();
  });
}

// ApiKeyRepository ------------------------------------------------------------------------------

std::vector<ApiKey> ApiKeyRepository::list() const {
  return query_all<ApiKey>(db_, fmt::format("SELECT {} FROM api_keys ORDER BY name", kKeyCols).c_str(), {},
                           key_from_row);
}

std::optional<ApiKey> ApiKeyRepository::find_by_name(std::string_view name) const {
  return query_one<ApiKey>(db_, fmt::format("SELECT {} FROM api_keys WHERE name = ?", kKeyCols).c_str(), {name},
                           key_from_row);
}

void ApiKeyRepository::insert(const ApiKey& k) {
  guarded(fmt::format("cannot create key '{}'", k.name), [&] {
    SQLite::Statement q(db_.sqlite(), fmt::format("INSERT INTO api_keys ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kKeyCols));
    q.bind(1, k.id);
    q.bind(2, k.name);
    q.bind(3, k.scope);
    q.bind(4, k.prefix);
    q.bind(5, k.hash);
    q.bind(6, k.created_at);
    bind_opt(q, 7, k.last_used_at);
    bind_opt(q, 8, k.revoked_at);
    q.exec();
  });
}

void ApiKeyRepository::update(const ApiKey& k) {
  const int n = guarded(fmt::format("cannot update key '{}'", k.name), [&] {
    SQLite::Statement q(db_.sqlite(), "UPDATE api_keys SET scope = ?, last_used_at = ?, revoked_at = ? WHERE name = ?");
    q.bind(1, k.scope);
    bind_opt(q, 2, k.last_used_at);
    bind_opt(q, 3, k.revoked_at);
    q.bind(4, k.name);
    return q.exec();
  });
  if (n == 0) {
    throw Error(ErrorCode::kNotFound, fmt::format("key '{}' not found", k.name));
  }
}

bool ApiKeyRepository::remove(std::string_view name) {
  return exec_changes(db_, "DELETE FROM api_keys WHERE name = ?", {name});
}

void ApiKeyRepository::touch(std::string_view name, std::int64_t at) {
  guarded("cannot record key use", [&] {
    SQLite::Statement q(db_.sqlite(),
                        "UPDATE api_keys SET last_used_at = ? WHERE name = ? AND (last_used_at IS NULL OR last_used_at < ?)");
    q.bind(1, at);
    q.bind(2, std::string(name));
    q.bind(3, at);
    q.exec();
  });
}

}  // namespace router::db
