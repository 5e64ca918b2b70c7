#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace router::db {

// Rows of the configuration database (migrations/config). JSON columns travel as JSON text;
// lib/config parses and validates them. Timestamps are Unix milliseconds.

struct Provider {
  std::string id;  ///< slug, primary key
  std::string name;
  std::string type;
  bool enabled = true;
  std::int64_t priority = 0;
  std::string description;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ProviderConfigValue {
  std::string provider_id;
  std::string key;
  std::string value_json;  ///< sensitive values: a JSON string "enc:v1:..." or "env:NAME"
  bool sensitive = false;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct Model {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> capabilities;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ModelLink {
  std::string provider_id;
  std::string model_id;
  bool is_default = false;
  std::optional<std::string> upstream_model;  ///< nullopt: send the model id unchanged
  std::string config_json = "{}";
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct Setting {
  std::string key;
  std::string value_json;
  std::int64_t updated_at = 0;
};

struct Revision {
  std::int64_t rev = 0;
  std::int64_t at = 0;
  std::string actor;
  std::string source;  ///< cli | api | migrate | system
  std::string message;
  std::int64_t change_count = 0;  ///< filled by reads
};

struct Change {
  std::int64_t rev = 0;
  std::int64_t seq = 0;
  std::string entity;      ///< provider | provider_config | model | provider_model | setting | api_key
  std::string entity_key;  ///< "id", or "provider/key", "provider/model"
  std::string op;          ///< create | update | delete
  std::optional<std::string> before_json;
  std::optional<std::string> after_json;
};

struct ApiKey {
  std::string id;
  std::string name;
  std::string scope;   ///< admin | client
  std::string prefix;  ///< first characters of the key, for recognition
  std::string hash;    ///< hex SHA-256 of the whole key
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
  std::optional<std::int64_t> revoked_at;
};

}  // namespace router::db
