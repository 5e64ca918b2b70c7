#include "http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace router::http {

namespace bhttp = beast::http;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string endpoint_text(const Socket& s) {
  beast::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) {
    return {};
  }
  const auto addr = ep.address();
  return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                      : fmt::format("{}:{}", addr.to_string(), ep.port());
}

// A character of uri-host [":" port] (RFC 3986: reg-name, IP literal, port).
bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~%!$&'()*+,;=:[]").find(c) != std::string_view::npos;
}

}  // namespace

bool valid_host_fields(const bhttp::request_header<>& head) {
  const auto [first, last] = head.equal_range(bhttp::field::host);
  if (first == last) {
    return head.version() < 11;
  }
  if (std::next(first) != last) {
    return false;
  }
  const auto value = first->value();
  return std::all_of(value.begin(), value.end(), host_char);
}

ServerSession::ServerSession(Socket&& socket, RequestHandler& handler, ConnectionGate::Slot slot)
    : stream_(std::move(socket)),
      handler_(handler),
      slot_(std::move(slot)),
      buffer_(256 * 1024),
      timer_(stream_.get_executor()) {
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  stream_.expires_never();  // deadlines come from this session's own lazy timer
  remote_ = endpoint_text(stream_.socket());
}

ServerSession::~ServerSession() = default;

void ServerSession::run() {
  // The socket belongs to a worker's io_context; everything from here runs on that thread.
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->limits_ = self->handler_.limits();
    self->set_deadline(self->limits_.read_timeout);
    self->read_more();
  });
}

// --- reading ---------------------------------------------------------------------------------------

void ServerSession::read_more() {
  if (buffer_.size() > 0) {
    parse();
    return;
  }
  read_pending_ = true;
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&ServerSession::on_read_some, shared_from_this()));
}

void ServerSession::on_read_some(beast::error_code ec, std::size_t n) {
  read_pending_ = false;
  if (ec) {
    if (phase_ == Phase::kHandling && ec == net::error::eof) {
      // A half-close (shutdown(SHUT_WR)) after a complete request: the client still reads its
      // answer, then the connection closes. A client that closed both ways cannot be told apart
      // until a write to it fails, which then ends the response like a reset does.
      peer_eof_ = true;
      keep_alive_ = false;
      return;
    }
    if (phase_ == Phase::kHandling) {
      // The client reset the connection while its response was being produced.
      peer_closed_ = true;
      if (auto l = listener_.lock()) {
        l->on_client_gone();
      }
      return;
    }
    close();
    return;
  }
  buffer_.commit(n);
  if (phase_ == Phase::kHandling) {
    return;  // pipelined bytes of the next request: parsed once this response is done
  }
  if (phase_ == Phase::kReading) {
    parse();
    set_deadline(limits_.read_timeout);  // from the first byte, the whole request has this long
  }
}

void ServerSession::parse() {
  limits_ = handler_.limits();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  read_pending_ = true;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&ServerSession::on_header, shared_from_this()));
}

void ServerSession::on_header(beast::error_code ec, std::size_t n) {
  read_pending_ = false;
  if (ec) {
    return on_parsed(ec, n);
  }
  const auto& head = parser_->get();
  if (!valid_host_fields(head)) {
    return reject(RejectReason::kBadHost);
  }
  const auto expect = head[bhttp::field::expect];
  // An HTTP/1.0 client's expectation is ignored (RFC 9110 §10.1.1): it cannot take a 1xx.
  if (!parser_->is_done() && head.version() >= 11 && expect.size() == 12 && beast::iequals(expect, "100-continue")) {
    // Clients such as curl wait for "100 Continue" before sending a large body. The handler
    // sees the head first, so a request it refuses (a bad key) never gets one: it gets its
    // answer, its body stays unread, and the connection closes.
    received_ns_ = core::mono_ns();
    phase_ = Phase::kHandling;
    keep_alive_ = false;
    if (!handler_.admit(shared_from_this(), head)) {
      parser_.reset();
      return;
    }
    phase_ = Phase::kReading;
    keep_alive_ = true;
    return send_continue();
  }
  read_body();
}

void ServerSession::send_continue() {
  write_pending_ = true;
  net::async_write(stream_, net::buffer(kContinue), [self = shared_from_this()](beast::error_code e, std::size_t) {
    self->write_pending_ = false;
    if (e) {
      return self->close();
    }
    self->read_body();
  });
}

void ServerSession::read_body() {
  if (parser_->is_done()) {
    return on_parsed({}, 0);
  }
  read_pending_ = true;
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&ServerSession::on_parsed, shared_from_this()));
}

void ServerSession::on_parsed(beast::error_code ec, std::size_t /*n*/) {
  read_pending_ = false;
  if (ec == bhttp::error::body_limit) {
    return reject(RejectReason::kBodyTooLarge);
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return reject(RejectReason::kHeaderTooLarge);
  }
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return reject(RejectReason::kMalformed);
  }
  if (ec) {
    close();  // end of stream, reset, or closed by the deadline
    return;
  }
  received_ns_ = core::mono_ns();
  phase_ = Phase::kHandling;
  keep_alive_ = parser_->get().keep_alive();
  http10_ = parser_->get().version() < 11;
  Request req = parser_->release();
  parser_.reset();
  if (buffer_.size() == 0) {
    // Keep a read pending while the response is produced: it notices a disconnect, and it is
    // the first read of the next request on a keep-alive connection.
    read_pending_ = true;
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&ServerSession::on_read_some, shared_from_this()));
  }
  handler_.handle(shared_from_this(), std::move(req));
}

void ServerSession::reject(RejectReason reason) {
  Request head;
  if (parser_) {
    head = parser_->release();
  }
  parser_.reset();
  phase_ = Phase::kHandling;
  keep_alive_ = false;  // the rest of the stream cannot be trusted: answer and close
  respond(handler_.rejected(*this, head, reason));
}

// --- writing ---------------------------------------------------------------------------------------

void ServerSession::watch(std::weak_ptr<ResponseListener> listener) { listener_ = std::move(listener); }

void ServerSession::respond(Response&& response) {
  if (phase_ == Phase::kClosed) {
    return;
  }
  if (peer_closed_) {
    close();
    return;
  }
  const bool keep = keep_alive_ && response.keep_alive();
  format_response_head(out_.head, response, response.body().size(), keep, true);
  out_.body = std::move(response.body());
  write_pending_ = true;
  set_deadline(limits_.write_timeout);
  net::async_write(stream_, out_.buffers(),
                   beast::bind_front_handler(&ServerSession::on_written, shared_from_this(), !keep));
}

void ServerSession::on_written(bool close_after, beast::error_code ec, std::size_t /*n*/) {
  write_pending_ = false;
  out_.body.clear();
  if (ec) {
    close();
    return;
  }
  finish_response(close_after);
}

void ServerSession::stream_begin(ResponseHead&& head, std::shared_ptr<ResponseListener> listener, std::string_view data,
                                 bool last) {
  listener_ = listener;
  writer_ = std::move(listener);
  // A draining server closes after the stream; so does an HTTP/1.0 client's, whose body (it
  // knows no chunked framing) ends with the connection.
  keep_alive_ = keep_alive_ && head.keep_alive() && !http10_;
  format_response_head(out_.head, head, std::nullopt, keep_alive_, !http10_);
  write_stream(data, last, true);
}

void ServerSession::stream_write(std::string_view data, bool last) {
  writer_ = listener_.lock();
  write_stream(data, last, false);
}

void ServerSession::write_stream(std::string_view data, bool last, bool with_head) {
  if (phase_ == Phase::kClosed || peer_closed_) {
    net::post(stream_.get_executor(), beast::bind_front_handler(&ServerSession::on_stream_written, shared_from_this(),
                                                                 last, net::error::connection_reset, 0));
    return;
  }
  // Chunk framing by hand: one writev, no allocation (Beast's make_chunk allocates its header).
  std::array<net::const_buffer, 5> bufs{};
  if (with_head) {
    bufs[0] = net::buffer(out_.head);
  }
  if (!data.empty() && http10_) {
    bufs[2] = net::buffer(data);
  } else if (!data.empty()) {
    const auto len = fmt::format_to_n(chunk_header_.data(), chunk_header_.size() - 2, "{:x}", data.size()).size;
    chunk_header_[len] = '\r';
    chunk_header_[len + 1] = '\n';
    bufs[1] = net::buffer(chunk_header_.data(), len + 2);
    bufs[2] = net::buffer(data);
    bufs[3] = net::buffer(kCrlf);
  }
  if (last && !http10_) {
    bufs[4] = net::buffer(kLastChunk);
  }
  write_pending_ = true;
  set_deadline(limits_.write_timeout);
  net::async_write(stream_, bufs,
                   beast::bind_front_handler(&ServerSession::on_stream_written, shared_from_this(), last));
}

void ServerSession::on_stream_written(bool last, beast::error_code ec, std::size_t /*n*/) {
  write_pending_ = false;
  if (ec) {
    peer_closed_ = true;
  }
  auto owner = std::move(writer_);  // keeps the listener (and the data it wrote) alive to the end
  if (last) {
    if (ec) {
      listener_.reset();
      close();
    } else {
      finish_response(!keep_alive_);
    }
  }
  if (owner) {
    owner->on_write_done(ec);
  }
}

void ServerSession::finish_response(bool close_after) {
  listener_.reset();
  writer_.reset();
  if (close_after || peer_closed_ || peer_eof_ || phase_ == Phase::kClosed) {
    close();
    return;
  }
  phase_ = Phase::kReading;
  set_deadline(limits_.read_timeout);
  if (read_pending_) {
    return;  // the pending read continues the cycle when the next request arrives
  }
  read_more();
}

// --- deadlines ---------------------------------------------------------------------------------------
// One timer per session, re-armed only when it fires or a deadline moves earlier than its
// expiry: moving a deadline later (the common case on every request) is a plain store.

void ServerSession::set_deadline(std::chrono::milliseconds d) {
  deadline_ = std::chrono::steady_clock::now() + d;
  if (!timer_pending_ || deadline_ < armed_for_) {
    arm_timer();
  }
}

void ServerSession::arm_timer() {
  armed_for_ = deadline_;
  timer_.expires_at(deadline_);  // cancels a pending wait, whose handler then sees operation_aborted
  timer_pending_ = true;
  timer_.async_wait(beast::bind_front_handler(&ServerSession::on_timer, shared_from_this()));
}

void ServerSession::on_timer(beast::error_code ec) {
  if (ec == net::error::operation_aborted || phase_ == Phase::kClosed) {
    return;  // superseded by a newer wait, or closing
  }
  timer_pending_ = false;
  const auto now = std::chrono::steady_clock::now();
  if (phase_ == Phase::kHandling && !write_pending_) {
    // The handler is waiting on an upstream: no client deadline applies, check back later.
    deadline_ = std::max(deadline_, now + limits_.read_timeout);
    arm_timer();
    return;
  }
  if (now < deadline_) {
    arm_timer();
    return;
  }
  core::log::debug("closing {}: {} deadline passed", remote_, phase_ == Phase::kReading ? "read" : "write");
  close();
}

void ServerSession::close() {
  if (phase_ == Phase::kClosed) {
    return;
  }
  phase_ = Phase::kClosed;
  timer_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
  slot_.release();
}

// --- listener ----------------------------------------------------------------------------------------

Listener::Listener(net::io_context& accept_ioc, const tcp::endpoint& endpoint, std::vector<WorkerSlot> workers,
                   ConnectionGate& gate, std::string refusal)
    : acceptor_(accept_ioc), workers_(std::move(workers)), gate_(gate), refusal_(std::move(refusal)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

tcp::endpoint Listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void Listener::run() { do_accept(); }

void Listener::stop() {
  stopped_ = true;
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
  });
}

void Listener::do_accept() {
  const WorkerSlot& w = workers_[next_];
  acceptor_.async_accept(*w.ioc, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, Socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) {
    return;
  }
  if (ec) {
    // Out of descriptors or similar: pause briefly instead of spinning on the error.
    core::log::warn("accept failed: {}", ec.message());
    auto timer = std::make_shared<net::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(50));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) {
      if (!self->stopped_) {
        self->do_accept();
      }
    });
    return;
  }
  auto slot = gate_.acquire();
  if (!slot) {
    refuse(socket);
    return do_accept();
  }
  const WorkerSlot& w = workers_[next_];
  next_ = (next_ + 1) % workers_.size();
  std::make_shared<ServerSession>(std::move(socket), *w.handler, std::move(slot))->run();
  do_accept();
}

// Past server.max_connections: the fixed 503 in one non-blocking write, then the close, all on
// the accepting thread. No session, no read deadline, no timer: a flood costs a few syscalls per
// connection and holds nothing. What already arrived of the request is read (and dropped) first,
// so the close sends a FIN after the answer rather than a reset that could destroy it.
void Listener::refuse(Socket& socket) const {
  beast::error_code ec;
  socket.non_blocking(true, ec);
  std::array<char, 4096> sink{};
  for (int i = 0; i < 4 && !ec; ++i) {
    (void)socket.read_some(net::buffer(sink), ec);
  }
  ec = {};
  (void)socket.write_some(net::buffer(refusal_), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace router::http
