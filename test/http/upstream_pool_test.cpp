#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <thread>

#include "http/upstream.hpp"

namespace net = boost::asio;
using router::http::Origin;
using router::http::UpstreamConnectionPtr;
using router::http::UpstreamPool;

namespace {

// A pooled connection to a loopback listener, plus the server side of it so the test can close it.
struct PooledPair {
  net::io_context ioc;
  router::http::TlsContexts tls;
  UpstreamPool pool{ioc, tls};
  net::ip::tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  net::ip::tcp::socket server_side{ioc};
  Origin origin{false, "127.0.0.1", acceptor.local_endpoint().port()};

  void connect_one() {
    UpstreamConnectionPtr conn;
    pool.connect(origin, std::chrono::seconds(5), [&](boost::system::error_code ec, UpstreamConnectionPtr c) {
      REQUIRE_FALSE(ec);
      conn = std::move(c);
    });
    acceptor.async_accept(server_side, [](boost::system::error_code ec) { REQUIRE_FALSE(ec); });
    ioc.run();
    ioc.restart();
    REQUIRE(conn);
    pool.put(std::move(conn));
  }
};

}  // namespace

TEST_CASE("upstream pool: the sweep closes idle connections the upstream closed, keeps live ones", "[http]") {
  PooledPair p;
  p.connect_one();
  REQUIRE(p.pool.idle_count() == 1);
  p.pool.sweep();
  CHECK(p.pool.idle_count() == 1);  // still open on both ends

  p.server_side.close();
  // The FIN reaches the client's socket asynchronously; loopback delivers it at once in practice.
  for (int i = 0; i < 100 && p.pool.idle_count() == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    p.pool.sweep();
  }
  CHECK(p.pool.idle_count() == 0);
  CHECK(p.pool.take(p.origin) == nullptr);
}

TEST_CASE("upstream pool: take and clear keep the idle count exact", "[http]") {
  PooledPair p;
  p.connect_one();
  auto conn = p.pool.take(p.origin);
  REQUIRE(conn);
  CHECK(p.pool.idle_count() == 0);
  p.pool.put(std::move(conn));
  CHECK(p.pool.idle_count() == 1);
  p.pool.clear();
  CHECK(p.pool.idle_count() == 0);
}
