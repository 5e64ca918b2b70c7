#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/optional/optional.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "http/types.hpp"

namespace router::http {

// Limits every upstream answer is read under, whoever reads it (DESIGN.md §9). Body limits are
// the caller's (they depend on what is asked); the SSE parser bounds each event of a stream.
/// The status line and header fields.
inline constexpr std::uint32_t kMaxUpstreamHead = 64 * 1024;
/// Bytes read from the socket and not yet parsed. Beast parses a chunk line (extensions
/// included) and the trailer section only once they are complete, and sets no limit on either:
/// capping the connection's buffer bounds both (and the head; the parser then fails with
/// buffer_overflow).
inline constexpr std::size_t kMaxUpstreamPending = 64 * 1024;
/// Interim 1xx replies skipped before the final one; more is an upstream that never answers.
inline constexpr int kMaxInterimReplies = 8;

/// Why an upstream answer was refused, beyond Beast's own parse errors.
enum class UpstreamError {
  kSwitchingProtocols = 1,  ///< 101: the router never asks to upgrade
  kTooManyInterim,          ///< more than kMaxInterimReplies 1xx replies
};
[[nodiscard]] const boost::system::error_category& upstream_category() noexcept;
[[nodiscard]] inline boost::system::error_code make_error_code(UpstreamError e) noexcept {
  return {static_cast<int>(e), upstream_category()};
}

}  // namespace router::http

template <>
struct boost::system::is_error_code_enum<router::http::UpstreamError> : std::true_type {};

namespace router::http {

/// Where upstream requests go. `verify` = false only for insecureSkipVerify.
struct Origin {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  bool verify = true;

  [[nodiscard]] std::string key() const;  ///< pool key
};

/// TLS client contexts shared by every worker (an SSL_CTX is thread-safe once configured):
/// one verifying against the system CA store, one that skips verification.
class TlsContexts {
 public:
  TlsContexts();
  /// The context for `o`. The system CA store is loaded on the first verifying use: parsing it
  /// costs tens of milliseconds that a server without HTTPS upstreams should not pay at start.
  [[nodiscard]] net::ssl::context& for_origin(const Origin& o);

 private:
  net::ssl::context verify_;
  net::ssl::context insecure_;
  std::once_flag ca_loaded_;
};

/// One connection to an upstream, plain or TLS. Owned by exactly one user at a time (a proxy
/// call or the idle pool); every operation runs on the worker's io_context thread.
class UpstreamConnection {
 public:
  using Tls = beast::ssl_stream<TcpStream>;

  UpstreamConnection(TcpStream&& plain, Origin origin);
  UpstreamConnection(std::unique_ptr<Tls> tls, Origin origin);

  [[nodiscard]] const Origin& origin() const noexcept { return origin_; }
  [[nodiscard]] TcpStream& tcp() noexcept;
  /// Bytes already read from the socket and not yet parsed (belongs to the connection).
  [[nodiscard]] beast::flat_buffer& buffer() noexcept { return buffer_; }
  /// Applies to the operations started next (Beast tcp_stream semantics).
  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void expires_never() { tcp().expires_never(); }
  /// Aborts pending operations (they complete with operation_aborted) and closes the socket.
  void close() noexcept;
  /// False if the peer closed or sent unexpected bytes while the connection sat idle.
  [[nodiscard]] bool idle_alive() noexcept;

  /// Set when the connection came from the pool: a failure before any response byte may be a
  /// stale keep-alive connection, worth one retry on a fresh one.
  bool reused = false;
  std::chrono::steady_clock::time_point idle_since{};

  /// Writes an already serialised message (see http/wire.hpp); `buffers` must outlive the write.
  template <typename Buffers, typename Handler>
  void async_write(const Buffers& buffers, Handler&& handler) {
    std::visit([&](auto& s) { net::async_write(deref(s), buffers, std::forward<Handler>(handler)); }, stream_);
  }
  template <typename Parser, typename Handler>
  void async_read_header(Parser& parser, Handler&& handler) {
    std::visit([&](auto& s) { beast::http::async_read_header(deref(s), buffer_, parser, std::forward<Handler>(handler)); },
               stream_);
  }
  template <typename Parser, typename Handler>
  void async_read(Parser& parser, Handler&& handler) {
    std::visit([&](auto& s) { beast::http::async_read(deref(s), buffer_, parser, std::forward<Handler>(handler)); }, stream_);
  }
  template <typename Parser, typename Handler>
  void async_read_some(Parser& parser, Handler&& handler) {
    std::visit([&](auto& s) { beast::http::async_read_some(deref(s), buffer_, parser, std::forward<Handler>(handler)); },
               stream_);
  }

 private:
  static TcpStream& deref(TcpStream& s) { return s; }
  static Tls& deref(std::unique_ptr<Tls>& s) { return *s; }

  std::variant<TcpStream, std::unique_ptr<Tls>> stream_;
  Origin origin_;
  beast::flat_buffer buffer_{kMaxUpstreamPending};
};

using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection>;

/// The rule for a head just parsed, the `interim`-th before it being interim: true when it is an
/// interim 1xx reply to skip; false for the final head, or with `ec` set for a 101 or one
/// interim reply too many.
[[nodiscard]] bool skip_interim(unsigned status, int interim, beast::error_code& ec) noexcept;
/// The pool-return rule (UpstreamPool::release): `last` read a final answer completely that
/// allows keep-alive, and nothing follows it in `pending`.
[[nodiscard]] bool reusable(const beast::http::basic_parser<false>& last, const beast::flat_buffer& pending) noexcept;
/// A parser for an upstream answer's head: the head limit, and `body_limit` (Beast checks it
/// against a Content-Length in the head).
template <typename Body>
void prepare_parser(std::optional<beast::http::response_parser<Body>>& parser, boost::optional<std::uint64_t> body_limit) {
  parser.emplace();
  parser->header_limit(kMaxUpstreamHead);
  parser->body_limit(body_limit);
}

/// Reads the head of the final answer on `conn` into `parser`, emplaced anew for each head read
/// with the head limit and `body_limit` (which Beast checks against a Content-Length). Interim
/// 1xx replies are skipped as RFC 9110 §15.2 requires of a client: relaying one as final would
/// leave the real answer in the buffer for the next request. 101 and more than
/// kMaxInterimReplies interim replies are errors (UpstreamError). Both upstream clients (fetch()
/// and the proxy) read heads through this.
template <typename Body, typename Handler>
void async_read_final_head(UpstreamConnection& conn, std::optional<beast::http::response_parser<Body>>& parser,
                           boost::optional<std::uint64_t> body_limit, Handler&& handler, int interim = 0) {
  prepare_parser(parser, body_limit);
  conn.async_read_header(*parser, [&conn, &parser, body_limit, interim,
                                   handler = std::decay_t<Handler>(std::forward<Handler>(handler))](
                                      beast::error_code ec, std::size_t n) mutable {
    if (!ec && skip_interim(parser->get().result_int(), interim, ec)) {
      return async_read_final_head(conn, parser, body_limit, std::move(handler), interim + 1);
    }
    handler(ec, n);
  });
}
using ConnectHandler = std::function<void(beast::error_code, UpstreamConnectionPtr)>;

/// Per-worker keep-alive pool plus connection establishment (resolve, connect, TLS handshake
/// with SNI and certificate verification), each step bounded by `timeout`. Not thread-safe: one
/// pool per worker thread, so the hot path takes no lock.
class UpstreamPool {
 public:
  UpstreamPool(net::io_context& ioc, TlsContexts& tls);

  /// An idle, still-open connection to `origin`, or nullptr.
  [[nodiscard]] UpstreamConnectionPtr take(const Origin& origin);
  /// Returns `conn` to the pool if `last`, the parser of the answer just read on it, ended
  /// cleanly: a final answer read completely, keep-alive, and no byte after it in the buffer (a
  /// byte left there would be read as the next request's answer). Otherwise closes it. The one
  /// rule every upstream client returns connections by.
  void release(UpstreamConnectionPtr conn, const beast::http::basic_parser<false>& last);
  /// Returns a connection whose last response was read completely and allows keep-alive; closes
  /// it instead if bytes are left in its buffer.
  void put(UpstreamConnectionPtr conn);
  /// Opens a new connection; `done` runs on this worker's thread.
  void connect(const Origin& origin, std::chrono::milliseconds timeout, ConnectHandler done);
  /// The worker's event loop, which every connection and completion of this pool runs on.
  [[nodiscard]] net::io_context& context() noexcept { return ioc_; }
  /// Idle connections held; safe to read from any thread (metrics).
  [[nodiscard]] std::size_t idle_count() const noexcept { return idle_count_.load(std::memory_order_relaxed); }
  /// Closes idle connections that outlived kMaxIdle or that the peer closed, so sockets to an
  /// origin no longer used do not linger until the next request to it. The worker runs this
  /// every kSweepInterval.
  void sweep() noexcept;
  /// Drops every idle connection (shutdown).
  void clear() noexcept;

  static constexpr std::size_t kMaxIdlePerOrigin = 256;
  static constexpr std::chrono::seconds kMaxIdle{50};  // below common 60-65 s server keep-alives
  static constexpr std::chrono::seconds kSweepInterval{10};

 private:
  net::io_context& ioc_;
  TlsContexts& tls_;
  std::unordered_map<std::string, std::vector<UpstreamConnectionPtr>> idle_;
  std::atomic<std::size_t> idle_count_{0};
};

}  // namespace router::http
