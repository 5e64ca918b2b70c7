#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/upstream.hpp"
#include "http/upstream_call.hpp"
#include "http/wire.hpp"
#include "providers/provider.hpp"

namespace router::server {

// The provider side of the upstream client (http/upstream_call.hpp), which knows origins and
// bytes but not providers.

/// The pool key and TLS settings of a provider's base URL.
[[nodiscard]] http::Origin origin_of(const providers::Provider& provider);
/// The provider's connect and first-byte deadlines.
[[nodiscard]] http::UpstreamTimeouts timeouts_of(const providers::Provider& provider);
/// The HTTP/1.1 message for an upstream request (Host, User-Agent, Content-Length added).
/// Throws core::Error kUpstreamFailed for a target that could split the request line.
[[nodiscard]] http::WireMessage make_wire(const providers::Provider& provider, providers::UpstreamRequest&& request);

/// The complete answer to one upstream request of a provider.
struct FetchResult {
  std::optional<core::Error> error;  ///< set when no complete answer arrived
  int status = 0;
  std::string content_type;
  std::string retry_after;
  std::string body;  ///< the provider's credentials masked
};

/// http::fetch() for a provider's request (model lists, health checks, setup steps): failures
/// name the provider, and its credentials are masked in the body. `done` runs on the pool's
/// thread, never inside fetch().
void fetch(http::UpstreamPool& pool, const providers::Provider& provider, providers::UpstreamRequest request,
           std::size_t max_body, std::function<void(FetchResult&&)> done);
/// fetch() for the CLI: runs its own event loop until the answer is in.
[[nodiscard]] FetchResult fetch_blocking(const providers::Provider& provider, providers::UpstreamRequest request,
                                         std::size_t max_body);

}  // namespace router::server
