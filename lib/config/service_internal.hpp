#pragma once

// Shared by the service_*.cpp files only: the transaction context of one mutation and the rules
// several mutations apply (the legacy import reuses add/edit/link/set exactly).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "config/entities.hpp"
#include "config/master_key.hpp"
#include "config/service.hpp"
#include "config/settings.hpp"
#include "db/sqlite/config_repository.hpp"
#include "providers/types.hpp"

namespace router::config::detail {

struct PendingChange {
  Entity entity;
  std::string key;
  std::optional<boost::json::object> before;  ///< full documents: "sealed" and "hash" included
  std::optional<boost::json::object> after;
};

/// One mutation inside one write transaction: the repositories, and the changes recorded so far.
class Tx {
 public:
  Tx(db::Database& db, MasterKeyAccess& master_key)
      : providers(db), models(db), settings(db), revisions(db), api_keys(db), keys(master_key), entities_(db, master_key) {}

  db::ProviderRepository providers;
  db::ModelRepository models;
  db::SettingsRepository settings;
  db::RevisionRepository revisions;
  db::ApiKeyRepository api_keys;
  MasterKeyAccess& keys;

  [[nodiscard]] std::optional<boost::json::object> load(Entity e, std::string_view key) { return entities_.load(e, key); }
  /// Makes the entity match `doc` and records before/after. Touching an entity twice keeps one
  /// change (first before, last after); a change that ends where it began is dropped.
  void put(Entity e, std::string_view key, const std::optional<boost::json::object>& doc);
  [[nodiscard]] const std::vector<PendingChange>& changes() const noexcept { return changes_; }

 private:
  EntityStore entities_;
  std::vector<PendingChange> changes_;
};

/// The provider, or kNotFound with "did you mean".
[[nodiscard]] db::Provider require_provider(Tx& tx, std::string_view id);
/// The model, or kNotFound with "did you mean".
[[nodiscard]] db::Model require_model(Tx& tx, std::string_view id);
/// settings.active_provider, nullopt when unset.
[[nodiscard]] std::optional<std::string> active_provider(Tx& tx);
/// kNotFound for an unknown provider, kConflict for a disabled one.
void require_activatable(Tx& tx, std::string_view id);
/// The first required key (without a default) the provider lacks.
[[nodiscard]] std::optional<std::string> missing_required(Tx& tx, const db::Provider& p);

/// The meta key recording that the revision history holds no plain secrets any more.
inline constexpr std::string_view kPlainSecretsSealedMeta = "plain_secrets_sealed_at";

/// Seals the values stored in plain text for keys that are sensitive now but were not when they
/// were written (`headers`): the live rows at every mutation, the revision documents once per
/// database (then kPlainSecretsSealedMeta is recorded). Rewrites in place, like a key rotation,
/// without recording a change. Does nothing while the master key is missing or wrong, and needs
/// no key when there is nothing to seal.
void seal_plain_secrets(Tx& tx);
void do_add_provider(Tx& tx, const NewProvider& p);
void do_edit_provider(Tx& tx, std::string_view id, const ProviderEdit& edit);
void do_link_model(Tx& tx, std::string_view provider, std::string_view model, const LinkOptions& options);
void do_set_setting(Tx& tx, const SettingDecl& decl, const boost::json::value& value);

}  // namespace router::config::detail
