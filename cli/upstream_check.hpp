#pragma once

// Shared by `test`, `provider test` and `model sync`: a configured provider's instance and one
// call to its model list (also its health check).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "routing/snapshot.hpp"
#include "server/health_check.hpp"

namespace router::cli {

class Context;

/// A provider from the current configuration, with the instance built as `router serve` builds it.
struct ConfiguredProvider {
  routing::SnapshotPtr snapshot;        ///< keeps `entry` alive
  const routing::ProviderEntry* entry;  ///< never null
};

/// The provider `id`, or the active one when `id` is empty. kNotFound (with "did you mean") for
/// an unknown id, kInvalidArgument when no id is given and no provider is active.
[[nodiscard]] ConfiguredProvider configured_provider(Context& ctx, const std::string& id);

/// Lists the provider's upstream models (server::fetch_models, as the server asks). Never throws
/// for upstream trouble: it is reported in the result. A provider that cannot be built
/// (entry.problem) gets a kUnavailable error. (`router test` runs server::check_health instead.)
[[nodiscard]] server::ModelsAnswer check_models(const routing::ProviderEntry& entry);

}  // namespace router::cli
