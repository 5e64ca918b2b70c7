#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"
#include "http/upstream.hpp"
#include "http/wire.hpp"

namespace router::http {

/// What an I/O failure means for the client: kUpstreamTimeout for deadlines, else kUpstreamFailed,
/// with a short human description ("connection refused").
[[nodiscard]] std::pair<core::ErrorCode, std::string> describe_io_error(const beast::error_code& ec);
/// True for failures that a stale keep-alive connection produces before any response byte.
[[nodiscard]] bool stale_connection_error(const beast::error_code& ec) noexcept;

/// The deadlines of one upstream request.
struct UpstreamTimeouts {
  std::chrono::milliseconds connect{10000};      ///< resolve, connect and TLS handshake
  std::chrono::milliseconds first_byte{120000};  ///< send to final head; each stream read; a whole body
};

/// The one upstream HTTP client (DESIGN.md §1): one request on one connection. It takes a pooled
/// connection or opens one, sends the serialised request, reads the final head (interim 1xx
/// replies skipped), and retries once on a fresh connection when a pooled keep-alive connection
/// turns out stale before any answer byte. The caller then reads the body whole (read_body) or
/// window by window (read_some), and the connection goes back to the pool by the one rule
/// (UpstreamPool::release) or is closed. Every read has a byte limit and a deadline.
///
/// Completion-handler driven on the pool's thread; a pending operation keeps the call alive.
/// close() aborts whatever is pending: it completes with an error.
class UpstreamCall final : public std::enable_shared_from_this<UpstreamCall> {
 public:
  using Done = std::function<void(beast::error_code)>;
  using ReadDone = std::function<void(beast::error_code, std::size_t)>;
  using BodyDone = std::function<void(beast::error_code, std::string&&)>;

  UpstreamCall(UpstreamPool& pool, Origin origin, UpstreamTimeouts timeouts, WireMessage&& wire);
  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  /// Connects (or takes a pooled connection), sends and reads the final head; `done` gets the
  /// first error of these steps, after the stale-connection retry.
  void start(Done done);
  /// The final head (valid after start() succeeded).
  [[nodiscard]] const beast::http::response_header<>& head() const;
  [[nodiscard]] int status() const;
  /// True when the message ended with its head (204, 304, Content-Length: 0) or its last read.
  [[nodiscard]] bool message_done() const;
  /// Reads the rest of the answer into a string of at most `limit` bytes (a Content-Length
  /// above it fails at once with body_limit), then returns the connection to the pool.
  void read_body(std::size_t limit, BodyDone done);
  /// Reads the next body bytes into `buf` (at most `size`), the read bounded by first_byte;
  /// `done` gets how many arrived. Body framing (chunks) is stripped.
  void read_some(char* buf, std::size_t size, ReadDone done);
  /// Returns the connection to the pool when the answer was read completely and cleanly, else
  /// closes it.
  void release();
  /// Closes the connection; a pending operation completes with an error.
  void close() noexcept;

 private:
  void open();
  void send();
  void on_connected(beast::error_code ec, UpstreamConnectionPtr conn);
  void on_sent(beast::error_code ec, std::size_t n);
  void on_head(beast::error_code ec, std::size_t n);
  void retry_or_fail(beast::error_code ec);
  void head_done(beast::error_code ec);

  UpstreamPool& pool_;
  Origin origin_;
  UpstreamTimeouts timeouts_;
  WireMessage wire_;
  UpstreamConnectionPtr conn_;
  std::optional<beast::http::response_parser<beast::http::buffer_body>> parser_;
  std::optional<beast::http::response_parser<beast::http::string_body>> body_parser_;
  Done on_head_;
  bool retried_ = false;
  bool closed_ = false;
};

using UpstreamCallPtr = std::shared_ptr<UpstreamCall>;

/// The complete answer to one upstream request, or why there is none.
struct FetchReply {
  beast::error_code error;  ///< set when no complete answer arrived (describe_io_error says what)
  int status = 0;
  std::string content_type;
  std::string retry_after;
  std::string body;
};

/// UpstreamCall in whole-body mode (model lists, health checks, setup steps): `done` runs on the
/// pool's thread, never inside fetch().
void fetch(UpstreamPool& pool, Origin origin, UpstreamTimeouts timeouts, WireMessage&& wire, std::size_t max_body,
           std::function<void(FetchReply&&)> done);
/// fetch() for the CLI: runs its own event loop until the answer is in.
[[nodiscard]] FetchReply fetch_blocking(const Origin& origin, UpstreamTimeouts timeouts, WireMessage&& wire,
                                        std::size_t max_body);

}  // namespace router::http
