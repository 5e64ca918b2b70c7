#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace router::providers {

/// The value type of one provider config key. CLI text is coerced to it (`--set timeout=30s`);
/// JSON from the admin API must already have it.
enum class ValueType {
  kString,
  kUrl,         ///< http:// or https:// URL
  kInteger,     ///< whole number >= 0
  kDurationMs,  ///< milliseconds; CLI text accepts "30s", "2m"
  kBoolean,
  kObject,      ///< JSON object (e.g. extra headers)
};

/// One declared config key of a provider type (DESIGN.md §6).
struct ConfigKey {
  std::string_view name;
  ValueType type;
  bool required;
  bool sensitive;          ///< sealed at rest, masked in every output
  std::string_view fallback;  ///< default as JSON text, "" when none
  std::string_view description;
};

/// A provider type: its name, what it is, and its config schema. The one table that
/// `provider add` validates against, `provider types` prints and the admin API checks.
struct ProviderType {
  std::string_view name;
  std::string_view description;
  std::span<const ConfigKey> keys;
};

[[nodiscard]] std::span<const ProviderType> provider_types();
/// nullptr when unknown.
[[nodiscard]] const ProviderType* find_type(std::string_view name) noexcept;
/// find_type or kInvalidArgument "unknown provider type 'x' (did you mean ...)".
[[nodiscard]] const ProviderType& require_type(std::string_view name);
/// nullptr when the type has no such key.
[[nodiscard]] const ConfigKey* find_key(const ProviderType& type, std::string_view key) noexcept;
/// find_key or kInvalidArgument naming the type's keys with a "did you mean".
[[nodiscard]] const ConfigKey& require_key(const ProviderType& type, std::string_view key);

[[nodiscard]] std::string_view type_name(ValueType t) noexcept;

/// Converts CLI text to the key's JSON type. Throws kInvalidArgument naming the key.
[[nodiscard]] boost::json::value coerce(const ConfigKey& key, std::string_view text);
/// Checks a JSON value against the key's type. Throws kInvalidArgument naming the key.
void check_value(const ConfigKey& key, const boost::json::value& value);

}  // namespace router::providers
