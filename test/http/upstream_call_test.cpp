#include <catch2/catch.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "http/upstream_call.hpp"
#include "support/mock_upstream.hpp"

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using router::core::ErrorCode;
using router::http::FetchReply;
using router::http::Origin;
using router::http::UpstreamCall;
using router::http::UpstreamPool;
using router::http::UpstreamTimeouts;
using router::http::WireMessage;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;

namespace {

struct Client {
  net::io_context ioc;
  router::http::TlsContexts tls;
  UpstreamPool pool{ioc, tls};
  MockUpstream upstream;
  Origin origin{false, "127.0.0.1", upstream.port()};
  UpstreamTimeouts timeouts{std::chrono::seconds(5), std::chrono::seconds(5)};

  WireMessage wire(std::string_view target) const {
    WireMessage w;
    router::http::format_request_head(w.head, "GET", target, "127.0.0.1", {}, 0);
    return w;
  }

  FetchReply fetch(std::string_view target, std::size_t max_body = 1 << 20) {
    FetchReply out;
    router::http::fetch(pool, origin, timeouts, wire(target), max_body, [&](FetchReply&& r) { out = std::move(r); });
    ioc.run();
    ioc.restart();
    return out;
  }
};

}  // namespace

TEST_CASE("upstream call: whole-body mode reads the answer and pools the connection", "[http]") {
  Client c;
  c.upstream.on("/models", MockUpstream::reply(200, R"({"data":[]})", {{"Retry-After", "7"}}));
  auto r = c.fetch("/models");
  REQUIRE_FALSE(r.error);
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.retry_after == "7");
  CHECK(r.body == R"({"data":[]})");
  CHECK(c.pool.idle_count() == 1);

  // The next request reuses it: one connection for both.
  r = c.fetch("/models");
  REQUIRE_FALSE(r.error);
  CHECK(c.upstream.connections() == 1);
  CHECK(c.upstream.hits("/models") == 2);
}

TEST_CASE("upstream call: stream mode hands over the body window by window, unframed", "[http]") {
  Client c;
  c.upstream.on("/stream", MockUpstream::sse_events({"data: one\n\n", "data: two\n\n"},
                                                    [](MockConn& conn) { conn.end_chunked(); }));
  auto call = std::make_shared<UpstreamCall>(c.pool, c.origin, c.timeouts, c.wire("/stream"));
  std::string got;
  char buf[4];  // smaller than an event: several reads per chunk
  std::function<void(boost::beast::error_code, std::size_t)> on_read = [&](boost::beast::error_code ec, std::size_t n) {
    REQUIRE_FALSE(ec);
    got.append(buf, n);
    if (call->message_done()) {
      call->release();
      return;
    }
    call->read_some(buf, sizeof buf, on_read);
  };
  call->start([&](boost::beast::error_code ec) {
    REQUIRE_FALSE(ec);
    CHECK(call->status() == 200);
    CHECK(call->head()[bhttp::field::content_type] == "text/event-stream");
    call->read_some(buf, sizeof buf, on_read);
  });
  c.ioc.run();
  CHECK(got == "data: one\n\ndata: two\n\n");
  CHECK(c.pool.idle_count() == 1);  // the stream ended cleanly: the connection is reusable
}

TEST_CASE("upstream call: a pooled connection found stale is retried once on a fresh one", "[http]") {
  Client c;
  auto hits = std::make_shared<std::atomic<int>>(0);
  c.upstream.on("/models", [hits](const MockRequest&, MockConn& conn) {
    if (++*hits == 2) {
      conn.reset();  // the second request, on the pooled connection: no answer byte
      return;
    }
    conn.respond(200, "{}");
  });
  REQUIRE_FALSE(c.fetch("/models").error);
  REQUIRE(c.pool.idle_count() == 1);
  const auto r = c.fetch("/models");
  REQUIRE_FALSE(r.error);
  CHECK(r.body == "{}");
  CHECK(c.upstream.hits("/models") == 3);
  CHECK(c.upstream.connections() == 2);
}

TEST_CASE("upstream call: a fresh connection that fails is not retried", "[http]") {
  Client c;
  c.upstream.on("/models", MockUpstream::reset_before_head());
  const auto r = c.fetch("/models");
  REQUIRE(r.error);
  CHECK(router::http::describe_io_error(r.error).first == ErrorCode::kUpstreamFailed);
  CHECK(c.upstream.hits("/models") == 1);
}

TEST_CASE("upstream call: bodies over the limit fail, announced or not", "[http]") {
  Client c;
  SECTION("Content-Length over the limit: refused before reading the body") {
    c.upstream.on("/big", MockUpstream::oversized(64 * 1024, false));
  }
  SECTION("chunked: refused once the limit is crossed") {
    c.upstream.on("/big", MockUpstream::oversized(64 * 1024, true));
  }
  const auto r = c.fetch("/big", 1024);
  REQUIRE(r.error == bhttp::error::body_limit);
  CHECK(router::http::describe_io_error(r.error).second == "answer too large");
  CHECK(c.pool.idle_count() == 0);
}

TEST_CASE("upstream call: the first-byte deadline bounds a silent upstream", "[http]") {
  Client c;
  c.timeouts.first_byte = std::chrono::milliseconds(200);
  c.upstream.on("/slow", MockUpstream::stall());
  const auto started = std::chrono::steady_clock::now();
  const auto r = c.fetch("/slow");
  REQUIRE(r.error == boost::beast::error::timeout);
  CHECK(router::http::describe_io_error(r.error).first == ErrorCode::kUpstreamTimeout);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

TEST_CASE("upstream call: close() aborts a pending read", "[http]") {
  Client c;
  c.upstream.on("/slow", MockUpstream::stall());
  auto call = std::make_shared<UpstreamCall>(c.pool, c.origin, c.timeouts, c.wire("/slow"));
  boost::beast::error_code got;
  bool done = false;
  call->start([&](boost::beast::error_code ec) {
    got = ec;
    done = true;
  });
  net::steady_timer t(c.ioc, std::chrono::milliseconds(100));
  t.async_wait([&](boost::system::error_code) { call->close(); });
  c.ioc.run();
  CHECK(done);
  CHECK(got);
  CHECK(c.pool.idle_count() == 0);
}

TEST_CASE("upstream call: describe_io_error names the failure and its code", "[http]") {
  using router::http::describe_io_error;
  CHECK(describe_io_error(net::error::connection_refused) ==
        std::pair<ErrorCode, std::string>{ErrorCode::kUpstreamFailed, "connection refused"});
  CHECK(describe_io_error(boost::beast::error::timeout).first == ErrorCode::kUpstreamTimeout);
  CHECK(describe_io_error(bhttp::error::partial_message).second == "connection closed before the answer was complete");
  CHECK(router::http::stale_connection_error(net::error::connection_reset));
  CHECK_FALSE(router::http::stale_connection_error(boost::beast::error::timeout));
}
