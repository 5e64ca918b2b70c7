#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "secrets/secrets.hpp"

namespace router::db {
class Database;
}

namespace router::config {

class MasterKeyAccess;
struct LegacyImport;

namespace detail {
class Tx;
}

/// "12" or "r12" → 12. Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_revision(std::string_view text);

/// Where a mutation came from (config_revisions.source).
enum class Source : std::uint8_t { kCli, kApi, kMigrate, kSystem };
[[nodiscard]] std::string_view source_name(Source s) noexcept;

/// Who changes the configuration, and why. Recorded on the revision.
struct Actor {
  std::string name;
  Source source = Source::kCli;
  std::string message;  ///< empty: the service writes a summary of the mutation
};

/// Apply a mutation, or run it to the end and roll it back (the changes it would make).
enum class Mode : std::uint8_t { kApply, kDryRun };

/// One provider config value as it arrives: CLI text is coerced to the key's type, API JSON must
/// already have it. kPlain refuses sensitive keys and kSecret refuses the others (the CLI's --set
/// and --secret); kAuto (the API) seals whatever the schema marks sensitive. A secret is either
/// the plaintext or an "env:NAME" reference.
struct ConfigInput {
  enum class Kind : std::uint8_t { kPlain, kSecret, kAuto };
  std::string key;
  Kind kind = Kind::kAuto;
  std::optional<std::string> text;  ///< CLI text; when unset, `json` is the value
  boost::json::value json;

  [[nodiscard]] static ConfigInput plain(std::string key, std::string text);
  [[nodiscard]] static ConfigInput secret(std::string key, std::string text);
  [[nodiscard]] static ConfigInput from_json(std::string key, boost::json::value value);
};

struct NewProvider {
  std::string id;
  std::string type;
  std::optional<std::string> name;  ///< defaults to the id
  std::int64_t priority = 0;
  std::string description;
  bool enabled = true;
  std::vector<ConfigInput> config;
};

/// Only the fields that are set change.
struct ProviderEdit {
  std::optional<std::string> name;
  std::optional<std::int64_t> priority;
  std::optional<std::string> description;
  std::optional<bool> enabled;  ///< disabling the active provider is kConflict
  std::vector<ConfigInput> config;
  std::vector<std::string> unset;  ///< config keys to remove (back to the type's default)
};

struct NewModel {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> capabilities;
};

struct LinkOptions {
  bool make_default = false;
  std::optional<std::string> upstream_model;  ///< unset: keep the link's current one (new: none)
};

/// A model as an upstream lists it, for sync_models().
struct UpstreamModelInfo {
  std::string id;
  std::string name;         ///< "" → the id
  std::string description;
  std::vector<std::string> capabilities;
};

struct SyncOptions {
  bool prune = false;  ///< also unlink the provider's models the upstream no longer lists
};

struct ProviderFilter {
  std::optional<std::string> type;
  std::optional<bool> enabled;
};

struct ModelFilter {
  std::optional<std::string> provider;
  std::optional<std::string> capability;
  std::optional<std::string> id;  ///< only this model (kNotFound when unknown)
};

/// One recorded change, safe to print: secrets masked, "sealed" and "hash" stripped.
struct ChangeRecord {
  std::string entity;  ///< provider | provider_config | model | provider_model | setting | api_key
  std::string key;
  std::string op;  ///< create | update | delete
  std::optional<boost::json::object> before;
  std::optional<boost::json::object> after;
};

/// What a mutation did (or, in kDryRun, would do).
struct Mutation {
  std::optional<std::int64_t> revision;  ///< nullopt: nothing changed (or a dry run)
  bool dry_run = false;
  std::vector<ChangeRecord> changes;

  [[nodiscard]] bool changed() const noexcept { return !changes.empty(); }
};

struct Switch {
  std::optional<std::string> from;
  std::string to;
  Mutation outcome;
};

/// A new API key: `key` is the only copy of the secret and is never stored.
struct CreatedKey {
  std::string name;
  std::string scope;
  std::string key;
  std::string prefix;
  Mutation outcome;
};

struct Rotation {
  bool rotated = false;  ///< false: no master key existed, so there was nothing to rotate
  std::string old_fingerprint;
  std::string new_fingerprint;
  std::size_t configs_resealed = 0;
  std::size_t history_resealed = 0;  ///< sealed values inside recorded revisions
  bool from_env = false;             ///< the key lives in ROUTER_MASTER_KEY: the user must switch it
};

/// The one implementation of every validated configuration mutation and read, shared by the CLI
/// and the admin API. Every mutation is one db.write() transaction holding the change and exactly
/// one revision (config_revisions + config_changes); a mutation that changes nothing writes no
/// revision. Errors are core::Error: kInvalidArgument (bad input), kNotFound (unknown ids, with
/// "did you mean"), kConflict (state forbids it), kUnavailable (database or master key).
/// Not thread-safe: one service per connection.
class ConfigService {
 public:
  /// `config_db` must outlive the service. `keys` locates the master key.
  ConfigService(db::Database& config_db, secrets::KeyStore keys);
  ~ConfigService();
  ConfigService(const ConfigService&) = delete;
  ConfigService& operator=(const ConfigService&) = delete;

  // --- providers ---------------------------------------------------------------------------------
  Mutation add_provider(const NewProvider& p, const Actor& actor);
  Mutation edit_provider(std::string_view id, const ProviderEdit& edit, const Actor& actor);
  /// Records the deletes of the provider's configs and links first. kConflict for the active one.
  Mutation remove_provider(std::string_view id, const Actor& actor, Mode mode = Mode::kApply);
  /// Disabling the active provider is kConflict.
  Mutation set_provider_enabled(std::string_view id, bool enabled, const Actor& actor);
  /// Replaces everything about the existing provider `p.id` (the admin API's PUT): fields keep
  /// NewProvider's defaults when not given, and stored config keys that `p.config` lacks are
  /// removed. The type may change. kNotFound for an unknown provider.
  Mutation replace_provider(const NewProvider& p, const Actor& actor);
  /// Replaces the provider's whole stored config: keys not in `config` are removed.
  Mutation replace_provider_config(std::string_view id, const std::vector<ConfigInput>& config, const Actor& actor);
  /// Removes one stored config value (the type's default applies again). kInvalidArgument for a
  /// key the type does not declare or requires, kNotFound when the key has no stored value.
  Mutation unset_provider_config(std::string_view id, std::string_view key, const Actor& actor);
  /// kNotFound for an unknown provider, kConflict for a disabled one.
  Switch set_active_provider(std::string_view id, const Actor& actor);

  // --- models --------------------------------------------------------------------------------------
  Mutation add_model(const NewModel& m, const Actor& actor);
  /// Replaces the existing model's name, description and capabilities. kNotFound when unknown.
  Mutation replace_model(const NewModel& m, const Actor& actor);
  /// Records the deletes of the model's links first.
  Mutation remove_model(std::string_view id, const Actor& actor, Mode mode = Mode::kApply);
  /// Creates the model when it does not exist; --default clears the provider's old default.
  Mutation link_model(std::string_view provider, std::string_view model, const LinkOptions& options,
                     const Actor& actor);
  Mutation unlink_model(std::string_view provider, std::string_view model, const Actor& actor);
  Mutation set_default_model(std::string_view provider, std::string_view model, const Actor& actor);
  /// Imports a provider's upstream models as one revision: creates the models that do not exist
  /// (name, description and capabilities from the upstream, cleaned to fit the rules) and links
  /// each to the provider; existing models and links are left as they are. Ids that are not valid
  /// model ids are skipped. kNotFound for an unknown provider.
  Mutation sync_models(std::string_view provider, const std::vector<UpstreamModelInfo>& models,
                      const SyncOptions& options, const Actor& actor, Mode mode = Mode::kApply);

  // --- settings ------------------------------------------------------------------------------------
  Mutation set_setting(std::string_view key, std::string_view text, const Actor& actor);  ///< CLI text
  Mutation put_setting(std::string_view key, const boost::json::value& value, const Actor& actor);  ///< API JSON
  Mutation unset_setting(std::string_view key, const Actor& actor);
  /// Sets several settings in one revision, in order; a null value unsets (back to the default).
  /// Every key and value is validated before anything changes: all apply or none.
  Mutation put_settings(const std::vector<std::pair<std::string, boost::json::value>>& values, const Actor& actor);

  // --- API keys ------------------------------------------------------------------------------------
  CreatedKey create_api_key(std::string_view name, bool admin, const Actor& actor);
  Mutation revoke_api_key(std::string_view name, const Actor& actor);

  // --- history -------------------------------------------------------------------------------------
  /// A new revision applying each change's `before` in reverse order. kConflict naming the later
  /// revision when an entity no longer matches what `rev` left, or when the result would be invalid.
  Mutation revert(std::int64_t rev, const Actor& actor);

  // --- secrets and import --------------------------------------------------------------------------
  /// Re-seals every secret (configs and recorded revisions) under a new key in one transaction.
  /// `new_key_base64` is required when the key comes from ROUTER_MASTER_KEY.
  Rotation rotate_master_key(const std::optional<std::string>& new_key_base64);
  /// The legacy .env import as one revision (source migrate); idempotent.
  Mutation import_legacy(const LegacyImport& plan, const Actor& actor, Mode mode);
  /// The key secrets are sealed under (finishing an interrupted rotation), nullopt when none was
  /// ever needed. kUnavailable naming the affected providers when it is missing or wrong.
  [[nodiscard]] std::optional<secrets::MasterKey> master_key();

  // --- reads: the documents --json prints and the admin API returns (docs/cli.md) -----------------
  [[nodiscard]] boost::json::object providers_document(const ProviderFilter& filter);
  /// `reveal` unseals secrets (kUnavailable when the master key is missing or wrong).
  [[nodiscard]] boost::json::object provider_document(std::string_view id, bool reveal);
  [[nodiscard]] boost::json::object models_document(const ModelFilter& filter);
  /// One item of models_document(); kNotFound for an unknown model.
  [[nodiscard]] boost::json::object model_document(std::string_view id);
  [[nodiscard]] boost::json::object settings_document();
  [[nodiscard]] boost::json::object setting_document(std::string_view key);
  /// Newest first; `before` starts below that revision (paging).
  [[nodiscard]] boost::json::object revisions_document(std::int64_t limit,
                                                       std::optional<std::int64_t> before = std::nullopt);
  [[nodiscard]] boost::json::object revision_document(std::int64_t rev);
  [[nodiscard]] boost::json::object api_keys_document();

 private:
  Mutation mutate(const Actor& actor, std::string default_message, Mode mode,
                 const std::function<void(detail::Tx&)>& fn);

  db::Database& db_;
  std::unique_ptr<MasterKeyAccess> keys_;
};

}  // namespace router::config
