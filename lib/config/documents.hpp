#pragma once

#include <boost/json/object.hpp>

#include "db/config_types.hpp"

namespace router::config {

struct Mutation;
struct Switch;
struct CreatedKey;
struct Rotation;
struct LegacyImport;

// The JSON documents of the configuration: `--json` prints them and the admin API returns the same
// shapes. docs/cli.md documents every field; change them only compatibly.

// --- entity documents: what revisions record (timestamps excluded) ----------------------------------
[[nodiscard]] boost::json::object provider_entity(const db::Provider& p);
[[nodiscard]] boost::json::object model_entity(const db::Model& m);
[[nodiscard]] boost::json::object link_entity(const db::ModelLink& l);
[[nodiscard]] boost::json::object setting_entity(const db::Setting& s);
/// Carries "hash" so a revert can restore the key; public_document() strips it from output.
[[nodiscard]] boost::json::object api_key_entity(const db::ApiKey& k);

// --- read documents -----------------------------------------------------------------------------------
[[nodiscard]] boost::json::object api_key_listing(const db::ApiKey& k);  ///< never the hash
[[nodiscard]] boost::json::object revision_summary(const db::Revision& r);
[[nodiscard]] boost::json::object provider_types_document();
[[nodiscard]] boost::json::object settings_schema_document();

// --- mutation results -----------------------------------------------------------------------------------
[[nodiscard]] boost::json::object outcome_document(const Mutation& o);
[[nodiscard]] boost::json::object switch_document(const Switch& s);
/// The only document that carries a secret: the new key, shown once.
[[nodiscard]] boost::json::object created_key_document(const CreatedKey& k);
[[nodiscard]] boost::json::object rotation_document(const Rotation& r);
[[nodiscard]] boost::json::object import_document(const Mutation& o, const LegacyImport& plan);

}  // namespace router::config
