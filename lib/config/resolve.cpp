#include "config/resolve.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

boost::json::object resolve_provider_config(const providers::ProviderType& type, std::string_view provider_id,
                                            const std::vector<db::ProviderConfigValue>& stored,
                                            const std::optional<secrets::MasterKey>& key,
                                            const core::EnvLookup& env) {
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
          value = boost::json::string(secrets::unseal(*key, text));
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
    out[v.key] = std::move(value);
  }
  return out;
}

}  // namespace router::config
