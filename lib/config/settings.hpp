#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "db/config_types.hpp"

namespace router::config {

enum class SettingType {
  kString,
  kInteger,      ///< within [min, max]
  kBoolean,
  kEnum,         ///< one of `choices`
  kDurationMs,   ///< stored as milliseconds; text accepts "30s", "10m"
  kSize,         ///< stored as bytes; text accepts "8MiB", "64k"
  kListen,       ///< "host:port" (IPv6 as "[::1]:3001")
  kStatusList,   ///< HTTP statuses or classes: ["408", "429", "5xx"]; text "408,429,5xx"
  kProviderRef,  ///< a provider id or null; existence is checked by the service
  kNameGlobs,    ///< environment variable name globs ('*', '?'): ["*_TOKEN"]; text "*_TOKEN,*_SECRET"
};

/// A setting declared in code (DESIGN.md §8): the only keys the settings table may hold.
struct SettingDecl {
  std::string_view key;
  SettingType type;
  std::string_view fallback;  ///< default as JSON text
  std::string_view description;
  std::int64_t min = 0;
  std::int64_t max = INT64_MAX;
  std::span<const std::string_view> choices = {};
  bool restart = false;  ///< read once when `router serve` starts: a change waits for a restart
};

[[nodiscard]] std::span<const SettingDecl> setting_decls();
[[nodiscard]] const SettingDecl* find_setting(std::string_view key) noexcept;
/// find_setting or `code` (kInvalidArgument; the admin API's /v1/settings/{key} uses kNotFound)
/// "unknown setting 'x' (did you mean 'y'?)".
[[nodiscard]] const SettingDecl& require_setting(std::string_view key,
                                                 core::ErrorCode code = core::ErrorCode::kInvalidArgument);
[[nodiscard]] std::string_view type_name(SettingType t) noexcept;

/// CLI text → the setting's JSON value. Throws kInvalidArgument naming the key.
[[nodiscard]] boost::json::value parse_setting(const SettingDecl& decl, std::string_view text);
/// Checks (and normalises: "30s" → 30000) a JSON value from the API. Throws kInvalidArgument.
[[nodiscard]] boost::json::value check_setting(const SettingDecl& decl, const boost::json::value& value);
/// Human form: durations "10m", sizes "8 MiB", lists "408,429,5xx", null "(none)".
[[nodiscard]] std::string format_setting(const SettingDecl& decl, const boost::json::value& value);

/// logging.bodies: full bodies, metadata only (no bodies), or off (no request rows at all).
enum class BodyLogging : std::uint8_t { kFull, kMetadata, kOff };

/// log.requests: which requests get an access-log line on stderr.
enum class RequestLines : std::uint8_t { kOff, kErrors, kAll };

/// The effective value of every declared setting: stored rows over defaults. Immutable.
class Settings {
 public:
  Settings();  ///< all defaults
  /// Rows with unknown keys or invalid values are skipped (the defaults stay) and reported.
  explicit Settings(const std::vector<db::Setting>& rows, std::vector<std::string>* problems = nullptr);

  [[nodiscard]] const boost::json::value& value(std::string_view key) const;
  [[nodiscard]] bool is_default(std::string_view key) const;
  [[nodiscard]] std::int64_t integer(std::string_view key) const;  ///< integer, duration, size
  [[nodiscard]] bool boolean(std::string_view key) const;
  [[nodiscard]] std::string string(std::string_view key) const;  ///< "" for null
  /// routing.retry_on as a predicate.
  [[nodiscard]] bool retry_on(int status) const;
  [[nodiscard]] BodyLogging body_logging() const;
  /// secrets.env_allow: the globs env: references must match (secrets::env_ref_refusal).
  [[nodiscard]] std::vector<std::string> env_allow() const;
  [[nodiscard]] RequestLines request_lines() const;

 private:
  std::map<std::string, boost::json::value, std::less<>> values_;
  std::map<std::string, bool, std::less<>> explicit_;
};

/// "host:port" split; throws kInvalidArgument.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
[[nodiscard]] ListenAddress parse_listen(std::string_view text);

}  // namespace router::config
