#include "config/settings.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/parse.hpp"
#include "core/text.hpp"
#include "secrets/secrets.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

constexpr std::string_view kBodies[] = {"full", "metadata", "off"};
constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kClientAuth[] = {"open", "keys"};
constexpr std::string_view kRequestLines[] = {"off", "errors", "all"};

constexpr SettingDecl kDecls[] = {
    {"active_provider", SettingType::kProviderRef, "null",
     "The provider tried first for every request (router set <provider>)"},
    {"auth.clients", SettingType::kEnum, "\"open\"",
     "Client routes (/v1/chat/completions, /v1/models, ...): open to anyone who can connect, or keys "
     "(an unrevoked key is required, even while none exists)",
     0, 0, kClientAuth},
    {"log.level", SettingType::kEnum, "\"info\"", "Server log verbosity on stderr", 0, 0, kLevels, true},
    {"log.requests", SettingType::kEnum, "\"off\"",
     "Access log: one logfmt line per request on stderr, for all requests, only errors (outcome not ok), or off",
     0, 0, kRequestLines},
    {"logging.bodies", SettingType::kEnum, "\"full\"",
     "Request/response bodies in the request log: full, metadata (no bodies) or off (no rows)", 0, 0, kBodies},
    {"logging.max_body_bytes", SettingType::kSize, "1048576",
     "Larger bodies are stored truncated and flagged", 0, 1LL << 30},
    {"logging.retention_days", SettingType::kInteger, "30",
     "Request logs older than this are pruned by the server (0 keeps them forever)", 0, 36500},
    {"logging.body_retention_days", SettingType::kInteger, "7",
     "Request and response bodies older than this are pruned by the server, their metadata rows stay until "
     "logging.retention_days (0 keeps bodies as long as their rows)",
     0, 36500},
    {"routing.breaker.cooldown", SettingType::kDurationMs, "30000",
     "How long a provider whose circuit breaker opened is skipped before one request tries it again", 1000,
     86'400'000},
    {"routing.breaker.failures", SettingType::kInteger, "3",
     "Consecutive failed attempts that open a provider's circuit breaker, per server process (0: never)", 0, 1000},
    {"routing.fallback", SettingType::kBoolean, "true",
     "Try other enabled providers linked to the model when the active one fails"},
    {"routing.max_attempts", SettingType::kInteger, "3", "Upstream attempts per request, fallbacks included", 1, 20},
    {"routing.retry_on", SettingType::kStatusList, "[\"408\",\"409\",\"429\",\"5xx\"]",
     "Upstream statuses that fail over to the next candidate (connection errors and timeouts always do)"},
    {"secrets.env_allow", SettingType::kNameGlobs, "[\"*_API_KEY\",\"*_TOKEN\",\"*_COOKIES\",\"*_SECRET\"]",
     "Environment variables an env:NAME secret may name: globs ('*' any run, '?' one character), whole name, "
     "case-sensitive; ROUTER_* is always refused; an empty list disables env: references"},
    {"server.listen", SettingType::kListen, "\"127.0.0.1:3001\"", "Address router serve listens on", 0, INT64_MAX, {}, true},
    {"server.max_body_bytes", SettingType::kSize, "8388608", "Largest accepted request body", 1024, 1LL << 30},
    {"server.max_connections", SettingType::kInteger, "4096",
     "Open client connections beyond this are answered 503 and closed at once (counted in /metrics)", 1,
     1'000'000},
    {"server.read_timeout", SettingType::kDurationMs, "30000",
     "Idle keep-alive connections close after this; a started request must arrive within it", 1000, 3'600'000},
    {"server.reject_rate", SettingType::kInteger, "5",
     "Requests refused before routing (401/403, unknown routes, 413, malformed HTTP) logged per second per client "
     "address, bursts of twice that; beyond it rows are dropped and counted in /metrics (0: none logged)",
     0, 100'000},
    {"server.request_timeout", SettingType::kDurationMs, "600000",
     "Upper bound on one client request, streams included", 1000, 86'400'000},
    {"server.threads", SettingType::kInteger, "0", "I/O threads of router serve (0: one per core)", 0, 256, {}, true},
    {"server.write_timeout", SettingType::kDurationMs, "60000",
     "A client that accepts no response bytes for this long is disconnected", 1000, 3'600'000},
};

boost::json::value fallback_of(const SettingDecl& d) { return boost::json::parse(d.fallback); }

bool valid_status_entry(std::string_view s) {
  if (s.size() != 3) {
    return false;
  }
  if (s[1] == 'x' && s[2] == 'x') {
    return s[0] == '4' || s[0] == '5';
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) && s >= "100" && s <= "599";
}

[[noreturn]] void invalid(const SettingDecl& d, std::string_view why) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid value for '{}': {}", d.key, why), std::string(d.key));
}

}  // namespace

std::span<const SettingDecl> setting_decls() { return kDecls; }

const SettingDecl* find_setting(std::string_view key) noexcept {
  for (const auto& d : kDecls) {
    if (d.key == key) {
      return &d;
    }
  }
  return nullptr;
}

const SettingDecl& require_setting(std::string_view key, ErrorCode code) {
  if (const auto* d = find_setting(key)) {
    return *d;
  }
  std::vector<std::string> names;
  for (const auto& d : kDecls) {
    names.emplace_back(d.key);
  }
  throw Error(code,
              fmt::format("unknown setting '{}'{}; see 'router config schema'", key.substr(0, 100),
                          core::did_you_mean(key, names)),
              "key");
}

std::string_view type_name(SettingType t) noexcept {
  switch (t) {
    case SettingType::kString: return "string";
    case SettingType::kInteger: return "integer";
    case SettingType::kBoolean: return "boolean";
    case SettingType::kEnum: return "enum";
    case SettingType::kDurationMs: return "duration";
    case SettingType::kSize: return "size";
    case SettingType::kListen: return "host:port";
    case SettingType::kStatusList: return "status list";
    case SettingType::kProviderRef: return "provider id";
    case SettingType::kNameGlobs: return "name patterns";
  }
  return "?";
}

ListenAddress parse_listen(std::string_view text) {
  ListenAddress a;
  std::string_view host;
  std::string_view port;
  if (text.starts_with("[")) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid listen address '{}': use host:port", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("invalid listen address '{}': use host:port (IPv6 as [::1]:3001)", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || host.size() > 253) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid listen address '{}': missing host", text));
  }
  a.host = std::string(host);
  a.port = static_cast<std::uint16_t>(core::parse_int(port, 0, 65535, "port"));
  return a;
}

boost::json::value parse_setting(const SettingDecl& d, std::string_view text) {
  switch (d.type) {
    case SettingType::kString:
    case SettingType::kEnum:
    case SettingType::kListen:
      return check_setting(d, boost::json::string(text));
    case SettingType::kProviderRef:
      if (text.empty() || text == "none" || text == "null") {
        return nullptr;
      }
      return check_setting(d, boost::json::string(text));
    case SettingType::kInteger:
      return check_setting(d, core::parse_int(text, d.min, d.max, fmt::format("value for '{}'", d.key)));
    case SettingType::kBoolean:
      if (text == "true" || text == "on" || text == "yes" || text == "1") {
        return true;
      }
      if (text == "false" || text == "off" || text == "no" || text == "0") {
        return false;
      }
      invalid(d, "expected true or false");
    case SettingType::kDurationMs:
      return check_setting(d, core::parse_duration_ms(text, core::bare_number_for(d.key)));
    case SettingType::kSize:
      return check_setting(d, core::parse_size(text, core::bare_number_for(d.key)));
    case SettingType::kStatusList:
    case SettingType::kNameGlobs: {
      boost::json::array a;
      if (d.type == SettingType::kStatusList || !core::trim(text).empty()) {
        for (const auto& part : core::split(text, ',')) {
          a.emplace_back(std::string(core::trim(part)));
        }
      }
      return check_setting(d, a);
    }
  }
  invalid(d, "unsupported type");
}

boost::json::value check_setting(const SettingDecl& d, const boost::json::value& v) {
  switch (d.type) {
    case SettingType::kString:
      if (!v.is_string()) invalid(d, "expected a string");
      return v;
    case SettingType::kProviderRef:
      if (v.is_null()) return v;
      if (!v.is_string() || !core::is_slug(v.as_string())) invalid(d, "expected a provider id or null");
      return v;
    case SettingType::kEnum: {
      if (!v.is_string()) invalid(d, "expected a string");
      const std::string_view s = v.as_string();
      if (std::find(d.choices.begin(), d.choices.end(), s) == d.choices.end()) {
        std::vector<std::string> c(d.choices.begin(), d.choices.end());
        invalid(d, fmt::format("expected one of {}", core::join(c, ", ")));
      }
      return v;
    }
    case SettingType::kListen:
      if (!v.is_string()) invalid(d, "expected \"host:port\"");
      (void)parse_listen(v.as_string());
      return v;
    case SettingType::kBoolean:
      if (!v.is_bool()) invalid(d, "expected true or false");
      return v;
    case SettingType::kInteger:
    case SettingType::kDurationMs:
    case SettingType::kSize: {
      std::int64_t n = 0;
      if (v.is_int64()) {
        n = v.as_int64();
      } else if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.as_uint64());
      } else if (v.is_string() && d.type == SettingType::kDurationMs) {
        n = core::parse_duration_ms(v.as_string(), core::bare_number_for(d.key));
      } else if (v.is_string() && d.type == SettingType::kSize) {
        n = core::parse_size(v.as_string(), core::bare_number_for(d.key));
      } else {
        invalid(d, "expected a whole number");
      }
      if (n < d.min || n > d.max) {
        invalid(d, fmt::format("must be between {} and {}", d.min, d.max));
      }
      return n;
    }
    case SettingType::kStatusList: {
      if (!v.is_array() || v.as_array().empty() || v.as_array().size() > 64) {
        invalid(d, "expected a non-empty list such as [\"429\", \"5xx\"]");
      }
      for (const auto& e : v.as_array()) {
        if (!e.is_string() || !valid_status_entry(e.as_string())) {
          invalid(d, "entries are statuses 100-599 or the classes 4xx and 5xx");
        }
      }
      return v;
    }
    case SettingType::kNameGlobs: {
      if (!v.is_array() || v.as_array().size() > 64) {
        invalid(d, "expected a list of at most 64 patterns such as [\"*_API_KEY\", \"*_TOKEN\"]");
      }
      for (const auto& e : v.as_array()) {
        if (!e.is_string() || !secrets::is_valid_env_glob(e.as_string())) {
          invalid(d, "a pattern is 1 to 128 letters, digits, '_' and the wildcards '*' and '?'");
        }
      }
      return v;
    }
  }
  invalid(d, "unsupported type");
}

std::string format_setting(const SettingDecl& d, const boost::json::value& v) {
  if (v.is_null()) {
    return "(none)";
  }
  switch (d.type) {
    case SettingType::kDurationMs:
      return v.is_int64() ? core::format_duration_ms(v.as_int64()) : boost::json::serialize(v);
    case SettingType::kSize:
      return v.is_int64() ? core::format_size(v.as_int64()) : boost::json::serialize(v);
    case SettingType::kStatusList:
    case SettingType::kNameGlobs: {
      if (v.as_array().empty()) {
        return "(none)";
      }
      std::vector<std::string> parts;
      for (const auto& e : v.as_array()) {
        parts.emplace_back(e.is_string() ? std::string(e.as_string()) : boost::json::serialize(e));
      }
      return core::join(parts, ",");
    }
    default:
      return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
  }
}

Settings::Settings() {
  for (const auto& d : kDecls) {
    values_.emplace(std::string(d.key), fallback_of(d));
  }
}

Settings::Settings(const std::vector<db::Setting>& rows, std::vector<std::string>* problems) : Settings() {
  for (const auto& row : rows) {
    const auto* d = find_setting(row.key);
    if (d == nullptr) {
      if (problems) problems->push_back(fmt::format("unknown setting '{}' ignored", row.key));
      continue;
    }
    try {
      values_[row.key] = check_setting(*d, core::parse_json(row.value_json));
      explicit_[row.key] = true;
    } catch (const Error& e) {
      if (problems) problems->push_back(fmt::format("setting '{}' ignored: {}", row.key, e.what()));
    }
  }
}

const boost::json::value& Settings::value(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) {
    throw Error(ErrorCode::kInternal, fmt::format("undeclared setting '{}' read", key));
  }
  return it->second;
}

bool Settings::is_default(std::string_view key) const { return !explicit_.contains(key); }

std::int64_t Settings::integer(std::string_view key) const { return value(key).as_int64(); }

bool Settings::boolean(std::string_view key) const { return value(key).as_bool(); }

std::string Settings::string(std::string_view key) const {
  const auto& v = value(key);
  return v.is_string() ? std::string(v.as_string()) : std::string();
}

RequestLines Settings::request_lines() const {
  const auto v = string("log.requests");
  return v == "all" ? RequestLines::kAll : v == "errors" ? RequestLines::kErrors : RequestLines::kOff;
}

BodyLogging Settings::body_logging() const {
  const auto v = string("logging.bodies");
  return v == "off" ? BodyLogging::kOff : v == "metadata" ? BodyLogging::kMetadata : BodyLogging::kFull;
}

std::vector<std::string> Settings::env_allow() const {
  std::vector<std::string> out;
  for (const auto& e : value("secrets.env_allow").as_array()) {
    out.emplace_back(e.as_string());
  }
  return out;
}

bool Settings::retry_on(int status) const {
  const std::string code = std::to_string(status);
  for (const auto& e : value("routing.retry_on").as_array()) {
    const std::string_view s = e.as_string();
    if (s == code || (s.size() == 3 && s[1] == 'x' && code.size() == 3 && s[0] == code[0])) {
      return true;
    }
  }
  return false;
}

}  // namespace router::config
