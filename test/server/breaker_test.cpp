#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// Circuit breaking through a real server (docs/reliability.md "Circuit breaking"): a provider
// failing routing.breaker.failures times in a row is skipped for routing.breaker.cooldown, and
// the state shows in /metrics, GET /v1/providers/{id} and GET /v1/route.

using Catch::Matchers::Contains;
using router::test::MockUpstream;
using router::test::ServerFixture;

TEST_CASE("breaker: a failing provider is skipped after 3 failures, then one trial closes it", "[server]") {
  MockUpstream bad;
  bad.on("/v1/chat/completions", MockUpstream::json(R"({"error":{"message":"down","type":"server_error"}})", 503));
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from backup")));
  ServerFixture f;
  f.add_provider("bad", "openai", {{"baseURL", bad.url("/v1")}}, 5);
  f.add_provider("good", "openai", {{"baseURL", good.url("/v1")}}, 1);
  f.link("bad", "gpt-test");
  f.link("good", "gpt-test");
  f.set("active_provider", "bad");
  f.set("routing.breaker.cooldown", 1000);
  f.add_key("root", "admin", "sk-router-admin-breaker-00001");
  f.start();
  const router::test::Headers admin{{"Authorization", "Bearer sk-router-admin-breaker-00001"}};

  for (int i = 0; i < 3; ++i) {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat);
    REQUIRE(r.status == 200);
    CHECK(r.header("x-router-provider") == "good");
  }
  CHECK(bad.requests().size() == 3);
  // Open: the next requests go straight to the fallback; the failing upstream is not asked.
  for (int i = 0; i < 3; ++i) {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat);
    REQUIRE(r.status == 200);
  }
  CHECK(bad.requests().size() == 3);
  CHECK(good.requests().size() == 6);

  const auto metrics = router::test::http_request(f.port(), "GET", "/metrics");
  CHECK_THAT(metrics.body, Contains("router_provider_circuit_open{provider=\"bad\"} 1"));
  CHECK_THAT(metrics.body, Contains("router_provider_circuit_open{provider=\"good\"} 0"));
  auto provider = router::test::http_request(f.port(), "GET", "/v1/providers/bad", {}, admin);
  REQUIRE(provider.status == 200);
  auto circuit = boost::json::parse(provider.body).at("circuit").as_object();
  CHECK(circuit.at("state") == "open");
  CHECK(circuit.at("consecutive_failures") == 3);
  CHECK(circuit.at("open_until").is_string());
  const auto route = router::test::http_request(f.port(), "GET", "/v1/route?model=gpt-test", {}, admin);
  CHECK_THAT(route.body, Contains("circuit open until"));
  const auto health = router::test::http_request(f.port(), "GET", "/health");
  CHECK(boost::json::parse(health.body).at("circuits_open") == boost::json::array{"bad"});

  // After the cooldown the upstream recovered: the one trial succeeds and closes the breaker.
  bad.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("recovered")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto trial = router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat);
  REQUIRE(trial.status == 200);
  CHECK(trial.header("x-router-provider") == "bad");
  provider = router::test::http_request(f.port(), "GET", "/v1/providers/bad", {}, admin);
  circuit = boost::json::parse(provider.body).at("circuit").as_object();
  CHECK(circuit.at("state") == "closed");
  CHECK(circuit.at("open_until").is_null());
}

TEST_CASE("breaker: client errors do not open it, and 0 failures turns it off", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions",
        MockUpstream::json(R"({"error":{"message":"bad request","type":"invalid_request_error"}})", 400));
  ServerFixture f;
  f.add_provider("p", "openai", {{"baseURL", up.url("/v1")}});
  f.link("p", "gpt-test");
  f.set("active_provider", "p");
  f.start();
  for (int i = 0; i < 5; ++i) {
    CHECK(router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat).status == 400);
  }
  CHECK(up.requests().size() == 5);  // every request still reached it: a 400 is the request's fault
  const auto metrics = router::test::http_request(f.port(), "GET", "/metrics");
  CHECK_THAT(metrics.body, Contains("router_provider_circuit_open{provider=\"p\"} 0"));
}
