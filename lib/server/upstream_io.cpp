#include "server/upstream_io.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>

#include <fmt/format.h>

#include "core/version.hpp"

namespace router::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using core::Error;
using core::ErrorCode;

http::Origin origin_of(const providers::Provider& p) {
  const auto& u = p.base_url();
  return http::Origin{u.tls, u.host, u.port, p.verify_tls()};
}

http::WireMessage make_wire(const providers::Provider& p, providers::UpstreamRequest&& r) {
  static const std::string user_agent = fmt::format("router/{}", core::kVersion);
  r.headers.emplace_back("User-Agent", user_agent);
  http::WireMessage w;
  http::format_request_head(w.head, r.method, r.target, p.base_url().host_header(), r.headers, r.body.size());
  w.body = std::move(r.body);
  return w;
}

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
    return {ErrorCode::kUpstreamFailed, fmt::format("a response head, chunk line or trailer longer than {} KiB",
                                                    http::kMaxUpstreamPending / 1024)};
  }
  if (ec.category() == http::upstream_category()) {
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

namespace {

class Fetch : public std::enable_shared_from_this<Fetch> {
 public:
  Fetch(http::UpstreamPool& pool, const providers::Provider& provider, http::WireMessage&& wire, std::size_t max_body,
        std::function<void(FetchResult&&)> done)
      : pool_(pool),
        provider_(provider),
        origin_(origin_of(provider)),
        wire_(std::move(wire)),
        max_body_(max_body),
        done_(std::move(done)) {}

  void start() {
    if (auto c = pool_.take(origin_)) {
      conn_ = std::move(c);
      send();
      return;
    }
    open();
  }

 private:
  void open() {
    pool_.connect(origin_, provider_.timeouts().connect,
                  [self = shared_from_this()](beast::error_code ec, http::UpstreamConnectionPtr c) {
                    if (ec) {
                      return self->fail(ec);
                    }
                    self->conn_ = std::move(c);
                    self->send();
                  });
  }

  void send() {
    conn_->expires_after(provider_.timeouts().first_byte);
    conn_->async_write(wire_.buffers(), beast::bind_front_handler(&Fetch::on_written, shared_from_this()));
  }

  void on_written(beast::error_code ec, std::size_t) {
    if (ec) {
      return retry_or_fail(ec);
    }
    http::async_read_final_head(*conn_, parser_, max_body_,
                                beast::bind_front_handler(&Fetch::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) {
      return retry_or_fail(ec);
    }
    on_body({}, 0);  // a head may end the message (204, 304, Content-Length: 0)
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) {
      return fail(ec);
    }
    if (!parser_->is_done()) {
      conn_->async_read_some(*parser_, beast::bind_front_handler(&Fetch::on_body, shared_from_this()));
      return;
    }
    auto& res = parser_->get();
    FetchResult r;
    r.status = static_cast<int>(res.result_int());
    r.content_type = std::string(res[bhttp::field::content_type]);
    r.retry_after = std::string(res[bhttp::field::retry_after]);
    pool_.release(std::move(conn_), *parser_);
    r.body = std::move(res.body());
    provider_.scrub_secrets(r.body);
    done_(std::move(r));
  }

  void retry_or_fail(beast::error_code ec) {
    if (conn_ && conn_->reused && !retried_ && stale_connection_error(ec)) {
      retried_ = true;  // the upstream closed a pooled connection: one fresh try is safe
      conn_->close();
      conn_.reset();
      open();
      return;
    }
    fail(ec);
  }

  void fail(beast::error_code ec) {
    if (conn_) {
      conn_->close();
    }
    auto [code, what] = describe_io_error(ec);
    FetchResult r;
    r.error = Error(code, fmt::format("provider '{}' ({}://{}): {}", provider_.id(), origin_.tls ? "https" : "http",
                                      provider_.base_url().host_header(), what));
    done_(std::move(r));
  }

  http::UpstreamPool& pool_;
  const providers::Provider& provider_;
  http::Origin origin_;
  http::WireMessage wire_;
  std::size_t max_body_;
  std::function<void(FetchResult&&)> done_;
  http::UpstreamConnectionPtr conn_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  bool retried_ = false;
};

}  // namespace

void fetch(http::UpstreamPool& pool, const providers::Provider& provider, providers::UpstreamRequest request,
           std::size_t max_body, std::function<void(FetchResult&&)> done) {
  http::WireMessage wire;
  try {
    wire = make_wire(provider, std::move(request));
  } catch (const Error& e) {
    // Completes later, like every other failure: callers may not expect `done` inside fetch().
    net::post(pool.context(), [e, done = std::move(done)] {
      FetchResult r;
      r.error = e;
      done(std::move(r));
    });
    return;
  }
  std::make_shared<Fetch>(pool, provider, std::move(wire), max_body, std::move(done))->start();
}

FetchResult fetch_blocking(const providers::Provider& provider, providers::UpstreamRequest request, std::size_t max_body) {
  net::io_context ioc{1};
  http::TlsContexts tls;
  http::UpstreamPool pool(ioc, tls);
  FetchResult out;
  fetch(pool, provider, std::move(request), max_body, [&](FetchResult&& r) { out = std::move(r); });
  ioc.run();
  pool.clear();
  return out;
}

}  // namespace router::server
