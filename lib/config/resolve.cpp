#include "config/resolve.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

boost::json::object resolve_provider_config(const providers::ProviderType& type, std::string_view provider_id,
                                            const std::vector<db::ProviderConfigValue>& stored,
                                            const std::optional<secrets::MasterKey>& key,
                                            const core::EnvLookup& env, std::span<const std::string> env_allow) {
  boost::json::object out;
  for (const auto& k : type.keys) {
    if (!k.fallback.empty()) {
      out[k.name] = boost::json::parse(k.fallback);
    }
  }
  for (const auto& v : stored) {
    const auto* decl = providers::find_key(type, v.key);
    if (decl == nullptr) {
      continue;
    }
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(v.value_json, ec);
    if (ec) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("provider '{}': stored value of '{}' is not valid JSON", provider_id, v.key));
    }
    if (v.sensitive) {
      const std::string_view text = value.is_string() ? std::string_view(value.as_string()) : std::string_view();
      if (secrets::is_env_ref(text)) {
        const auto name = text.substr(secrets::kEnvPrefix.size());
        if (const auto refusal = secrets::env_ref_refusal(name, env_allow)) {
          throw Error(ErrorCode::kUnavailable, fmt::format("provider '{}': '{}' refers to {}; set the value with "
                                                           "'router provider edit {} --secret {}=VALUE' instead",
                                                           provider_id, v.key, *refusal, provider_id, v.key));
        }
        const auto env_value = env(name);
        if (!env_value || env_value->empty()) {
          throw Error(ErrorCode::kUnavailable,
                      fmt::format("provider '{}': '{}' refers to environment variable {}, which is not set",
                                  provider_id, v.key, name));
        }
        value = boost::json::string(*env_value);
      } else if (secrets::is_sealed(text)) {
        if (!key) {
          throw Error(ErrorCode::kUnavailable,
                      fmt::format("provider '{}': '{}' is sealed but no master key is available (set "
                                  "ROUTER_MASTER_KEY or restore the key file)",
                                  provider_id, v.key));
        }
        try {
          std::string plain = secrets::unseal(*key, text);
          value = providers::secret_value(*decl, plain);
          std::fill(plain.begin(), plain.end(), '\0');
        } catch (const Error&) {
          throw Error(ErrorCode::kUnavailable,
                      fmt::format("provider '{}': '{}' does not open with the current master key (fingerprint {}): "
                                  "the key changed or the value is damaged",
                                  provider_id, v.key, key->fingerprint()));
        }
      } else {
        throw Error(ErrorCode::kUnavailable,
                    fmt::format("provider '{}': sensitive '{}' is neither sealed nor an env: reference", provider_id,
                                v.key));
      }
    }
    if (decl->sensitive) {
      // Checked again on use: a value from the environment, or one stored before these rules
      // (plain `headers`), must not put a forbidden header or a line break into a request head.
      try {
        providers::check_value(*decl, value);
      } catch (const Error& e) {
        throw Error(ErrorCode::kUnavailable, fmt::format("provider '{}': {}", provider_id, e.what()));
      }
    }
    out[v.key] = std::move(value);
  }
  try {
    providers::check_credential_headers(type, out);
  } catch (const Error& e) {
    throw Error(ErrorCode::kUnavailable, fmt::format("provider '{}': {}", provider_id, e.what()));
  }
  return out;
}

}  // namespace router::config
