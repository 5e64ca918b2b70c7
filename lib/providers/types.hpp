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

/// A header the provider sends itself from a credential key (apiKey → Authorization). The
/// `headers` key may not set it while that key has a value: two competing credentials.
struct CredentialHeader {
  std::string_view key;
  std::string_view header;
};

/// A provider type: its name, what it is, and its config schema. The one table that
/// `provider add` validates against, `provider types` prints and the admin API checks.
struct ProviderType {
  std::string_view name;
  std::string_view description;
  std::span<const ConfigKey> keys;
  std::span<const CredentialHeader> credential_headers;
};

[[nodiscard]] std::span<const ProviderType> provider_types();
/// nullptr when unknown.
[[nodiscard]] const ProviderType* find_type(std::string_view name) noexcept;
/// find_type or kInvalidArgument "unknown provider type 'x' (did you mean ...)".
[[nodiscard]] const ProviderType& require_type(std::string_view name);
/// nullptr when the type has no such key.
[[nodiscard]] const ConfigKey* find_key(const ProviderType& type, std::string_view key) noexcept;
/// The declaration of a key name in any type (a name means the same in every type that has it),
/// for documents that carry only the key name; nullptr when no type declares it.
[[nodiscard]] const ConfigKey* find_key_in_any_type(std::string_view key) noexcept;
/// find_key or kInvalidArgument naming the type's keys with a "did you mean".
[[nodiscard]] const ConfigKey& require_key(const ProviderType& type, std::string_view key);

[[nodiscard]] std::string_view type_name(ValueType t) noexcept;

/// Converts CLI text to the key's JSON type. Throws kInvalidArgument naming the key.
[[nodiscard]] boost::json::value coerce(const ConfigKey& key, std::string_view text);
/// Checks a JSON value against the key's type. Throws kInvalidArgument naming the key.
/// Credentials (sensitive strings) and `headers` go into request heads: NUL, CR and LF are
/// refused, and so are the header names the HTTP layer owns (Host, Content-Length,
/// Transfer-Encoding, Connection).
void check_value(const ConfigKey& key, const boost::json::value& value);
/// Refuses (kInvalidArgument, param "headers") a `headers` value naming a header that a set
/// credential key already sends (`config` holds the provider's keys; only presence and the
/// `headers` object matter).
void check_credential_headers(const ProviderType& type, const boost::json::object& config);

/// A sensitive value as the text that is sealed: strings as they are, objects as JSON.
[[nodiscard]] std::string secret_text(const boost::json::value& value);
/// The inverse of secret_text for the key's type. Throws kUnavailable when an object's text
/// is not a JSON object.
[[nodiscard]] boost::json::value secret_value(const ConfigKey& key, std::string_view text);
/// The display form of a sensitive value: strings masked (core::mask_secret), objects with
/// their names kept and every value masked.
[[nodiscard]] boost::json::value mask_value(const boost::json::value& value);

}  // namespace router::providers
