#include "providers/types.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/parse.hpp"
#include "core/text.hpp"

namespace router::providers {

using core::Error;
using core::ErrorCode;

namespace {

// Keys every type shares.
#define ROUTER_COMMON_KEYS                                                                                      \
  {"headers", ValueType::kObject, false, true, "",                                                             \
   "Extra HTTP headers sent upstream (JSON object; sealed and masked like a secret)"},                          \
      {"timeout", ValueType::kDurationMs, false, false, "120000",                                              \
       "Time to the first response byte, and between stream events (30s, 2m; JSON numbers are ms)"},                \
      {"insecureSkipVerify", ValueType::kBoolean, false, false, "false",                                       \
       "Do not verify the upstream TLS certificate (unsafe; for self-signed test servers only)"}

constexpr ConfigKey kOpenAi[] = {
    {"baseURL", ValueType::kUrl, true, false, "", "API base URL including /v1, e.g. https://api.openai.com/v1"},
    {"apiKey", ValueType::kString, false, true, "", "Sent as 'Authorization: Bearer <key>'"},
    {"defaultModel", ValueType::kString, false, false, "", "Model sent when a request names none or 'default'"},
    {"streamUsage", ValueType::kBoolean, false, false, "true",
     "Ask the upstream for usage in streams (stream_options.include_usage) for the audit log"},
    {"nativeResponses", ValueType::kBoolean, false, false, "false",
     "The upstream serves /v1/responses itself: Responses requests pass through instead of being translated to chat "
     "completions"},
    ROUTER_COMMON_KEYS,
};

constexpr ConfigKey kLmStudio[] = {
    {"baseURL", ValueType::kUrl, false, false, "\"http://localhost:1234/v1\"", "LM Studio server URL including /v1"},
    {"defaultModel", ValueType::kString, false, false, "",
     "Model sent when a request names none or 'default' (provider add: the first model LM Studio lists)"},
    {"streamUsage", ValueType::kBoolean, false, false, "true",
     "Ask the upstream for usage in streams (stream_options.include_usage) for the audit log"},
    ROUTER_COMMON_KEYS,
};

constexpr ConfigKey kQwenProxy[] = {
    {"baseURL", ValueType::kUrl, false, false, "\"http://localhost:3000\"",
     "qwen-proxy service URL without /v1 (the router appends /v1)"},
    {"apiKey", ValueType::kString, false, true, "", "Sent as 'Authorization: Bearer <key>' when set"},
    {"defaultModel", ValueType::kString, false, false, "\"qwen3-max\"",
     "Model sent when a request names none or 'default'"},
    {"streamUsage", ValueType::kBoolean, false, false, "true",
     "Ask the upstream for usage in streams (stream_options.include_usage) for the audit log"},
    ROUTER_COMMON_KEYS,
};

constexpr ConfigKey kQwenDirect[] = {
    {"token", ValueType::kString, true, true, "", "bx-umidtoken value (or the JWT 'token' cookie)"},
    {"cookies", ValueType::kString, true, true, "", "The whole Cookie header of a logged-in chat.qwen.ai session"},
    {"baseURL", ValueType::kUrl, false, false, "\"https://chat.qwen.ai\"", "Qwen web API origin"},
    {"expiresAt", ValueType::kInteger, false, false, "",
     "Credential expiry (Unix seconds); derived from the JWT when unset"},
    {"sessionTtl", ValueType::kDurationMs, false, false, "86400000", "How long conversation state is kept (12h, 1d; JSON numbers are ms)"},
    {"thinking", ValueType::kBoolean, false, false, "false", "Enable the think phase (sent as reasoning_content)"},
    {"defaultModel", ValueType::kString, false, false, "\"qwen3-max\"",
     "Model sent when a request names none or 'default'"},
    ROUTER_COMMON_KEYS,
};

constexpr ConfigKey kAnthropic[] = {
    {"apiKey", ValueType::kString, true, true, "", "Sent as 'x-api-key'"},
    {"baseURL", ValueType::kUrl, false, false, "\"https://api.anthropic.com\"", "API origin (the router appends /v1/messages)"},
    {"version", ValueType::kString, false, false, "\"2023-06-01\"", "anthropic-version header"},
    {"maxTokens", ValueType::kInteger, false, false, "4096", "max_tokens when the request sets none"},
    {"defaultModel", ValueType::kString, false, false, "", "Model sent when a request names none or 'default'"},
    ROUTER_COMMON_KEYS,
};

#undef ROUTER_COMMON_KEYS

constexpr CredentialHeader kBearerApiKey[] = {{"apiKey", "Authorization"}};
constexpr CredentialHeader kAnthropicAuth[] = {{"apiKey", "x-api-key"}};
constexpr CredentialHeader kQwenDirectAuth[] = {
    {"token", "bx-umidtoken"}, {"cookies", "Cookie"}, {"cookies", "Authorization"}};

constexpr ProviderType kTypes[] = {
    {"anthropic", "Anthropic Messages API, translated to and from OpenAI chat completions", kAnthropic, kAnthropicAuth},
    {"lm-studio", "LM Studio's OpenAI-compatible server (tool definitions normalised)", kLmStudio, {}},
    {"openai", "Any OpenAI-compatible API", kOpenAi, kBearerApiKey},
    {"qwen-direct", "The chat.qwen.ai web API, translated (conversation state, XML tools)", kQwenDirect,
     kQwenDirectAuth},
    {"qwen-proxy", "A qwen-proxy service (OpenAI-compatible, base URL without /v1)", kQwenProxy, kBearerApiKey},
};

// Framing and connection headers belong to the HTTP layer; a configured one would desync the
// request (Content-Length, Transfer-Encoding) or redirect it (Host).
constexpr std::string_view kReservedHeaders[] = {"Host", "Content-Length", "Transfer-Encoding", "Connection"};

bool has_head_breaking_char(std::string_view s) { return s.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos; }

template <typename T, typename Names>
std::vector<std::string> names_of(const T& items, Names get) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.emplace_back(get(i));
  }
  return out;
}

bool is_url(std::string_view s) {
  const bool scheme = s.starts_with("http://") || s.starts_with("https://");
  const auto rest = s.substr(s.find("://") + 3);
  return scheme && !rest.empty() && rest.front() != '/' && s.size() <= 2048 &&
         std::none_of(s.begin(), s.end(), [](char c) { return c <= ' ' || c == 0x7f; });
}

}  // namespace

std::span<const ProviderType> provider_types() { return kTypes; }

const ProviderType* find_type(std::string_view name) noexcept {
  for (const auto& t : kTypes) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

const ProviderType& require_type(std::string_view name) {
  if (const auto* t = find_type(name)) {
    return *t;
  }
  const auto names = names_of(kTypes, [](const ProviderType& t) { return t.name; });
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("unknown provider type '{}'{}; types: {}", name, core::did_you_mean(name, names),
                          core::join(names, ", ")),
              "type");
}

const ConfigKey* find_key(const ProviderType& type, std::string_view key) noexcept {
  for (const auto& k : type.keys) {
    if (k.name == key) {
      return &k;
    }
  }
  return nullptr;
}

const ConfigKey* find_key_in_any_type(std::string_view key) noexcept {
  for (const auto& t : kTypes) {
    if (const auto* k = find_key(t, key)) {
      return k;
    }
  }
  return nullptr;
}

const ConfigKey& require_key(const ProviderType& type, std::string_view key) {
  if (const auto* k = find_key(type, key)) {
    return *k;
  }
  const auto names = names_of(type.keys, [](const ConfigKey& k) { return k.name; });
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("unknown config key '{}' for type '{}'{}; keys: {}", key, type.name,
                          core::did_you_mean(key, names), core::join(names, ", ")),
              std::string(key));
}

std::string_view type_name(ValueType t) noexcept {
  switch (t) {
    case ValueType::kString: return "string";
    case ValueType::kUrl: return "url";
    case ValueType::kInteger: return "integer";
    case ValueType::kDurationMs: return "duration";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kObject: return "object";
  }
  return "?";
}

boost::json::value coerce(const ConfigKey& key, std::string_view text) {
  boost::json::value v;
  switch (key.type) {
    case ValueType::kString:
    case ValueType::kUrl:
      v = boost::json::string(text);
      break;
    case ValueType::kInteger:
      v = core::parse_int(text, 0, INT64_MAX, fmt::format("value for '{}'", key.name));
      break;
    case ValueType::kDurationMs:
      v = core::parse_duration_ms(text, core::bare_number_for(key.name));
      break;
    case ValueType::kBoolean:
      if (text == "true" || text == "1" || text == "yes" || text == "on") {
        v = true;
      } else if (text == "false" || text == "0" || text == "no" || text == "off") {
        v = false;
      } else {
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("invalid value for '{}': expected true or false", key.name), std::string(key.name));
      }
      break;
    case ValueType::kObject:
      v = core::parse_json(text, fmt::format("JSON for '{}'", key.name));
      break;
  }
  check_value(key, v);
  return v;
}

void check_value(const ConfigKey& key, const boost::json::value& v) {
  auto fail = [&](std::string_view why) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid value for '{}': {}", key.name, why),
                std::string(key.name));
  };
  switch (key.type) {
    case ValueType::kString:
      if (!v.is_string()) {
        fail("expected a string");
      } else if (v.as_string().size() > 65536) {
        fail("longer than 64 KiB");
      } else if (key.sensitive && has_head_breaking_char(v.as_string())) {
        fail("a credential cannot contain NUL, CR or LF (it is sent in an HTTP header)");
      }
      break;
    case ValueType::kUrl:
      if (!v.is_string() || !is_url(v.as_string())) {
        fail("expected an http:// or https:// URL");
      }
      break;
    case ValueType::kInteger:
    case ValueType::kDurationMs:
      if (!(v.is_int64() && v.as_int64() >= 0) && !v.is_uint64()) {
        fail(key.type == ValueType::kInteger ? "expected a whole number" : "expected milliseconds (a whole number)");
      }
      break;
    case ValueType::kBoolean:
      if (!v.is_bool()) {
        fail("expected true or false");
      }
      break;
    case ValueType::kObject:
      if (!v.is_object()) {
        fail("expected a JSON object");
      } else if (key.name == "headers") {
        for (const auto& kv : v.as_object()) {
          const std::string_view name = kv.key();
          const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
          });
          if (!token) {
            fail("header names must be HTTP tokens");
          }
          if (std::any_of(std::begin(kReservedHeaders), std::end(kReservedHeaders),
                          [&](std::string_view r) { return core::iequals(r, name); })) {
            fail(fmt::format("the header '{}' is set by the router itself and cannot be configured", name));
          }
          if (!kv.value().is_string() || has_head_breaking_char(kv.value().as_string())) {
            fail("header values must be strings without NUL, CR or LF");
          }
        }
      }
      break;
  }
}

void check_credential_headers(const ProviderType& type, const boost::json::object& config) {
  const auto* headers = config.if_contains("headers");
  if (headers == nullptr || !headers->is_object()) {
    return;
  }
  for (const auto& c : type.credential_headers) {
    if (!config.contains(c.key)) {
      continue;
    }
    for (const auto& kv : headers->as_object()) {
      if (core::iequals(kv.key(), c.header)) {
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("'headers' sets '{}', which '{}' already sends for type '{}': remove one of them",
                                std::string_view(kv.key()), c.key, type.name),
                    "headers");
      }
    }
  }
}

std::string secret_text(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
}

boost::json::value secret_value(const ConfigKey& key, std::string_view text) {
  if (key.type != ValueType::kObject) {
    return boost::json::string(text);
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) {
    throw Error(ErrorCode::kUnavailable, fmt::format("the sealed value of '{}' is not a JSON object", key.name));
  }
  return v;
}

boost::json::value mask_value(const boost::json::value& value) {
  if (value.is_string()) {
    return boost::json::string(core::mask_secret(value.as_string()));
  }
  if (value.is_object()) {
    boost::json::object out;
    for (const auto& kv : value.as_object()) {
      // A header value is never a reference: "env:..." in one is literal text, so it is masked too.
      const std::string_view text = kv.value().is_string() ? std::string_view(kv.value().as_string()) : "";
      out[kv.key()] = text.starts_with("env:") ? std::string(core::mask_secret("")) : core::mask_secret(text);
    }
    return out;
  }
  return boost::json::string(core::mask_secret(""));
}

}  // namespace router::providers
