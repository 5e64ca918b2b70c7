#include "config/service.hpp"

#include <algorithm>
#include <map>

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "config/service_internal.hpp"
#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/parse.hpp"
#include "core/text.hpp"
#include "db/sqlite/database.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

// Thrown inside the write transaction to roll a dry run back after it computed its changes.
struct DryRunRollback {};

constexpr std::size_t kMaxActor = 100;
constexpr std::size_t kMaxMessage = 4000;
constexpr std::int64_t kMaxLogLimit = 100000;

bool printable(std::string_view s) {
  return core::is_valid_utf8(s) &&
         std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t'; });
}

void check_actor(const Actor& a) {
  if (a.name.empty() || a.name.size() > kMaxActor || !printable(a.name) || a.name.find('\n') != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid actor name: use 1 to {} printable characters", kMaxActor),
                "actor");
  }
  if (a.message.size() > kMaxMessage || !printable(a.message)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid revision message: use at most {} characters of UTF-8 text", kMaxMessage), "message");
  }
}

std::optional<boost::json::object> parse_doc(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  auto v = core::parse_json(*text, "recorded change");
  if (!v.is_object()) {
    throw Error(ErrorCode::kInternal, "a recorded change is not a JSON object");
  }
  return std::move(v.as_object());
}

std::string_view op_of(const std::optional<boost::json::object>& before, const std::optional<boost::json::object>& after) {
  if (!before) {
    return "create";
  }
  return after ? "update" : "delete";
}

ChangeRecord public_record(std::string_view entity, std::string_view key, const std::optional<boost::json::object>& before,
                           const std::optional<boost::json::object>& after) {
  ChangeRecord r{std::string(entity), std::string(key), std::string(op_of(before, after)), std::nullopt, std::nullopt};
  if (before) {
    r.before = public_document(*before);
  }
  if (after) {
    r.after = public_document(*after);
  }
  return r;
}

std::string key_name_rules() { return "use 1 to 64 letters, digits, '.', '_', '@' or '-'"; }

void require_key_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '-';
  });
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid key name '{}': {}", name.substr(0, 80), key_name_rules()),
                "name");
  }
}

db::ApiKey require_api_key(detail::Tx& tx, std::string_view name) {
  if (auto k = tx.api_keys.find_by_name(name)) {
    return *k;
  }
  std::vector<std::string> names;
  for (const auto& k : tx.api_keys.list()) {
    names.push_back(k.name);
  }
  core::throw_not_found("key", name, names);
}

// "rk-" + 43 base64url characters: 32 random bytes without padding.
std::string new_api_key() {
  std::array<std::uint8_t, 32> raw{};
  core::random_bytes(raw);
  std::string b64 = core::base64_encode(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  std::string out = "rk-";
  for (const char c : b64) {
    if (c == '=') {
      break;
    }
    out += c == '+' ? '-' : (c == '/' ? '_' : c);
  }
  OPENSSL_cleanse(b64.data(), b64.size());
  return out;
}

[[noreturn]] void revert_conflict(std::int64_t rev, std::string_view why) {
  throw Error(ErrorCode::kConflict, fmt::format("cannot revert r{}: {}", rev, why));
}

std::string changed_since(detail::Tx& tx, std::int64_t rev, Entity e, std::string_view key) {
  const auto later = tx.revisions.later_change(entity_name(e), key, rev);
  if (later) {
    return fmt::format("r{} changed {} since; revert r{} first", *later, entity_label(e, key), *later);
  }
  return fmt::format("{} no longer matches what r{} left (it was changed outside the revision history)",
                     entity_label(e, key), rev);
}

// Deleting a provider or model in a revert must not silently cascade to what later revisions added.
void require_no_later_dependents(detail::Tx& tx, std::int64_t rev, Entity e, std::string_view key) {
  std::vector<std::pair<Entity, std::string>> dependents;
  if (e == Entity::kProvider) {
    for (const auto& c : tx.providers.configs(key)) {
      dependents.emplace_back(Entity::kProviderConfig, compound_key(c.provider_id, c.key));
    }
    for (const auto& l : tx.models.links_of_provider(key)) {
      dependents.emplace_back(Entity::kProviderModel, compound_key(l.provider_id, l.model_id));
    }
  } else if (e == Entity::kModel) {
    for (const auto& l : tx.models.links_of_model(key)) {
      dependents.emplace_back(Entity::kProviderModel, compound_key(l.provider_id, l.model_id));
    }
  }
  if (!dependents.empty()) {
    const auto& [de, dk] = dependents.front();
    revert_conflict(rev, fmt::format("it deletes {}, but {}", entity_label(e, key), changed_since(tx, rev, de, dk)));
  }
}

// What a revert leaves must still be a valid configuration.
void check_after_revert(detail::Tx& tx, std::int64_t rev) {
  if (const auto active = detail::active_provider(tx)) {
    const auto p = tx.providers.find(*active);
    if (!p) {
      revert_conflict(rev, fmt::format("provider '{}' would not exist, but it is the active provider; switch to "
                                       "another first with 'router set <provider>'",
                                       *active));
    }
    if (!p->enabled) {
      revert_conflict(rev, fmt::format("the active provider '{}' would be disabled; enable it first with 'router "
                                       "provider enable {}'",
                                       *active, *active));
    }
  }
  for (const auto& c : tx.changes()) {
    if (c.entity != Entity::kProvider && c.entity != Entity::kProviderConfig) {
      continue;
    }
    const auto p = tx.providers.find(split_key(c.key).first);
    if (!p) {
      continue;
    }
    if (const auto missing = detail::missing_required(tx, *p)) {
      revert_conflict(rev, fmt::format("provider '{}' would lack its required config '{}'", p->id, *missing));
    }
  }
}

}  // namespace

std::int64_t parse_revision(std::string_view text) {
  return core::parse_int(text.starts_with('r') ? text.substr(1) : text, 1, INT64_MAX, "revision");
}

std::string_view source_name(Source s) noexcept {
  switch (s) {
    case Source::kCli: return "cli";
    case Source::kApi: return "api";
    case Source::kMigrate: return "migrate";
    case Source::kSystem: return "system";
  }
  return "cli";
}

ConfigInput ConfigInput::plain(std::string key, std::string text) {
  return ConfigInput{std::move(key), Kind::kPlain, std::move(text), nullptr};
}

ConfigInput ConfigInput::secret(std::string key, std::string text) {
  return ConfigInput{std::move(key), Kind::kSecret, std::move(text), nullptr};
}

ConfigInput ConfigInput::from_json(std::string key, boost::json::value value) {
  return ConfigInput{std::move(key), Kind::kAuto, std::nullopt, std::move(value)};
}

namespace detail {

void Tx::put(Entity e, std::string_view key, const std::optional<boost::json::object>& doc) {
  auto before = entities_.load(e, key);
  if (same_document(before, doc)) {
    return;
  }
  entities_.store(e, key, doc);
  auto after = entities_.load(e, key);
  const auto it = std::find_if(changes_.begin(), changes_.end(),
                               [&](const PendingChange& c) { return c.entity == e && c.key == key; });
  if (it == changes_.end()) {
    if (!same_document(before, after)) {
      changes_.push_back(PendingChange{e, std::string(key), std::move(before), std::move(after)});
    }
    return;
  }
  it->after = std::move(after);
  if (same_document(it->before, it->after)) {
    changes_.erase(it);
  }
}

}  // namespace detail

ConfigService::ConfigService(db::Database& config_db, secrets::KeyStore keys)
    : db_(config_db), keys_(std::make_unique<MasterKeyAccess>(config_db, std::move(keys))) {}

ConfigService::~ConfigService() = default;

Mutation ConfigService::mutate(const Actor& actor, std::string default_message, Mode mode,
                              const std::function<void(detail::Tx&)>& fn) {
  check_actor(actor);
  Mutation out;
  out.dry_run = mode == Mode::kDryRun;
  keys_->set_dry_run(out.dry_run);
  struct ResetDryRun {
    MasterKeyAccess& keys;
    ~ResetDryRun() { keys.set_dry_run(false); }
  } reset{*keys_};
  try {
    db_.write([&] {
      // A busy retry re-runs this lambda from scratch, so all state lives inside it.
      detail::Tx tx(db_, *keys_);
      fn(tx);
      detail::seal_plain_secrets(tx);
      out.changes.clear();
      out.revision.reset();
      for (const auto& c : tx.changes()) {
        out.changes.push_back(public_record(entity_name(c.entity), c.key, c.before, c.after));
      }
      if (out.dry_run) {
        throw DryRunRollback{};
      }
      if (tx.changes().empty()) {
        return;
      }
      const auto rev = tx.revisions.insert(db::Revision{0, core::now_ms(), actor.name, std::string(source_name(actor.source)),
                                                        actor.message.empty() ? default_message : actor.message, 0});
      std::int64_t seq = 0;
      for (const auto& c : tx.changes()) {
        tx.revisions.insert_change(db::Change{
            rev, ++seq, std::string(entity_name(c.entity)), c.key, std::string(op_of(c.before, c.after)),
            c.before ? std::optional<std::string>(boost::json::serialize(*c.before)) : std::nullopt,
            c.after ? std::optional<std::string>(boost::json::serialize(*c.after)) : std::nullopt});
      }
      out.revision = rev;
    });
  } catch (const DryRunRollback&) {
  }
  return out;
}

// --- settings --------------------------------------------------------------------------------------

Mutation ConfigService::set_setting(std::string_view key, std::string_view text, const Actor& actor) {
  const auto& decl = require_setting(key);
  const auto value = parse_setting(decl, text);
  return mutate(actor, fmt::format("set {}", decl.key), Mode::kApply,
                [&](detail::Tx& tx) { detail::do_set_setting(tx, decl, value); });
}

Mutation ConfigService::put_setting(std::string_view key, const boost::json::value& value, const Actor& actor) {
  const auto& decl = require_setting(key);
  const auto checked = check_setting(decl, value);
  return mutate(actor, fmt::format("set {}", decl.key), Mode::kApply,
                [&](detail::Tx& tx) { detail::do_set_setting(tx, decl, checked); });
}

Mutation ConfigService::unset_setting(std::string_view key, const Actor& actor) {
  const auto& decl = require_setting(key);
  return mutate(actor, fmt::format("unset {}", decl.key), Mode::kApply,
                [&](detail::Tx& tx) { tx.put(Entity::kSetting, decl.key, std::nullopt); });
}

Mutation ConfigService::put_settings(const std::vector<std::pair<std::string, boost::json::value>>& values,
                                   const Actor& actor) {
  if (values.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "no settings given", "settings");
  }
  // Validated up front, so a bad value anywhere leaves everything as it was.
  std::vector<std::pair<const SettingDecl*, std::optional<boost::json::value>>> checked;
  std::vector<std::string> keys;
  for (const auto& [key, value] : values) {
    const auto& decl = require_setting(key);
    if (std::find(keys.begin(), keys.end(), decl.key) != keys.end()) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("setting '{}' is given more than once", decl.key), key);
    }
    keys.emplace_back(decl.key);
    checked.emplace_back(&decl, value.is_null() ? std::nullopt : std::optional(check_setting(decl, value)));
  }
  return mutate(actor, fmt::format("set {}", core::join(keys, ", ")), Mode::kApply, [&](detail::Tx& tx) {
    for (const auto& [decl, value] : checked) {
      if (value) {
        detail::do_set_setting(tx, *decl, *value);
      } else {
        tx.put(Entity::kSetting, decl->key, std::nullopt);
      }
    }
  });
}

Switch ConfigService::set_active_provider(std::string_view id, const Actor& actor) {
  Switch s;
  s.to = std::string(id);
  const auto& decl = require_setting("active_provider");
  s.outcome = mutate(actor, fmt::format("set active provider {}", id), Mode::kApply, [&](detail::Tx& tx) {
    s.from = detail::active_provider(tx);
    detail::do_set_setting(tx, decl, boost::json::string(id));
  });
  return s;
}

// --- API keys --------------------------------------------------------------------------------------

CreatedKey ConfigService::create_api_key(std::string_view name, bool admin, const Actor& actor) {
  require_key_name(name);
  CreatedKey k;
  k.name = std::string(name);
  k.scope = admin ? "admin" : "client";
  k.key = new_api_key();
  k.prefix = k.key.substr(0, 10);
  const db::ApiKey row{core::uuid_v4(), k.name, k.scope, k.prefix, core::sha256_hex(k.key), 0, std::nullopt, std::nullopt};
  k.outcome = mutate(actor, fmt::format("create {} key {}", k.scope, name), Mode::kApply, [&](detail::Tx& tx) {
    if (tx.api_keys.find_by_name(name)) {
      throw Error(ErrorCode::kConflict, fmt::format("key '{}' already exists", name));
    }
    tx.put(Entity::kApiKey, name, api_key_entity(row));
  });
  return k;
}

Mutation ConfigService::revoke_api_key(std::string_view name, const Actor& actor) {
  return mutate(actor, fmt::format("revoke key {}", name), Mode::kApply, [&](detail::Tx& tx) {
    auto k = require_api_key(tx, name);
    auto doc = api_key_entity(k);
    doc["revoked"] = true;
    tx.put(Entity::kApiKey, name, doc);
  });
}

// --- history ---------------------------------------------------------------------------------------

Mutation ConfigService::revert(std::int64_t rev, const Actor& actor) {
  std::optional<db::Revision> target;
  std::optional<db::Revision> latest;
  db_.read([&] {
    db::RevisionRepository revisions(db_);
    target = revisions.find(rev);
    const auto newest = revisions.list(1);
    latest = newest.empty() ? std::nullopt : std::optional<db::Revision>(newest.front());
  });
  if (!target) {
    throw Error(ErrorCode::kNotFound,
                latest ? fmt::format("revision r{} not found (revisions run from r1 to r{})", rev, latest->rev)
                       : fmt::format("revision r{} not found (no revision recorded yet)", rev));
  }
  return mutate(actor, fmt::format("revert r{}: {}", rev, target->message), Mode::kApply, [&](detail::Tx& tx) {
    const auto changes = tx.revisions.changes(rev);
    for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
      const auto entity = parse_entity(it->entity);
      if (!entity) {
        revert_conflict(rev, fmt::format("it records an unknown kind of entity '{}'", it->entity));
      }
      const auto before = parse_doc(it->before_json);
      const auto after = parse_doc(it->after_json);
      if (!same_document(tx.load(*entity, it->entity_key), after)) {
        revert_conflict(rev, changed_since(tx, rev, *entity, it->entity_key));
      }
      if (!before) {
        require_no_later_dependents(tx, rev, *entity, it->entity_key);
      }
      tx.put(*entity, it->entity_key, before);
    }
    check_after_revert(tx, rev);
  });
}

// --- secrets ---------------------------------------------------------------------------------------

std::optional<secrets::MasterKey> ConfigService::master_key() {
  std::optional<secrets::MasterKey> key;
  db_.read([&] { key = keys_->current(); });
  return key;
}

Rotation ConfigService::rotate_master_key(const std::optional<std::string>& new_key_base64) {
  const auto& store = keys_->store();
  Rotation r;
  r.from_env = store.from_env();
  const auto old = master_key();
  if (!old) {
    return r;
  }
  r.old_fingerprint = old->fingerprint();
  std::optional<secrets::MasterKey> next;
  if (new_key_base64) {
    next = secrets::MasterKey::from_base64(*new_key_base64, "ROUTER_NEW_MASTER_KEY");
  } else if (r.from_env) {
    throw Error(ErrorCode::kInvalidArgument,
                "the master key comes from ROUTER_MASTER_KEY: put the new key in ROUTER_NEW_MASTER_KEY (base64 of 32 "
                "bytes, e.g. from 'openssl rand -base64 32') and run 'router secrets rotate' again");
  } else {
    next = secrets::MasterKey::generate();
  }
  r.new_fingerprint = next->fingerprint();
  if (r.new_fingerprint == r.old_fingerprint) {
    throw Error(ErrorCode::kInvalidArgument, "the new master key is the current one");
  }
  if (!r.from_env) {
    store.stage(*next);
  }
  try {
    db_.write([&] {
      if (const auto now = keys_->current(); !now || now->fingerprint() != r.old_fingerprint) {
        throw Error(ErrorCode::kConflict, "the master key changed while rotating; run 'router secrets rotate' again");
      }
      r.configs_resealed = 0;
      r.history_resealed = 0;
      // One ciphertext maps to one new ciphertext, so a revision's "sealed" keeps matching the
      // live value it recorded and reverts still see no conflict.
      std::map<std::string, std::string, std::less<>> resealed;
      auto reseal = [&](const std::string& sealed, std::string_view where) -> const std::string& {
        auto it = resealed.find(sealed);
        if (it == resealed.end()) {
          std::string plain;
          try {
            plain = secrets::unseal(*old, sealed);
          } catch (const Error&) {
            throw Error(ErrorCode::kUnavailable,
                        fmt::format("cannot rotate: a sealed value of {} is damaged and does not open", where));
          }
          it = resealed.emplace(sealed, secrets::seal(*next, plain)).first;
          OPENSSL_cleanse(plain.data(), plain.size());
        }
        return it->second;
      };
      db::ProviderRepository providers(db_);
      for (auto v : providers.all_configs()) {
        const auto value = core::parse_json(v.value_json, "stored config value");
        if (!v.sensitive || !value.is_string() || !secrets::is_sealed(value.as_string())) {
          continue;
        }
        v.value_json = boost::json::serialize(boost::json::value(
            reseal(std::string(value.as_string()), entity_label(Entity::kProviderConfig, compound_key(v.provider_id, v.key)))));
        v.updated_at = core::now_ms();
        providers.put_config(v);
        ++r.configs_resealed;
      }
      db::RevisionRepository revisions(db_);
      for (auto c : revisions.changes_of(entity_name(Entity::kProviderConfig))) {
        bool touched = false;
        for (auto* text : {&c.before_json, &c.after_json}) {
          auto doc = parse_doc(*text);
          if (!doc || !doc->contains("sealed")) {
            continue;
          }
          (*doc)["sealed"] = reseal(std::string(doc->at("sealed").as_string()), fmt::format("revision r{}", c.rev));
          *text = boost::json::serialize(*doc);
          touched = true;
          ++r.history_resealed;
        }
        if (touched) {
          revisions.update_change_docs(c);
        }
      }
      db::SettingsRepository settings(db_);
      settings.put_meta(kFingerprintMeta, r.new_fingerprint);
      settings.put_meta("master_key_rotated_at", core::format_utc(core::now_ms()));
    });
  } catch (...) {
    if (!r.from_env) {
      store.discard_staged();
    }
    throw;
  }
  keys_->reset();
  if (!r.from_env) {
    keys_->install_staged(r.new_fingerprint);
  }
  r.rotated = true;
  return r;
}

// --- reads -----------------------------------------------------------------------------------------

boost::json::object ConfigService::settings_document() {
  std::vector<db::Setting> rows;
  db_.read([&] { rows = db::SettingsRepository(db_).list(); });
  const Settings effective(rows);
  boost::json::array items;
  for (const auto& d : setting_decls()) {
    items.push_back(boost::json::object{{"key", d.key},
                                        {"value", effective.value(d.key)},
                                        {"default", boost::json::parse(d.fallback)},
                                        {"is_default", effective.is_default(d.key)},
                                        {"type", type_name(d.type)},
                                        {"description", d.description}});
  }
  return {{"settings", std::move(items)}};
}

boost::json::object ConfigService::setting_document(std::string_view key) {
  const auto& decl = require_setting(key);
  auto all = settings_document();
  for (auto& item : all.at("settings").as_array()) {
    if (item.as_object().at("key").as_string() == decl.key) {
      return std::move(item.as_object());
    }
  }
  throw Error(ErrorCode::kInternal, fmt::format("setting '{}' missing from the settings document", key));
}

boost::json::object ConfigService::revisions_document(std::int64_t limit, std::optional<std::int64_t> before) {
  if (limit < 1 || limit > kMaxLogLimit) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid limit {}: use 1 to {}", limit, kMaxLogLimit), "limit");
  }
  std::vector<db::Revision> revs;
  db_.read([&] { revs = db::RevisionRepository(db_).list(limit, before); });
  boost::json::array items;
  for (const auto& r : revs) {
    items.push_back(revision_summary(r));
  }
  return {{"revisions", std::move(items)}};
}

boost::json::object ConfigService::revision_document(std::int64_t rev) {
  std::optional<db::Revision> r;
  std::vector<db::Change> changes;
  db_.read([&] {
    db::RevisionRepository revisions(db_);
    r = revisions.find(rev);
    if (r) {
      changes = revisions.changes(rev);
    }
  });
  if (!r) {
    throw Error(ErrorCode::kNotFound, fmt::format("revision r{} not found", rev));
  }
  auto doc = revision_summary(*r);
  boost::json::array items;
  for (const auto& c : changes) {
    const auto rec = public_record(c.entity, c.entity_key, parse_doc(c.before_json), parse_doc(c.after_json));
    items.push_back(boost::json::object{
        {"seq", c.seq},
        {"entity", rec.entity},
        {"key", rec.key},
        {"op", c.op},
        {"before", rec.before ? boost::json::value(*rec.before) : boost::json::value(nullptr)},
        {"after", rec.after ? boost::json::value(*rec.after) : boost::json::value(nullptr)}});
  }
  doc["changes"] = std::move(items);
  return doc;
}

boost::json::object ConfigService::api_keys_document() {
  std::vector<db::ApiKey> keys;
  db_.read([&] { keys = db::ApiKeyRepository(db_).list(); });
  boost::json::array items;
  for (const auto& k : keys) {
    items.push_back(api_key_listing(k));
  }
  return {{"keys", std::move(items)}};
}

}  // namespace router::config
