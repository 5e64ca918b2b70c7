#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

namespace router::db {
class Database;
}

namespace router::config {

class MasterKeyAccess;

/// The kinds of configuration entity a revision records. Each has a JSON document (timestamps
/// excluded) that fully describes it, so a change is recorded uniformly as before/after documents
/// and a revert is "make the entity match the document again".
enum class Entity : std::uint8_t { kProvider, kProviderConfig, kModel, kProviderModel, kSetting, kApiKey };

[[nodiscard]] std::string_view entity_name(Entity e) noexcept;
/// nullopt for a name no revision uses.
[[nodiscard]] std::optional<Entity> parse_entity(std::string_view name) noexcept;
/// "provider 'x'", "config 'apiKey' of provider 'x'", ... for messages.
[[nodiscard]] std::string entity_label(Entity e, std::string_view key);
/// "provider/key" and "provider/model" keys. Provider ids are slugs, so the first '/' splits.
[[nodiscard]] std::string compound_key(std::string_view provider, std::string_view second);
[[nodiscard]] std::pair<std::string, std::string> split_key(std::string_view key);

/// Document equality for conflict checks: a sealed secret is compared by its ciphertext, never
/// by its mask (which depends on whether the master key is at hand).
[[nodiscard]] bool same_document(const std::optional<boost::json::object>& a,
                                 const std::optional<boost::json::object>& b);
/// The document without the fields no output may show ("sealed", "hash").
[[nodiscard]] boost::json::object public_document(boost::json::object doc);

/// Loads and stores entity documents through the repositories. Runs inside the caller's
/// transaction.
class EntityStore {
 public:
  EntityStore(db::Database& db, MasterKeyAccess& keys) : db_(db), keys_(keys) {}

  /// The entity's document, or nullopt when it does not exist.
  [[nodiscard]] std::optional<boost::json::object> load(Entity e, std::string_view key);
  /// Makes the database match `doc`: upsert, or delete for nullopt. Deleting a provider or model
  /// that still has configs or links is kConflict: cascades are recorded by the caller first.
  void store(Entity e, std::string_view key, const std::optional<boost::json::object>& doc);

 private:
  db::Database& db_;
  MasterKeyAccess& keys_;
};

}  // namespace router::config
