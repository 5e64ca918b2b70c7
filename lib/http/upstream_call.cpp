#include "http/upstream_call.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include <fmt/format.h>

namespace router::http {

namespace bhttp = beast::http;
using core::ErrorCode;

std::pair<ErrorCode, std::string> describe_io_error(const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return {ErrorCode::kUpstreamTimeout, "timed out"};
  }
  if (ec == net::error::connection_refused) {
    return {ErrorCode::kUpstreamFailed, "connection refused"};
  }
  if (ec == net::error::connection_reset || ec == net::error::broken_pipe) {
    return {ErrorCode::kUpstreamFailed, "connection reset"};
  }
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == bhttp::error::partial_message) {
    return {ErrorCode::kUpstreamFailed, "connection closed before the answer was complete"};
  }
  if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again) {
    return {ErrorCode::kUpstreamFailed, "host not found"};
  }
  if (ec == bhttp::error::body_limit) {
    return {ErrorCode::kUpstreamFailed, "answer too large"};
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return {ErrorCode::kUpstreamFailed,
            fmt::format("a response head, chunk line or trailer longer than {} KiB", kMaxUpstreamPending / 1024)};
  }
  if (ec.category() == upstream_category()) {
    return {ErrorCode::kUpstreamFailed, ec.message()};
  }
  if (ec.category() == net::error::get_ssl_category() || ec == net::ssl::error::stream_truncated) {
    return {ErrorCode::kUpstreamFailed, fmt::format("TLS failure: {}", ec.message())};
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return {ErrorCode::kUpstreamFailed, fmt::format("malformed HTTP answer: {}", ec.message())};
  }
  return {ErrorCode::kUpstreamFailed, ec.message()};
}

bool stale_connection_error(const beast::error_code& ec) noexcept {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

UpstreamCall::UpstreamCall(UpstreamPool& pool, Origin origin, UpstreamTimeouts timeouts, WireMessage&& wire)
    : pool_(pool), origin_(std::move(origin)), timeouts_(timeouts), wire_(std::move(wire)) {}

UpstreamCall::~UpstreamCall() { close(); }

void UpstreamCall::start(Done done) {
  on_head_ = std::move(done);
  if (auto c = pool_.take(origin_)) {
    conn_ = std::move(c);
    return send();
  }
  open();
}

void UpstreamCall::open() {
  pool_.connect(origin_, timeouts_.connect, beast::bind_front_handler(&UpstreamCall::on_connected, shared_from_this()));
}

void UpstreamCall::on_connected(beast::error_code ec, UpstreamConnectionPtr conn) {
  if (closed_) {
    if (conn) {
      conn->close();  // closed while connecting: the caller gave up
    }
    return head_done(ec ? ec : net::error::operation_aborted);
  }
  if (ec) {
    return head_done(ec);
  }
  conn_ = std::move(conn);
  send();
}

void UpstreamCall::send() {
  conn_->expires_after(timeouts_.first_byte);
  conn_->async_write(wire_.buffers(), beast::bind_front_handler(&UpstreamCall::on_sent, shared_from_this()));
}

void UpstreamCall::on_sent(beast::error_code ec, std::size_t) {
  if (ec) {
    return retry_or_fail(ec);
  }
  // No body limit yet: it depends on what the caller reads (read_body checks a Content-Length).
  async_read_final_head(*conn_, parser_, boost::none,
                        beast::bind_front_handler(&UpstreamCall::on_head, shared_from_this()));
}

void UpstreamCall::on_head(beast::error_code ec, std::size_t) {
  if (ec) {
    return retry_or_fail(ec);
  }
  head_done({});
}

void UpstreamCall::retry_or_fail(beast::error_code ec) {
  if (!closed_ && conn_ && conn_->reused && !retried_ && stale_connection_error(ec)) {
    retried_ = true;  // the upstream closed a pooled connection: one fresh try is safe
    conn_->close();
    conn_.reset();
    return open();
  }
  close();
  head_done(ec);
}

void UpstreamCall::head_done(beast::error_code ec) {
  // Consumed, not kept: the caller's handler holds the caller, which holds this call.
  auto done = std::exchange(on_head_, nullptr);
  done(ec);
}

const bhttp::response_header<>& UpstreamCall::head() const {
  if (body_parser_) {
    return body_parser_->get().base();
  }
  return parser_->get().base();
}

int UpstreamCall::status() const { return static_cast<int>(head().result_int()); }

bool UpstreamCall::message_done() const { return body_parser_ ? body_parser_->is_done() : parser_ && parser_->is_done(); }

void UpstreamCall::read_body(std::size_t limit, BodyDone done) {
  // Beast checks a Content-Length against body_limit only while parsing the head, which was
  // read without one; string_body would then reserve whatever was announced.
  if (const auto length = parser_->content_length(); length && *length > limit) {
    close();
    return done(bhttp::error::body_limit, {});
  }
  body_parser_.emplace(std::move(*parser_));
  parser_.reset();
  body_parser_->body_limit(limit);
  auto finish = [self = shared_from_this(), done = std::move(done)](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close();
      return done(ec, {});
    }
    self->release();
    done({}, std::move(self->body_parser_->get().body()));
  };
  if (body_parser_->is_done()) {
    return finish({}, 0);  // the head ended the message
  }
  conn_->async_read(*body_parser_, std::move(finish));
}

void UpstreamCall::read_some(char* buf, std::size_t size, ReadDone done) {
  auto& body = parser_->get().body();
  body.data = buf;
  body.size = size;
  conn_->expires_after(timeouts_.first_byte);
  conn_->async_read_some(*parser_, [self = shared_from_this(), size, done = std::move(done)](beast::error_code ec,
                                                                                             std::size_t) {
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    done(ec, size - self->parser_->get().body().size);
  });
}

void UpstreamCall::release() {
  if (!conn_ || closed_) {
    return;
  }
  if (body_parser_) {
    pool_.release(std::move(conn_), *body_parser_);
  } else {
    pool_.release(std::move(conn_), *parser_);
  }
}

void UpstreamCall::close() noexcept {
  closed_ = true;
  if (conn_) {
    conn_->close();  // kept until this call goes: a pending operation still uses its buffer
  }
}

void fetch(UpstreamPool& pool, Origin origin, UpstreamTimeouts timeouts, WireMessage&& wire, std::size_t max_body,
           std::function<void(FetchReply&&)> done) {
  auto call = std::make_shared<UpstreamCall>(pool, std::move(origin), timeouts, std::move(wire));
  call->start([call, max_body, done = std::move(done)](beast::error_code ec) mutable {
    const auto self = std::move(call);  // the call holds this handler: no cycle past this point
    if (ec) {
      return done(FetchReply{ec});
    }
    FetchReply r;
    r.status = self->status();
    r.content_type = std::string(self->head()[bhttp::field::content_type]);
    r.retry_after = std::string(self->head()[bhttp::field::retry_after]);
    self->read_body(max_body, [r = std::move(r), done = std::move(done)](beast::error_code ec2, std::string&& body) mutable {
      if (ec2) {
        return done(FetchReply{ec2});
      }
      r.body = std::move(body);
      done(std::move(r));
    });
  });
}

FetchReply fetch_blocking(const Origin& origin, UpstreamTimeouts timeouts, WireMessage&& wire, std::size_t max_body) {
  net::io_context ioc{1};
  TlsContexts tls;
  UpstreamPool pool(ioc, tls);
  FetchReply out;
  fetch(pool, origin, timeouts, std::move(wire), max_body, [&](FetchReply&& r) { out = std::move(r); });
  ioc.run();
  pool.clear();
  return out;
}

}  // namespace router::http
