#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/count_token.hpp"
#include "http/types.hpp"
#include "http/wire.hpp"

namespace router::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

using Request = beast::http::request<beast::http::string_body>;
using Response = beast::http::response<beast::http::string_body>;
using ResponseHead = beast::http::response<beast::http::empty_body>;

class ServerSession;
using ServerSessionPtr = std::shared_ptr<ServerSession>;

/// Why a request could not be read.
enum class RejectReason { kBodyTooLarge, kHeaderTooLarge, kMalformed, kBadHost };

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host field and any request at most one,
/// whose value is a uri-host[:port] (possibly empty). False for anything else (answered 400).
[[nodiscard]] bool valid_host_fields(const beast::http::request_header<>& head);

/// Limits and deadlines of the client side. Deadlines are enforced by one lazy timer per
/// session, within a second of slack.
struct ServerLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30000};   ///< idle keep-alive, and first byte → whole request
  std::chrono::milliseconds write_timeout{60000};  ///< one response write (a client that stops reading)
};

/// What a session hands its requests to; implemented by lib/server, one per worker thread.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  /// A complete request. Must end in exactly one session->respond(), or stream_begin() …
  /// a stream write with `last`. Runs on the session's worker thread.
  virtual void handle(const ServerSessionPtr& session, Request&& request) = 0;
  /// A request that could not be read; `head` has what was parsed. Returns the error response,
  /// after which the session closes.
  virtual Response rejected(const ServerSession& session, const Request& head, RejectReason reason) = 0;
  /// A request head that asks for "100 Continue", before its body is read: returns true to let
  /// the body come, or answers (one session->respond()) and returns false, after which the
  /// session closes without reading the body. Runs on the session's worker thread.
  virtual bool admit(const ServerSessionPtr& session, const Request& head) = 0;
  /// Current limits (they follow the settings in the database), asked as each request's head
  /// starts to parse. Runs on the session's worker thread.
  [[nodiscard]] virtual ServerLimits limits() = 0;
};

/// The global cap on open client connections (setting server.max_connections), shared by the
/// listener and every worker: atomics only, no lock. The listener takes a slot for each accepted
/// connection, the session gives it back when it closes.
class ConnectionGate {
 public:
  /// One open connection's share of the cap; empty when the cap refused it.
  using Slot = core::CountToken;

  /// A slot, or an empty one (counted as refused) when `limit` connections are open already.
  /// Counting in before comparing means two acceptors could never both pass the cap.
  [[nodiscard]] Slot acquire() noexcept {
    Slot slot(open_);
    if (open_.load(std::memory_order_relaxed) > limit_.load(std::memory_order_relaxed)) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return {};  // the slot's destructor gives its count back
    }
    return slot;
  }
  void set_limit(std::int64_t limit) noexcept { limit_.store(limit, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> open_{0};
  std::atomic<std::int64_t> refused_{0};
  std::atomic<std::int64_t> limit_{std::numeric_limits<std::int64_t>::max()};  // set from the setting at start
};

/// Callbacks into whoever produces a response (a proxy call). Held weakly by the session, so
/// ownership runs one way: the producer owns the session, never the reverse.
class ResponseListener {
 public:
  virtual ~ResponseListener() = default;
  /// A stream_begin() or stream_write() finished (ec set when the client is gone).
  virtual void on_write_done(beast::error_code ec) = 0;
  /// The client closed or reset the connection before the response was complete.
  virtual void on_client_gone() = 0;
};

/// One client connection: HTTP/1.1 keep-alive, bounded reads, a read always pending so a
/// disconnect is noticed while an upstream works. Owns itself through pending operations.
class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  ServerSession(Socket&& socket, RequestHandler& handler, ConnectionGate::Slot slot);
  ~ServerSession();

  void run();

  /// Sends a complete response; then reads the next request (or closes without keep-alive).
  void respond(Response&& response);
  /// Starts a streamed response: the head, `data` as the first chunk (none when empty) and, when
  /// `last`, the terminating chunk, all in one write (an upstream reply that arrived whole costs
  /// one syscall). The body is chunked; to an HTTP/1.0 client it goes as it is, ended by the
  /// close. `listener` hears of write completions and disconnects. While a write is pending the
  /// session holds the listener (the write is what keeps it alive); between writes only weakly.
  /// `data` must stay valid until listener->on_write_done.
  void stream_begin(ResponseHead&& head, std::shared_ptr<ResponseListener> listener, std::string_view data = {},
                    bool last = false);
  /// Sends `data` as one chunk (none when empty) and, when `last`, ends the response, after which
  /// keep-alive continues. Same lifetime rule as stream_begin; one write at a time.
  void stream_write(std::string_view data, bool last = false);
  /// Tells `listener` if the client goes away before the response completes.
  void watch(std::weak_ptr<ResponseListener> listener);

  [[nodiscard]] const std::string& remote_address() const noexcept { return remote_; }
  /// The limits the request being read or answered was parsed under.
  [[nodiscard]] const ServerLimits& limits() const noexcept { return limits_; }
  /// Monotonic time (ns) at which the current request was completely read.
  [[nodiscard]] std::int64_t received_ns() const noexcept { return received_ns_; }
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }

 private:
  enum class Phase { kReading, kHandling, kClosed };

  void read_more();
  void on_read_some(beast::error_code ec, std::size_t n);
  void parse();
  void on_header(beast::error_code ec, std::size_t n);
  void send_continue();
  void read_body();
  void on_parsed(beast::error_code ec, std::size_t n);
  void on_written(bool close, beast::error_code ec, std::size_t n);
  void write_stream(std::string_view data, bool last, bool with_head);
  void on_stream_written(bool last, beast::error_code ec, std::size_t n);
  void finish_response(bool close);
  void reject(RejectReason reason);
  void set_deadline(std::chrono::milliseconds d);
  void arm_timer();
  void on_timer(beast::error_code ec);
  void close();

  TcpStream stream_;
  RequestHandler& handler_;
  ConnectionGate::Slot slot_;
  ServerLimits limits_;
  beast::flat_buffer buffer_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  WireMessage out_;  // the response being written; its head's capacity is reused
  std::weak_ptr<ResponseListener> listener_;
  std::shared_ptr<ResponseListener> writer_;  // held only while a stream write is pending
  std::array<char, 24> chunk_header_{};
  Timer timer_;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::steady_clock::time_point armed_for_{};
  bool timer_pending_ = false;
  bool read_pending_ = false;
  bool write_pending_ = false;
  bool peer_closed_ = false;  // reset (or a failed write) while a response was in progress
  bool peer_eof_ = false;     // the client half-closed after its request: answer, then close
  bool keep_alive_ = true;
  bool http10_ = false;       // the current request is HTTP/1.0: no chunked framing
  Phase phase_ = Phase::kReading;
  std::string remote_;
  std::int64_t received_ns_ = 0;
};

/// One worker: an io_context run by one thread and the handler for its sessions.
struct WorkerSlot {
  net::io_context* ioc;
  RequestHandler* handler;
};

/// Accepts connections and spreads them round-robin over the workers.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  /// Binds and listens; throws boost::system::system_error when the address is unusable. A
  /// connection past the gate's cap gets `refusal` (a complete response) and is closed at once.
  Listener(net::io_context& accept_ioc, const tcp::endpoint& endpoint, std::vector<WorkerSlot> workers,
           ConnectionGate& gate, std::string refusal);
  void run();
  void stop();
  [[nodiscard]] tcp::endpoint local_endpoint() const;

 private:
  void do_accept();
  void on_accept(beast::error_code ec, Socket socket);
  void refuse(Socket& socket) const;

  tcp::acceptor acceptor_;
  std::vector<WorkerSlot> workers_;
  ConnectionGate& gate_;
  std::string refusal_;
  std::size_t next_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace router::http
