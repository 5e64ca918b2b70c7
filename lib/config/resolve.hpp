#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/paths.hpp"
#include "db/config_types.hpp"
#include "providers/types.hpp"
#include "secrets/secrets.hpp"

namespace router::config {

/// A provider's effective configuration for use: every declared key with a default gets it,
/// stored values are parsed, sensitive values are unsealed with `key` or read from the
/// environment (env:NAME, only names `env_allow` admits: secrets::env_ref_refusal). Undeclared
/// stored keys are ignored. Throws kUnavailable naming the provider and key when a secret cannot
/// be opened (missing or wrong master key, unset or refused variable) or a stored value is not
/// valid JSON; never returns garbage.
[[nodiscard]] boost::json::object resolve_provider_config(const providers::ProviderType& type,
                                                          std::string_view provider_id,
                                                          const std::vector<db::ProviderConfigValue>& stored,
                                                          const std::optional<secrets::MasterKey>& key,
                                                          const core::EnvLookup& env,
                                                          std::span<const std::string> env_allow);

}  // namespace router::config
