#include <catch2/catch.hpp>

#include <signal.h>

#include <boost/json.hpp>

#include <thread>

#include "support/cli.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using router::test::MockUpstream;
using router::test::run_router;


TEST_CASE("serve: the real binary serves, and SIGTERM drains in-flight requests and the log queue", "[server]") {
  MockUpstream up;
  // Slow enough that SIGTERM arrives while requests are in flight.
  up.on("/v1/chat/completions", [](const router::test::MockRequest&, router::test::MockConn& c) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.respond(200, MockUpstream::completion_json("late but complete"));
  });
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  REQUIRE(run_router(db, {"provider", "add", "up", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}).exit_code == 0);
  REQUIRE(run_router(db, {"set", "up"}).exit_code == 0);

  const auto log = dir / "serve.log";
  router::test::ProcessOptions opts;
  opts.unset_env = {"ROUTER_DB", "ROUTER_MASTER_KEY"};
  router::test::Child serve({ROUTER_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0"}, opts, log.string());
  const auto port = router::test::wait_for_listen_port(log.string(), std::chrono::seconds(10));
  INFO(router::test::read_file(log));
  REQUIRE(port != 0);

  constexpr int kClients = 6;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      const auto r = router::test::http_request(port, "POST", "/v1/chat/completions",
                                                R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
      if (r.status == 200) {
        ++ok;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(serve.stop(SIGTERM, std::chrono::seconds(20)) == 0);
  for (auto& t : clients) {
    t.join();
  }
  CHECK(ok == kClients);  // every in-flight request was answered before exit

  const auto h = run_router(db, {"--json", "history", "--limit", "100"});
  INFO(h.err);
  REQUIRE(h.exit_code == 0);
  const auto doc = boost::json::parse(h.out);
  CHECK(doc.at("data").as_array().size() == kClients);  // SIGTERM loses nothing
}

// Issue 19 item 14: a busy port is no database problem (it was exit 6, "database unavailable").
TEST_CASE("serve: a busy port is exit 1 and says the port is in use", "[server][cli]") {
  router::test::TempDir dir;
  MockUpstream holder;  // something already listening
  const auto r = run_router((dir / "router.db").string(),
                            {"serve", "--listen", "127.0.0.1:" + std::to_string(holder.port())});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("error: cannot listen on 127.0.0.1:") != std::string::npos);
  CHECK(r.err.find("the port is in use") != std::string::npos);
}

TEST_CASE("serve: on a non-loopback address, auth.clients open is warned at start and again when a live change opens it",
          "[server]") {
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  REQUIRE(run_router(db, {"status"}).exit_code == 0);
  const auto log = dir / "serve.log";
  router::test::ProcessOptions opts;
  opts.unset_env = {"ROUTER_DB", "ROUTER_MASTER_KEY"};
  router::test::Child serve({ROUTER_BINARY, "--db", db, "serve", "--listen", "0.0.0.0:0", "--threads", "2"}, opts,
                            log.string());
  const auto port = router::test::wait_for_listen_port(log.string(), std::chrono::seconds(10), R"(0\.0\.0\.0)");
  INFO(router::test::read_file(log));
  REQUIRE(port != 0);
  auto warnings = [&] {
    const auto text = router::test::read_file(log);
    std::size_t n = 0;
    for (auto at = text.find("with auth.clients = open"); at != std::string::npos;
         at = text.find("with auth.clients = open", at + 1)) {
      ++n;
    }
    return n;
  };
  // Each request is a new connection, and connections take turns over the two workers.
  auto requests = [&](int expected_status) {
    for (int i = 0; i < 4; ++i) {
      CHECK(router::test::http_request(port, "GET", "/v1/models").status == expected_status);
    }
  };
  CHECK(warnings() == 1);  // at start
  requests(200);
  CHECK(warnings() == 1);

  REQUIRE(run_router(db, {"config", "set", "auth.clients", "keys"}).exit_code == 0);
  requests(401);
  CHECK(warnings() == 1);
  REQUIRE(run_router(db, {"config", "set", "auth.clients", "open"}).exit_code == 0);
  requests(200);
  CHECK(warnings() == 2);  // once for the change, not once per worker
  CHECK(serve.stop(SIGTERM, std::chrono::seconds(20)) == 0);
}
