#pragma once

// The provider health check: one call to the upstream's model list. `router test`, `provider
// test`, `model sync` and POST /v1/providers/{id}/test all read the answer the same way, and the
// CLI's --json and the admin API print the same document for it.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "http/upstream.hpp"
#include "providers/provider.hpp"
#include "routing/snapshot.hpp"
#include "server/upstream_io.hpp"

namespace router::server {

/// An upstream's answer to its model list request.
struct ModelsAnswer {
  std::optional<core::Error> error;  ///< no usable list: I/O failure, non-2xx status, unparsable body
  int status = 0;                    ///< the upstream's HTTP status; 0 when no answer arrived
  std::int64_t latency_us = 0;       ///< from sending to the complete answer (or the failure)
  std::vector<providers::UpstreamModel> models;
};

/// Reads the reply to `p`'s model list request: the list, or the provider's own account of the
/// failure (an expired credential, a WAF page, ...).
[[nodiscard]] ModelsAnswer models_answer(const providers::Provider& p, FetchResult&& r, std::int64_t latency_us);

/// The health-check document: provider, type, enabled, base_url, healthy, status, latency_ms,
/// model_count, models (the first 20), error, warnings. `answer` is null when the provider could
/// not be built (entry.problem says why): unhealthy, not a failed call.
[[nodiscard]] boost::json::object health_document(const routing::ProviderEntry& entry, const ModelsAnswer* answer,
                                                  std::int64_t now_ms);

/// Asks the provider for its model list (bounded in size and time) and reads the answer with
/// models_answer(): GET /v1/models?provider=, the health check and `model sync`. `done` runs on
/// the pool's thread and must not throw.
void fetch_models(http::UpstreamPool& pool, const providers::ProviderPtr& impl, std::function<void(ModelsAnswer&&)> done);
/// fetch_models() on a private event loop, for the CLI.
[[nodiscard]] ModelsAnswer fetch_models_blocking(const providers::ProviderPtr& impl);

/// The health check, the one `router test`, `router provider test` and POST
/// /v1/providers/{id}/test run: one call to the model list (none when the provider cannot be
/// built), answered as health_document(). `entry` must outlive the call; `done` runs on the
/// pool's thread (at once for a provider that cannot be built).
void check_health(http::UpstreamPool& pool, const routing::ProviderEntry& entry,
                  std::function<void(boost::json::object&&)> done);
/// check_health() on a private event loop, for the CLI.
[[nodiscard]] boost::json::object check_health_blocking(const routing::ProviderEntry& entry);

}  // namespace router::server
