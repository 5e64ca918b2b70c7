// Providers, their config, models and links: the mutations, the rules they share with the legacy
// import, and the read documents.
#include <algorithm>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "config/service.hpp"
#include "config/service_internal.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "db/sqlite/database.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxName = 100;
constexpr std::size_t kMaxDescription = 2000;

void require_text(std::string_view value, std::size_t max, bool allow_empty, std::string_view what) {
  const bool control = std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if ((!allow_empty && value.empty()) || value.size() > max || control || !core::is_valid_utf8(value)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid {}: use {} to {} characters of single-line UTF-8 text", what, allow_empty ? 0 : 1, max),
                std::string(what));
  }
}

void require_capability(std::string_view c) {
  const bool ok = !c.empty() && c.size() <= 64 && ((c[0] >= 'a' && c[0] <= 'z') || (c[0] >= '0' && c[0] <= '9')) &&
                  std::all_of(c.begin(), c.end(), [](char x) {
                    return (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '-' || x == '_';
                  });
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid capability '{}': use lowercase letters, digits, '-' and '_' (at most 64)", c.substr(0, 80)),
                "capability");
  }
}

bool valid_capability(std::string_view c) {
  try {
    require_capability(c);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Upstream text made to fit require_text: control characters become spaces, then it is cut at
// a character boundary.
std::string fit_text(std::string_view text, std::size_t max) {
  if (!core::is_valid_utf8(text)) {
    return {};
  }
  std::string out;
  for (const char c : text) {
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  if (out.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
      --cut;  // never split a multi-byte character
    }
    out.resize(cut);
  }
  return std::string(core::trim(out));
}

std::vector<std::string> provider_ids(detail::Tx& tx) {
  std::vector<std::string> ids;
  for (const auto& p : tx.providers.list()) {
    ids.push_back(p.id);
  }
  return ids;
}

void require_unique_name(detail::Tx& tx, std::string_view name, std::string_view self) {
  if (const auto other = tx.providers.find_by_name(name); other && other->id != self) {
    throw Error(ErrorCode::kConflict, fmt::format("name '{}' is already used by provider '{}'", name, other->id), "name");
  }
}

void require_distinct_keys(const std::vector<ConfigInput>& config, const std::vector<std::string>& unset) {
  std::set<std::string, std::less<>> seen;
  auto add = [&](const std::string& key) {
    if (!seen.insert(key).second) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("config key '{}' is given more than once", key), key);
    }
  };
  for (const auto& c : config) {
    add(c.key);
  }
  for (const auto& k : unset) {
    add(k);
  }
}

boost::json::object config_doc(std::string_view provider, std::string_view key, bool sensitive, boost::json::value value) {
  return {{"provider_id", provider}, {"key", key}, {"sensitive", sensitive}, {"value", std::move(value)}};
}

// Records a sensitive value sealed: the document shows its mask, "sealed" holds the ciphertext.
void put_sealed(detail::Tx& tx, std::string_view provider, std::string_view key, const boost::json::value& value,
                const secrets::MasterKey& master) {
  auto doc = config_doc(provider, key, true, providers::mask_value(value));
  doc["sealed"] = secrets::seal(master, providers::secret_text(value));
  tx.put(Entity::kProviderConfig, compound_key(provider, key), doc);
}

// Sets one config value: coerced or checked against the type's schema, sealed when sensitive.
void apply_config(detail::Tx& tx, const db::Provider& p, const providers::ProviderType& type, const ConfigInput& in) {
  const auto& decl = providers::require_key(type, in.key);
  const bool is_object = decl.type == providers::ValueType::kObject;
  if (in.kind == ConfigInput::Kind::kPlain && decl.sensitive) {
    throw Error(ErrorCode::kInvalidArgument,
                is_object ? fmt::format("'{}' is sensitive: give it with --secret {}=JSON (or {}=- to read it from "
                                        "stdin)",
                                        decl.name, decl.name, decl.name)
                          : fmt::format("'{}' is sensitive: give it with --secret {}=VALUE (or {}=env:NAME)", decl.name,
                                        decl.name, decl.name),
                std::string(decl.name));
  }
  if (in.kind == ConfigInput::Kind::kSecret && !decl.sensitive) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("'{}' is not sensitive: give it with --set {}=VALUE", decl.name, decl.name),
                std::string(decl.name));
  }
  boost::json::value value = in.text ? providers::coerce(decl, *in.text) : in.json;
  providers::check_value(decl, value);
  const auto key = compound_key(p.id, decl.name);
  if (!decl.sensitive) {
    tx.put(Entity::kProviderConfig, key, config_doc(p.id, decl.name, false, std::move(value)));
    return;
  }
  const std::string text = providers::secret_text(value);
  if (text.empty()) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("the secret '{}' is empty", decl.name), std::string(decl.name));
  }
  if (!is_object && secrets::is_env_ref(text)) {
    if (!secrets::is_valid_env_ref(text)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("invalid environment reference for '{}': use env:NAME, NAME of letters, digits and '_'",
                              decl.name),
                  std::string(decl.name));
    }
    const auto allow = Settings(tx.settings.list()).env_allow();
    if (const auto refusal = secrets::env_ref_refusal(text.substr(secrets::kEnvPrefix.size()), allow)) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' cannot refer to {}; give the secret itself, or name a variable the setting "
                              "allows (router config get secrets.env_allow)",
                              decl.name, *refusal),
                  std::string(decl.name));
    }
    tx.put(Entity::kProviderConfig, key, config_doc(p.id, decl.name, true, boost::json::string(text)));
    return;
  }
  // A mask read back from an output and sent again would silently replace the secret with it.
  if (text.find("\u2026") != std::string::npos || text.find("\u2022\u2022\u2022\u2022") != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("the value of '{}' looks masked ('…' or '••••'): secrets are write-only, so send the "
                            "secret itself (or env:NAME)",
                            decl.name),
                std::string(decl.name));
  }
  // The same secret again is no change: keep the ciphertext (sealing twice never gives the same).
  if (const auto existing = tx.load(Entity::kProviderConfig, key); existing && existing->contains("sealed")) {
    if (const auto current = tx.keys.current()) {
      std::string plain = secrets::unseal(*current, existing->at("sealed").as_string());
      const bool same = plain == text;
      std::fill(plain.begin(), plain.end(), '\0');
      if (same) {
        return;
      }
    }
  }
  put_sealed(tx, p.id, decl.name, value, tx.keys.for_sealing());
}

// A stored value as it is used: sealed values opened (objects parsed back), env references and
// plain values as stored. Throws kUnavailable without the right master key.
boost::json::value open_stored(MasterKeyAccess& keys, std::string_view provider, const db::ProviderConfigValue& v,
                               const providers::ConfigKey* decl) {
  auto raw = core::parse_json(v.value_json, "stored config value");
  if (!v.sensitive || !raw.is_string() || !secrets::is_sealed(raw.as_string())) {
    return raw;
  }
  const auto key = keys.current();
  if (!key) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("provider '{}': '{}' is sealed but no master key exists", provider, v.key));
  }
  std::string plain = secrets::unseal(*key, raw.as_string());
  auto out = decl != nullptr ? providers::secret_value(*decl, plain) : boost::json::value(plain);
  std::fill(plain.begin(), plain.end(), '\0');
  return out;
}

// What every add and edit must leave: the required keys set, and no `headers` entry competing
// with a credential the type sends itself.
void check_complete(detail::Tx& tx, const db::Provider& p) {
  if (const auto missing = detail::missing_required(tx, p)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("provider '{}' (type '{}') requires config '{}'", p.id, p.type, *missing), *missing);
  }
  const auto* type = providers::find_type(p.type);
  const auto headers = tx.providers.find_config(p.id, "headers");
  if (type == nullptr || !headers || type->credential_headers.empty()) {
    return;
  }
  boost::json::object present;
  for (const auto& v : tx.providers.configs(p.id)) {
    present[v.key] = true;
  }
  const bool competes = std::any_of(type->credential_headers.begin(), type->credential_headers.end(),
                                    [&](const providers::CredentialHeader& c) { return present.contains(c.key); });
  if (competes) {
    present["headers"] = open_stored(tx.keys, p.id, *headers, providers::find_key(*type, "headers"));
    providers::check_credential_headers(*type, present);
  }
}

// The active provider must stay usable: it cannot be disabled.
void require_can_disable(detail::Tx& tx, const db::Provider& p) {
  if (detail::active_provider(tx) == p.id) {
    throw Error(ErrorCode::kConflict,
                fmt::format("provider '{}' is the active provider; switch to another first with 'router set <provider>'",
                            p.id));
  }
}

// The provider row NewProvider describes, validated (the id, type, name and description rules).
db::Provider provider_row(const NewProvider& in) {
  core::require_slug(in.id, "provider id");
  const auto& type = providers::require_type(in.type);
  const std::string name = in.name.value_or(in.id);
  require_text(name, kMaxName, false, "name");
  require_text(in.description, kMaxDescription, true, "description");
  require_distinct_keys(in.config, {});
  return db::Provider{in.id, name, std::string(type.name), in.enabled, in.priority, in.description, 0, 0};
}

// Makes the provider's stored config exactly `config`: the values are set, every other stored key
// is removed.
void replace_config(detail::Tx& tx, const db::Provider& p, const std::vector<ConfigInput>& config) {
  const auto& type = providers::require_type(p.type);
  require_distinct_keys(config, {});
  for (const auto& stored : tx.providers.configs(p.id)) {
    const bool kept = std::any_of(config.begin(), config.end(), [&](const ConfigInput& c) { return c.key == stored.key; });
    if (!kept) {
      tx.put(Entity::kProviderConfig, compound_key(p.id, stored.key), std::nullopt);
    }
  }
  for (const auto& c : config) {
    apply_config(tx, p, type, c);
  }
  check_complete(tx, p);
}

// The model row NewModel describes, validated; duplicate capabilities are dropped.
db::Model model_row(const NewModel& m) {
  core::require_model_id(m.id, "model id");
  require_text(m.name, kMaxName, true, "name");
  require_text(m.description, kMaxDescription, true, "description");
  db::Model row{m.id, m.name, m.description, {}, 0, 0};
  for (const auto& c : m.capabilities) {
    require_capability(c);
    if (std::find(row.capabilities.begin(), row.capabilities.end(), c) == row.capabilities.end()) {
      row.capabilities.push_back(c);
    }
  }
  return row;
}

std::optional<db::ModelLink> find_default_link(detail::Tx& tx, std::string_view provider) {
  for (const auto& l : tx.models.links_of_provider(provider)) {
    if (l.is_default) {
      return l;
    }
  }
  return std::nullopt;
}

db::ModelLink require_link(detail::Tx& tx, std::string_view provider, std::string_view model, std::string_view hint) {
  if (auto l = tx.models.find_link(provider, model)) {
    return *l;
  }
  std::vector<std::string> linked;
  for (const auto& l : tx.models.links_of_provider(provider)) {
    linked.push_back(l.model_id);
  }
  throw Error(ErrorCode::kNotFound, fmt::format("model '{}' is not linked to provider '{}'{}{}", model, provider,
                                                core::did_you_mean(model, linked), hint));
}

boost::json::object link_summary(const db::ModelLink& l, std::string_view id_field, std::string_view id) {
  return {{id_field, id},
          {"default", l.is_default},
          {"upstream_model", l.upstream_model ? boost::json::value(*l.upstream_model) : boost::json::value(nullptr)}};
}

}  // namespace

namespace detail {

db::Provider require_provider(Tx& tx, std::string_view id) {
  if (auto p = tx.providers.find(id)) {
    return *p;
  }
  const auto ids = provider_ids(tx);
  core::throw_not_found("provider", id, ids);
}

db::Model require_model(Tx& tx, std::string_view id) {
  if (auto m = tx.models.find(id)) {
    return *m;
  }
  std::vector<std::string> ids;
  for (const auto& m : tx.models.list()) {
    ids.push_back(m.id);
  }
  core::throw_not_found("model", id, ids);
}

std::optional<std::string> active_provider(Tx& tx) {
  const auto s = tx.settings.find("active_provider");
  if (!s) {
    return std::nullopt;
  }
  const auto v = core::parse_json(s->value_json, "active_provider");
  return v.is_string() ? std::optional<std::string>(std::string(v.as_string())) : std::nullopt;
}

void require_activatable(Tx& tx, std::string_view id) {
  const auto p = require_provider(tx, id);
  if (!p.enabled) {
    throw Error(ErrorCode::kConflict,
                fmt::format("provider '{}' is disabled; enable it first with 'router provider enable {}'", id, id));
  }
}

std::optional<std::string> missing_required(Tx& tx, const db::Provider& p) {
  const auto* type = providers::find_type(p.type);
  if (type == nullptr) {
    return std::nullopt;
  }
  for (const auto& k : type->keys) {
    if (k.required && k.fallback.empty() && !tx.providers.find_config(p.id, k.name)) {
      return std::string(k.name);
    }
  }
  return std::nullopt;
}

void seal_plain_secrets(Tx& tx) {
  // Declared sensitive now, stored plain: only rows and documents written before the key became
  // sensitive (or by hand) look like this.
  auto plain_secret = [](std::string_view key, bool sensitive) {
    const auto* decl = providers::find_key_in_any_type(key);
    return !sensitive && decl != nullptr && decl->sensitive;
  };
  std::vector<db::ProviderConfigValue> rows;
  for (auto& v : tx.providers.all_configs()) {
    if (plain_secret(v.key, v.sensitive)) {
      rows.push_back(std::move(v));
    }
  }
  // The history is rewritten once per database (the write path never records plain secrets).
  std::vector<db::Change> history;
  if (!tx.settings.meta(kPlainSecretsSealedMeta)) {
    for (auto& c : tx.revisions.changes_of(entity_name(Entity::kProviderConfig))) {
      for (const auto* text : {&c.before_json, &c.after_json}) {
        if (*text) {
          const auto doc = core::parse_json(**text, "recorded change");
          if (doc.is_object() && plain_secret(doc.as_object().contains("key") ? std::string_view(doc.at("key").as_string()) : "",
                                              doc.as_object().contains("sensitive") && doc.at("sensitive").as_bool())) {
            history.push_back(std::move(c));
            break;
          }
        }
      }
    }
  }
  if (rows.empty() && history.empty()) {
    if (!tx.settings.meta(kPlainSecretsSealedMeta)) {
      tx.settings.put_meta(kPlainSecretsSealedMeta, core::format_utc(core::now_ms()));
    }
    return;
  }
  std::optional<secrets::MasterKey> master;
  try {
    master = tx.keys.for_sealing();
  } catch (const Error&) {
    return;  // the master key is missing or wrong: that is reported where it is needed
  }
  // One ciphertext per plaintext, so the latest revision's document still matches the live value
  // (a revert sees no conflict).
  std::map<std::string, std::string, std::less<>> sealed_of;
  auto seal_once = [&](const boost::json::value& value) -> const std::string& {
    std::string text = providers::secret_text(value);
    auto it = sealed_of.find(text);
    if (it == sealed_of.end()) {
      it = sealed_of.emplace(text, secrets::seal(*master, text)).first;
    }
    std::fill(text.begin(), text.end(), '\0');
    return it->second;
  };
  for (auto& v : rows) {
    v.value_json = boost::json::serialize(boost::json::value(seal_once(core::parse_json(v.value_json, "stored config value"))));
    v.sensitive = true;
    v.updated_at = core::now_ms();
    tx.providers.put_config(v);
  }
  for (auto& c : history) {
    for (auto* text : {&c.before_json, &c.after_json}) {
      if (!*text) {
        continue;
      }
      auto doc = core::parse_json(**text, "recorded change");
      auto& d = doc.as_object();
      if (d.contains("key") && d.contains("sensitive") && plain_secret(d.at("key").as_string(), d.at("sensitive").as_bool())) {
        const auto value = d["value"];
        d["sensitive"] = true;
        d["value"] = providers::mask_value(value);
        d["sealed"] = seal_once(value);
        *text = boost::json::serialize(d);
      }
    }
    tx.revisions.update_change_docs(c);
  }
  tx.settings.put_meta(kPlainSecretsSealedMeta, core::format_utc(core::now_ms()));
}

void do_add_provider(Tx& tx, const NewProvider& in) {
  const auto p = provider_row(in);
  if (tx.providers.find(p.id)) {
    throw Error(ErrorCode::kConflict, fmt::format("provider '{}' already exists", p.id));
  }
  require_unique_name(tx, p.name, p.id);
  tx.put(Entity::kProvider, p.id, provider_entity(p));
  const auto& type = providers::require_type(p.type);
  for (const auto& c : in.config) {
    apply_config(tx, p, type, c);
  }
  check_complete(tx, p);
}

void do_edit_provider(Tx& tx, std::string_view id, const ProviderEdit& edit) {
  auto p = require_provider(tx, id);
  const auto& type = providers::require_type(p.type);
  require_distinct_keys(edit.config, edit.unset);
  if (edit.name) {
    require_text(*edit.name, kMaxName, false, "name");
    require_unique_name(tx, *edit.name, p.id);
    p.name = *edit.name;
  }
  if (edit.description) {
    require_text(*edit.description, kMaxDescription, true, "description");
    p.description = *edit.description;
  }
  if (edit.priority) {
    p.priority = *edit.priority;
  }
  if (edit.enabled) {
    if (!*edit.enabled) {
      require_can_disable(tx, p);
    }
    p.enabled = *edit.enabled;
  }
  tx.put(Entity::kProvider, p.id, provider_entity(p));
  for (const auto& c : edit.config) {
    apply_config(tx, p, type, c);
  }
  for (const auto& k : edit.unset) {
    const auto& decl = providers::require_key(type, k);
    if (decl.required && decl.fallback.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("'{}' is required by type '{}' and cannot be unset", decl.name, type.name), k);
    }
    tx.put(Entity::kProviderConfig, compound_key(p.id, decl.name), std::nullopt);
  }
  check_complete(tx, p);
}

void do_link_model(Tx& tx, std::string_view provider, std::string_view model, const LinkOptions& options) {
  const auto p = require_provider(tx, provider);
  core::require_model_id(model, "model id");
  if (options.upstream_model) {
    core::require_model_id(*options.upstream_model, "upstream model name");
  }
  if (!tx.models.find(model)) {
    tx.put(Entity::kModel, model, model_entity(db::Model{std::string(model), "", "", {}, 0, 0}));
  }
  auto link = tx.models.find_link(p.id, model).value_or(db::ModelLink{p.id, std::string(model), false, std::nullopt, "{}", 0, 0});
  if (options.upstream_model) {
    link.upstream_model = options.upstream_model;
  }
  if (options.make_default) {
    // At most one default per provider (a unique index): clear the old one first, in this revision.
    if (auto old = find_default_link(tx, p.id); old && old->model_id != model) {
      old->is_default = false;
      tx.put(Entity::kProviderModel, compound_key(p.id, old->model_id), link_entity(*old));
    }
    link.is_default = true;
  }
  tx.put(Entity::kProviderModel, compound_key(p.id, model), link_entity(link));
}

void do_set_setting(Tx& tx, const SettingDecl& decl, const boost::json::value& value) {
  if (decl.type == SettingType::kProviderRef && value.is_string()) {
    require_activatable(tx, value.as_string());
  }
  tx.put(Entity::kSetting, decl.key, boost::json::object{{"key", decl.key}, {"value", value}});
}

}  // namespace detail

// --- provider mutations ------------------------------------------------------------------------------

Mutation ConfigService::add_provider(const NewProvider& p, const Actor& actor) {
  return mutate(actor, fmt::format("add provider {}", p.id), Mode::kApply, [&](detail::Tx& tx) { detail::do_add_provider(tx, p); });
}

Mutation ConfigService::edit_provider(std::string_view id, const ProviderEdit& edit, const Actor& actor) {
  return mutate(actor, fmt::format("edit provider {}", id), Mode::kApply,
                [&](detail::Tx& tx) { detail::do_edit_provider(tx, id, edit); });
}

Mutation ConfigService::replace_provider(const NewProvider& in, const Actor& actor) {
  return mutate(actor, fmt::format("replace provider {}", in.id), Mode::kApply, [&](detail::Tx& tx) {
    const auto p = provider_row(in);
    (void)detail::require_provider(tx, p.id);
    require_unique_name(tx, p.name, p.id);
    if (!p.enabled) {
      require_can_disable(tx, p);
    }
    tx.put(Entity::kProvider, p.id, provider_entity(p));
    replace_config(tx, p, in.config);
  });
}

Mutation ConfigService::replace_provider_config(std::string_view id, const std::vector<ConfigInput>& config,
                                               const Actor& actor) {
  return mutate(actor, fmt::format("replace config of provider {}", id), Mode::kApply,
                [&](detail::Tx& tx) { replace_config(tx, detail::require_provider(tx, id), config); });
}

Mutation ConfigService::unset_provider_config(std::string_view id, std::string_view key, const Actor& actor) {
  return mutate(actor, fmt::format("unset {} of provider {}", key, id), Mode::kApply, [&](detail::Tx& tx) {
    const auto p = detail::require_provider(tx, id);
    const auto& decl = providers::require_key(providers::require_type(p.type), key);
    if (!tx.providers.find_config(p.id, decl.name)) {
      throw Error(ErrorCode::kNotFound, fmt::format("provider '{}' has no stored value for '{}'", p.id, decl.name),
                  std::string(decl.name));
    }
    ProviderEdit edit;
    edit.unset = {std::string(decl.name)};
    detail::do_edit_provider(tx, p.id, edit);
  });
}

Mutation ConfigService::remove_provider(std::string_view id, const Actor& actor, Mode mode) {
  return mutate(actor, fmt::format("remove provider {}", id), mode, [&](detail::Tx& tx) {
    const auto p = detail::require_provider(tx, id);
    require_can_disable(tx, p);
    for (const auto& c : tx.providers.configs(p.id)) {
      tx.put(Entity::kProviderConfig, compound_key(p.id, c.key), std::nullopt);
    }
    for (const auto& l : tx.models.links_of_provider(p.id)) {
      tx.put(Entity::kProviderModel, compound_key(p.id, l.model_id), std::nullopt);
    }
    tx.put(Entity::kProvider, p.id, std::nullopt);
  });
}

Mutation ConfigService::set_provider_enabled(std::string_view id, bool enabled, const Actor& actor) {
  return mutate(actor, fmt::format("{} provider {}", enabled ? "enable" : "disable", id), Mode::kApply,
                [&](detail::Tx& tx) {
                  auto p = detail::require_provider(tx, id);
                  if (!enabled) {
                    require_can_disable(tx, p);
                  }
                  p.enabled = enabled;
                  tx.put(Entity::kProvider, p.id, provider_entity(p));
                });
}

// --- model mutations ---------------------------------------------------------------------------------

Mutation ConfigService::add_model(const NewModel& m, const Actor& actor) {
  return mutate(actor, fmt::format("add model {}", m.id), Mode::kApply, [&](detail::Tx& tx) {
    const auto row = model_row(m);
    if (tx.models.find(m.id)) {
      throw Error(ErrorCode::kConflict, fmt::format("model '{}' already exists", m.id));
    }
    tx.put(Entity::kModel, m.id, model_entity(row));
  });
}

Mutation ConfigService::replace_model(const NewModel& m, const Actor& actor) {
  return mutate(actor, fmt::format("replace model {}", m.id), Mode::kApply, [&](detail::Tx& tx) {
    const auto row = model_row(m);
    (void)detail::require_model(tx, m.id);
    tx.put(Entity::kModel, m.id, model_entity(row));
  });
}

Mutation ConfigService::remove_model(std::string_view id, const Actor& actor, Mode mode) {
  return mutate(actor, fmt::format("remove model {}", id), mode, [&](detail::Tx& tx) {
    const auto m = detail::require_model(tx, id);
    for (const auto& l : tx.models.links_of_model(m.id)) {
      tx.put(Entity::kProviderModel, compound_key(l.provider_id, m.id), std::nullopt);
    }
    tx.put(Entity::kModel, m.id, std::nullopt);
  });
}

Mutation ConfigService::link_model(std::string_view provider, std::string_view model, const LinkOptions& options,
                                  const Actor& actor) {
  return mutate(actor, fmt::format("link model {} to {}", model, provider), Mode::kApply,
                [&](detail::Tx& tx) { detail::do_link_model(tx, provider, model, options); });
}

Mutation ConfigService::unlink_model(std::string_view provider, std::string_view model, const Actor& actor) {
  return mutate(actor, fmt::format("unlink model {} from {}", model, provider), Mode::kApply, [&](detail::Tx& tx) {
    const auto p = detail::require_provider(tx, provider);
    (void)require_link(tx, p.id, model, "");
    tx.put(Entity::kProviderModel, compound_key(p.id, model), std::nullopt);
  });
}

Mutation ConfigService::set_default_model(std::string_view provider, std::string_view model, const Actor& actor) {
  return mutate(actor, fmt::format("make {} the default model of {}", model, provider), Mode::kApply, [&](detail::Tx& tx) {
    const auto p = detail::require_provider(tx, provider);
    (void)require_link(tx, p.id, model,
                       fmt::format("; link it with 'router model link {} {} --default'", p.id, model));
    detail::do_link_model(tx, p.id, model, LinkOptions{true, std::nullopt});
  });
}

Mutation ConfigService::sync_models(std::string_view provider, const std::vector<UpstreamModelInfo>& models,
                                   const SyncOptions& options, const Actor& actor, Mode mode) {
  return mutate(actor, fmt::format("sync models of {}", provider), mode, [&](detail::Tx& tx) {
    const auto p = detail::require_provider(tx, provider);
    std::set<std::string, std::less<>> listed;
    for (const auto& m : models) {
      if (!core::is_model_id(m.id) || !listed.insert(m.id).second) {
        continue;
      }
      if (!tx.models.find(m.id)) {
        db::Model row{m.id, fit_text(m.name.empty() ? m.id : m.name, kMaxName), fit_text(m.description, kMaxDescription),
                      {}, 0, 0};
        for (const auto& c : m.capabilities) {
          if (valid_capability(c) && std::find(row.capabilities.begin(), row.capabilities.end(), c) == row.capabilities.end()) {
            row.capabilities.push_back(c);
          }
        }
        tx.put(Entity::kModel, m.id, model_entity(row));
      }
      if (!tx.models.find_link(p.id, m.id)) {
        detail::do_link_model(tx, p.id, m.id, LinkOptions{});
      }
    }
    if (options.prune) {
      // A link sends its upstream_model when set (an alias), so that is the name the upstream
      // must still list; every listed name counts, valid model id or not.
      std::set<std::string_view, std::less<>> upstream;
      for (const auto& m : models) {
        upstream.insert(m.id);
      }
      for (const auto& l : tx.models.links_of_provider(p.id)) {
        if (!upstream.contains(l.upstream_model.value_or(l.model_id))) {
          tx.put(Entity::kProviderModel, compound_key(p.id, l.model_id), std::nullopt);
        }
      }
    }
  });
}

// --- reads -------------------------------------------------------------------------------------------

boost::json::object ConfigService::providers_document(const ProviderFilter& filter) {
  if (filter.type) {
    (void)providers::require_type(*filter.type);
  }
  boost::json::object doc;
  db_.read([&] {
    detail::Tx tx(db_, *keys_);
    const auto active = detail::active_provider(tx);
    boost::json::array items;
    for (const auto& p : tx.providers.list()) {
      if ((filter.type && p.type != *filter.type) || (filter.enabled && p.enabled != *filter.enabled)) {
        continue;
      }
      auto item = provider_entity(p);
      item["active"] = active == p.id;
      items.push_back(std::move(item));
    }
    doc = {{"active_provider", active ? boost::json::value(*active) : boost::json::value(nullptr)},
           {"providers", std::move(items)}};
  });
  return doc;
}

boost::json::object ConfigService::provider_document(std::string_view id, bool reveal) {
  boost::json::object doc;
  db_.read([&] {
    detail::Tx tx(db_, *keys_);
    const auto p = detail::require_provider(tx, id);
    const auto stored = tx.providers.configs(p.id);
    const auto* type = providers::find_type(p.type);
    boost::json::array config;
    auto add_stored = [&](const db::ProviderConfigValue& v) {
      auto entry = public_document(*tx.load(Entity::kProviderConfig, compound_key(p.id, v.key)));
      entry.erase("provider_id");
      if (reveal && v.sensitive) {
        entry["value"] = open_stored(*keys_, p.id, v, type != nullptr ? providers::find_key(*type, v.key) : nullptr);
      }
      entry["source"] = "set";
      config.push_back(std::move(entry));
    };
    if (type != nullptr) {
      for (const auto& k : type->keys) {
        const auto it = std::find_if(stored.begin(), stored.end(), [&](const auto& v) { return v.key == k.name; });
        if (it != stored.end()) {
          add_stored(*it);
        } else if (!k.fallback.empty()) {
          config.push_back(boost::json::object{{"key", k.name},
                                               {"sensitive", k.sensitive},
                                               {"value", boost::json::parse(k.fallback)},
                                               {"source", "default"}});
        }
      }
    }
    for (const auto& v : stored) {
      if (type == nullptr || providers::find_key(*type, v.key) == nullptr) {
        add_stored(v);
      }
    }
    boost::json::array models;
    for (const auto& l : tx.models.links_of_provider(p.id)) {
      models.push_back(link_summary(l, "model_id", l.model_id));
    }
    doc = provider_entity(p);
    doc["active"] = detail::active_provider(tx) == p.id;
    doc["config"] = std::move(config);
    doc["models"] = std::move(models);
  });
  return doc;
}

boost::json::object ConfigService::models_document(const ModelFilter& filter) {
  boost::json::object doc;
  db_.read([&] {
    detail::Tx tx(db_, *keys_);
    if (filter.provider) {
      (void)detail::require_provider(tx, *filter.provider);
    }
    const auto links = tx.models.links();
    boost::json::array items;
    const auto models = filter.id ? std::vector<db::Model>{detail::require_model(tx, *filter.id)} : tx.models.list();
    for (const auto& m : models) {
      if (filter.capability &&
          std::find(m.capabilities.begin(), m.capabilities.end(), *filter.capability) == m.capabilities.end()) {
        continue;
      }
      boost::json::array providers;
      bool linked_to_filter = false;
      for (const auto& l : links) {
        if (l.model_id == m.id) {
          providers.push_back(link_summary(l, "provider_id", l.provider_id));
          linked_to_filter = linked_to_filter || (filter.provider && l.provider_id == *filter.provider);
        }
      }
      if (filter.provider && !linked_to_filter) {
        continue;
      }
      auto item = model_entity(m);
      item["providers"] = std::move(providers);
      items.push_back(std::move(item));
    }
    doc = {{"models", std::move(items)}};
  });
  return doc;
}

boost::json::object ConfigService::model_document(std::string_view id) {
  ModelFilter filter;
  filter.id = std::string(id);
  auto doc = models_document(filter);
  return std::move(doc.at("models").as_array().at(0).as_object());
}

}  // namespace router::config
