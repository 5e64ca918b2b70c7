#pragma once

// The provider health check: one call to the upstream's model list. `router test`, `provider
// test`, `model sync` and POST /v1/providers/{id}/test all read the answer the same way, and the
// CLI's --json and the admin API print the same document for it.
#include <cstdint>
#include <optional>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.hpp"
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

}  // namespace router::server
