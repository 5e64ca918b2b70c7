#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// DESIGN.md §5 rules 1-3 through a real request: the routing policy's unit tests
// (test/routing/policy_test.cpp) say what it decides, these that the proxy obeys it.

using Catch::Matchers::Contains;
using router::test::kChat;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

boost::json::object openai(const MockUpstream& m) { return {{"baseURL", m.url("/v1")}}; }

std::string sent_model(const MockUpstream& m) {
  const auto requests = m.requests();
  REQUIRE(requests.size() == 1);
  return std::string(boost::json::parse(requests[0].body).at("model").as_string());
}

}  // namespace

TEST_CASE("proxy routing: a link's upstream_model is the model sent, the requested one is logged", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("renamed")));
  ServerFixture f;
  f.add_provider("p", "openai", openai(up));
  f.link("p", "gpt-test", false, std::string("vendor/gpt-test-2025"));
  f.set("active_provider", "p");
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 200);
  CHECK(sent_model(up) == "vendor/gpt-test-2025");
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].model_requested == "gpt-test");
  CHECK(logs[0].model_sent == "vendor/gpt-test-2025");
}

TEST_CASE("proxy routing: routing.max_attempts stops the chain even with candidates left", "[server]") {
  MockUpstream a;
  MockUpstream b;
  MockUpstream c;
  for (auto* m : {&a, &b}) {
    m->on("/v1/chat/completions", MockUpstream::json(R"({"error":{"message":"overloaded"}})", 503));
  }
  c.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("never")));
  ServerFixture f;
  f.add_provider("pa", "openai", openai(a), 9);
  f.add_provider("pb", "openai", openai(b), 5);
  f.add_provider("pc", "openai", openai(c), 1);
  for (const auto* id : {"pa", "pb", "pc"}) {
    f.link(id, "gpt-test");
  }
  f.set("active_provider", "pa");
  f.set("routing.max_attempts", 2);
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 502);  // an upstream 5xx is the router's bad gateway
  CHECK_THAT(r.body, Contains("provider 'pb' failed with HTTP 503"));
  CHECK(r.header("x-router-provider") == "pb");
  CHECK(a.hits("/v1/chat/completions") == 1);
  CHECK(b.hits("/v1/chat/completions") == 1);
  CHECK(c.hits("/v1/chat/completions") == 0);
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].attempts == 2);
  REQUIRE(logs[0].attempt_rows.size() == 2);
  CHECK(logs[0].attempt_rows[0].first == "pa");
  CHECK(logs[0].attempt_rows[1].first == "pb");
}

TEST_CASE("proxy routing: with routing.fallback off a failing active provider is the answer", "[server]") {
  MockUpstream bad;
  MockUpstream good;
  bad.on("/v1/chat/completions", MockUpstream::json(R"({"error":{"message":"overloaded"}})", 503));
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("never")));
  ServerFixture f;
  f.add_provider("primary", "openai", openai(bad), 1);
  f.add_provider("backup", "openai", openai(good), 9);
  f.link("primary", "gpt-test");
  f.link("backup", "gpt-test");
  f.set("active_provider", "primary");
  f.set("routing.fallback", false);
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 502);
  CHECK_THAT(r.body, Contains("provider 'primary' failed with HTTP 503"));
  CHECK(r.header("x-router-provider") == "primary");
  CHECK(good.hits("/v1/chat/completions") == 0);
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].attempts == 1);
  CHECK(logs[0].provider_id == "primary");
}
