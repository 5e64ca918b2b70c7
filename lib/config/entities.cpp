#include "config/entities.hpp"

#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "config/master_key.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"
#include "providers/types.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

constexpr std::array<std::pair<Entity, std::string_view>, 6> kNames{{
    {Entity::kProvider, "provider"},
    {Entity::kProviderConfig, "provider_config"},
    {Entity::kModel, "model"},
    {Entity::kProviderModel, "provider_model"},
    {Entity::kSetting, "setting"},
    {Entity::kApiKey, "api_key"},
}};

const boost::json::object& fields(const std::optional<boost::json::object>& doc) {
  if (!doc) {
    throw Error(ErrorCode::kInternal, "document expected");
  }
  return *doc;
}

std::string text_of(const boost::json::object& doc, std::string_view field) {
  const auto* v = doc.if_contains(field);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t int_of(const boost::json::object& doc, std::string_view field) {
  const auto* v = doc.if_contains(field);
  return v != nullptr ? v->to_number<std::int64_t>() : 0;
}

bool bool_of(const boost::json::object& doc, std::string_view field) {
  const auto* v = doc.if_contains(field);
  return v != nullptr && v->is_bool() && v->as_bool();
}

std::optional<std::string> opt_text_of(const boost::json::object& doc, std::string_view field) {
  const auto* v = doc.if_contains(field);
  if (v == nullptr || !v->is_string()) {
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// The display form of a sensitive stored value: env references as they are, sealed values as
// their mask (providers::mask_value) when the master key opens them.
boost::json::value mask_stored(MasterKeyAccess& keys, std::string_view key, std::string_view stored) {
  if (!secrets::is_sealed(stored)) {
    return boost::json::string(core::mask_secret(stored));
  }
  const auto master = keys.for_masking();
  if (!master) {
    return "(sealed: master key unavailable)";
  }
  try {
    std::string plain = secrets::unseal(*master, stored);
    const auto* decl = providers::find_key_in_any_type(key);
    auto masked = providers::mask_value(decl != nullptr ? providers::secret_value(*decl, plain) : boost::json::value(plain));
    std::fill(plain.begin(), plain.end(), '\0');
    return masked;
  } catch (const Error&) {
    return "(sealed: does not open)";
  }
}

boost::json::object config_entity(MasterKeyAccess& keys, const db::ProviderConfigValue& v) {
  boost::json::object doc{{"provider_id", v.provider_id}, {"key", v.key}, {"sensitive", v.sensitive}};
  const auto value = core::parse_json(v.value_json, "stored config value");
  if (!v.sensitive) {
    doc["value"] = value;
    return doc;
  }
  const std::string_view stored = value.is_string() ? std::string_view(value.as_string()) : std::string_view();
  doc["value"] = mask_stored(keys, v.key, stored);
  if (secrets::is_sealed(stored)) {
    doc["sealed"] = stored;
  }
  return doc;
}

void require_no_dependents(db::Database& db, Entity e, std::string_view key) {
  db::ModelRepository models(db);
  if (e == Entity::kProvider) {
    const auto configs = db::ProviderRepository(db).configs(key);
    const auto links = models.links_of_provider(key);
    if (!configs.empty() || !links.empty()) {
      throw Error(ErrorCode::kConflict, fmt::format("provider '{}' still has {} config value(s) and {} model link(s)",
                                                    key, configs.size(), links.size()));
    }
  } else if (e == Entity::kModel) {
    const auto links = models.links_of_model(key);
    if (!links.empty()) {
      throw Error(ErrorCode::kConflict, fmt::format("model '{}' is still linked to {} provider(s)", key, links.size()));
    }
  }
}

template <typename Repository, typename Row>
void upsert(Repository& repo, std::string_view key, const Row& row) {
  if (repo.find(key)) {
    repo.update(row);
  } else {
    repo.insert(row);
  }
}

}  // namespace

std::string_view entity_name(Entity e) noexcept {
  for (const auto& [entity, name] : kNames) {
    if (entity == e) {
      return name;
    }
  }
  return "?";
}

std::optional<Entity> parse_entity(std::string_view name) noexcept {
  for (const auto& [entity, n] : kNames) {
    if (n == name) {
      return entity;
    }
  }
  return std::nullopt;
}

std::string entity_label(Entity e, std::string_view key) {
  const auto [first, second] = split_key(key);
  switch (e) {
    case Entity::kProvider: return fmt::format("provider '{}'", key);
    case Entity::kProviderConfig: return fmt::format("config '{}' of provider '{}'", second, first);
    case Entity::kModel: return fmt::format("model '{}'", key);
    case Entity::kProviderModel: return fmt::format("the link of model '{}' to provider '{}'", second, first);
    case Entity::kSetting: return fmt::format("setting '{}'", key);
    case Entity::kApiKey: return fmt::format("API key '{}'", key);
  }
  return std::string(key);
}

std::string compound_key(std::string_view provider, std::string_view second) {
  return fmt::format("{}/{}", provider, second);
}

std::pair<std::string, std::string> split_key(std::string_view key) {
  const auto slash = key.find('/');
  if (slash == std::string_view::npos) {
    return {std::string(key), std::string()};
  }
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

bool same_document(const std::optional<boost::json::object>& a, const std::optional<boost::json::object>& b) {
  if (!a || !b) {
    return a.has_value() == b.has_value();
  }
  if (a->contains("sealed") || b->contains("sealed")) {
    boost::json::object x = *a;
    boost::json::object y = *b;
    x.erase("value");
    y.erase("value");
    return x == y;
  }
  return *a == *b;
}

boost::json::object public_document(boost::json::object doc) {
  doc.erase("sealed");
  doc.erase("hash");
  // A value stored in plain text before its key became sensitive (`headers`), live or in an old
  // revision, is shown masked like every other secret.
  if (const auto* sensitive = doc.if_contains("sensitive"); sensitive != nullptr && sensitive->is_bool() &&
                                                               !sensitive->as_bool() && doc.contains("provider_id")) {
    const auto* key = doc.if_contains("key");
    const auto* decl = key != nullptr && key->is_string() ? providers::find_key_in_any_type(key->as_string()) : nullptr;
    if (decl != nullptr && decl->sensitive) {
      doc["sensitive"] = true;
      doc["value"] = providers::mask_value(doc["value"]);
    }
  }
  return doc;
}

std::optional<boost::json::object> EntityStore::load(Entity e, std::string_view key) {
  const auto [first, second] = split_key(key);
  switch (e) {
    case Entity::kProvider:
      if (const auto p = db::ProviderRepository(db_).find(key)) {
        return provider_entity(*p);
      }
      return std::nullopt;
    case Entity::kProviderConfig:
      if (const auto v = db::ProviderRepository(db_).find_config(first, second)) {
        return config_entity(keys_, *v);
      }
      return std::nullopt;
    case Entity::kModel:
      if (const auto m = db::ModelRepository(db_).find(key)) {
        return model_entity(*m);
      }
      return std::nullopt;
    case Entity::kProviderModel:
      if (const auto l = db::ModelRepository(db_).find_link(first, second)) {
        return link_entity(*l);
      }
      return std::nullopt;
    case Entity::kSetting:
      if (const auto s = db::SettingsRepository(db_).find(key)) {
        return setting_entity(*s);
      }
      return std::nullopt;
    case Entity::kApiKey:
      if (const auto k = db::ApiKeyRepository(db_).find_by_name(key)) {
        return api_key_entity(*k);
      }
      return std::nullopt;
  }
  return std::nullopt;
}

void EntityStore::store(Entity e, std::string_view key, const std::optional<boost::json::object>& doc) {
  const auto now = core::now_ms();
  const auto [first, second] = split_key(key);
  db::ProviderRepository providers(db_);
  db::ModelRepository models(db_);
  switch (e) {
    case Entity::kProvider: {
      if (!doc) {
        require_no_dependents(db_, e, key);
        providers.remove(key);
        return;
      }
      const auto& d = fields(doc);
      upsert(providers, key,
             db::Provider{std::string(key), text_of(d, "name"), text_of(d, "type"), bool_of(d, "enabled"),
                          int_of(d, "priority"), text_of(d, "description"), now, now});
      return;
    }
    case Entity::kProviderConfig: {
      if (!doc) {
        providers.remove_config(first, second);
        return;
      }
      const auto& d = fields(doc);
      const bool sensitive = bool_of(d, "sensitive");
      std::string value_json;
      if (sensitive) {
        const auto sealed = opt_text_of(d, "sealed");
        value_json = boost::json::serialize(boost::json::value(sealed ? *sealed : text_of(d, "value")));
      } else {
        const auto* v = d.if_contains("value");
        value_json = boost::json::serialize(v != nullptr ? *v : boost::json::value(nullptr));
      }
      providers.put_config(db::ProviderConfigValue{first, second, value_json, sensitive, now, now});
      return;
    }
    case Entity::kModel: {
      if (!doc) {
        require_no_dependents(db_, e, key);
        models.remove(key);
        return;
      }
      const auto& d = fields(doc);
      std::vector<std::string> caps;
      if (const auto* c = d.if_contains("capabilities"); c != nullptr && c->is_array()) {
        for (const auto& x : c->as_array()) {
          if (x.is_string()) {
            caps.emplace_back(x.as_string());
          }
        }
      }
      upsert(models, key, db::Model{std::string(key), text_of(d, "name"), text_of(d, "description"), std::move(caps), now, now});
      return;
    }
    case Entity::kProviderModel: {
      if (!doc) {
        models.remove_link(first, second);
        return;
      }
      const auto& d = fields(doc);
      const auto* cfg = d.if_contains("config");
      models.put_link(db::ModelLink{first, second, bool_of(d, "default"), opt_text_of(d, "upstream_model"),
                                    cfg != nullptr && cfg->is_object() ? boost::json::serialize(*cfg) : "{}", now,
                                    now});
      return;
    }
    case Entity::kSetting: {
      db::SettingsRepository settings(db_);
      if (!doc) {
        settings.remove(key);
        return;
      }
      const auto* v = fields(doc).if_contains("value");
      settings.put(db::Setting{std::string(key), boost::json::serialize(v != nullptr ? *v : nullptr), now});
      return;
    }
    case Entity::kApiKey: {
      db::ApiKeyRepository keys(db_);
      const auto existing = keys.find_by_name(key);
      if (!doc) {
        keys.remove(key);
        return;
      }
      const auto& d = fields(doc);
      db::ApiKey k{text_of(d, "id"), std::string(key), text_of(d, "scope"), text_of(d, "prefix"), text_of(d, "hash"),
                   now, std::nullopt, std::nullopt};
      if (bool_of(d, "revoked")) {
        k.revoked_at = existing && existing->revoked_at ? existing->revoked_at : std::optional<std::int64_t>(now);
      }
      if (existing && existing->id == k.id && existing->hash == k.hash && existing->prefix == k.prefix) {
        k.created_at = existing->created_at;
        k.last_used_at = existing->last_used_at;
        keys.update(k);
        return;
      }
      if (existing) {
        keys.remove(key);
      }
      keys.insert(k);
      return;
    }
  }
}

}  // namespace router::config
