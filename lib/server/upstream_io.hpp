#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "http/upstream.hpp"
#include "http/wire.hpp"
#include "providers/provider.hpp"

namespace router::server {

/// The pool key and TLS settings of a provider's base URL.
[[nodiscard]] http::Origin origin_of(const providers::Provider& provider);
/// The HTTP/1.1 message for an upstream request (Host, User-Agent, Content-Length added).
[[nodiscard]] http::WireMessage make_wire(const providers::Provider& provider, providers::UpstreamRequest&& request);
/// What an I/O failure means for the client: kUpstreamTimeout for deadlines, else kUpstreamFailed,
/// with a short human description ("connection refused").
[[nodiscard]] std::pair<core::ErrorCode, std::string> describe_io_error(const boost::beast::error_code& ec);
/// True for failures that a stale keep-alive connection produces before any response byte.
[[nodiscard]] bool stale_connection_error(const boost::beast::error_code& ec) noexcept;

/// The complete answer to one upstream request.
struct FetchResult {
  std::optional<core::Error> error;  ///< set when no complete answer arrived
  int status = 0;
  std::string content_type;
  std::string retry_after;
  std::string body;
};

/// One upstream request whose answer is read completely (model lists, health checks, setup
/// steps): takes a pooled connection or opens one, retries once on a stale keep-alive
/// connection, bounds the answer's size and time, and returns the connection to the pool.
/// `done` runs on the pool's thread.
void fetch(http::UpstreamPool& pool, const providers::Provider& provider, providers::UpstreamRequest request,
           std::size_t max_body, std::function<void(FetchResult&&)> done);

/// fetch() for the CLI: runs its own event loop until the answer is in.
[[nodiscard]] FetchResult fetch_blocking(const providers::Provider& provider, providers::UpstreamRequest request,
                                         std::size_t max_body);

}  // namespace router::server
