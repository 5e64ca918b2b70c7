#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <thread>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"
#include "support/temp_dir.hpp"

using Catch::Matchers::Contains;
using router::test::HttpClient;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;
using router::test::kChat;
using router::test::kStreamChat;
using router::test::ServerFixture;

namespace {


boost::json::object openai(const MockUpstream& m, std::string extra_key = {}) {
  boost::json::object cfg{{"baseURL", m.url("/v1")}};
  if (!extra_key.empty()) {
    cfg["apiKey"] = extra_key;
  }
  return cfg;
}

}  // namespace

TEST_CASE("proxy: a non-streaming completion round-trips and is logged", "[server]") {
  MockUpstream up;
  const std::string answer = MockUpstream::completion_json("Paris.");
  up.on("/v1/chat/completions", MockUpstream::json(answer));
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up, "sk-upstream-secret-000000000001"));
  f.link("oa", "gpt-test");
  f.set("active_provider", "oa");
  f.start();

  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat,
                                            {{"Authorization", "Bearer sk-client-header-should-not-be-logged"}});
  REQUIRE(r.error.empty());
  CHECK(r.status == 200);
  CHECK(r.body == answer);  // byte-faithful
  CHECK(r.header("x-router-provider") == "oa");
  CHECK(r.header("x-request-id").rfind("req_", 0) == 0);
  CHECK(r.header("content-type") == "application/json");

  const auto reqs = up.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].body == kChat);  // nothing to rewrite: the client's bytes went upstream
  CHECK(reqs[0].header("authorization") == "Bearer sk-upstream-secret-000000000001");

  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  const auto& l = logs[0];
  CHECK(l.request_id == r.header("x-request-id"));
  CHECK(l.endpoint == "/v1/chat/completions");
  CHECK(l.provider_id == "oa");
  CHECK(l.model_requested == "gpt-test");
  CHECK(l.model_sent == "gpt-test");
  CHECK(l.status == 200);
  CHECK(l.outcome == "ok");
  CHECK(l.attempts == 1);
  CHECK(l.prompt_tokens == 11);
  CHECK(l.completion_tokens == 7);
  CHECK(l.total_tokens == 18);
  CHECK(l.request_body == kChat);
  CHECK(l.response_body == answer);
  CHECK(l.duration_us > 0);
  f.stop();
  // Neither the client's nor the upstream's credential is anywhere in the logs database.
  const std::string bytes = router::test::read_file(f.dir() / "router-logs.db") +
                            router::test::read_file(f.dir() / "router-logs.db-wal");
  CHECK(bytes.find("sk-client-header-should-not-be-logged") == std::string::npos);
  CHECK(bytes.find("sk-upstream-secret-000000000001") == std::string::npos);
}

TEST_CASE("proxy: streams are relayed event by event, byte for byte, and reassembled for the log", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::sse({"The", " capital", " is", " Paris."}));
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.link("oa", "gpt-test");
  f.set("active_provider", "oa");
  f.start();

  SECTION("without include_usage the router's own usage request stays invisible") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kStreamChat);
    INFO(r.error << " body: " << r.body);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == "text/event-stream");
    CHECK(r.header("x-router-provider") == "oa");
    const auto events = router::test::sse_data(r.body);
    REQUIRE(events.size() == 7);  // role, 4 pieces, finish, [DONE]
    CHECK(events[1] == MockUpstream::chunk_json("The"));
    CHECK(events.back() == "[DONE]");
    CHECK(r.body.find("\"usage\"") == std::string::npos);
    // The upstream was asked for usage so the log has tokens.
    CHECK_THAT(up.requests().at(0).body, Contains("\"include_usage\":true"));

    const auto logs = f.logs(1);
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].stream == 1);
    CHECK(logs[0].outcome == "ok");
    CHECK(logs[0].prompt_tokens == 9);
    CHECK(logs[0].completion_tokens == 3);
    CHECK(logs[0].ttft_us.has_value());
    const auto body = boost::json::parse(logs[0].response_body.value()).as_object();
    CHECK(body.at("object") == "chat.completion");
    CHECK(body.at("choices").at(0).at("message").at("content") == "The capital is Paris.");
    CHECK(body.at("choices").at(0).at("finish_reason") == "stop");
  }
  SECTION("stream_options.include_usage is honoured") {
    const std::string req =
        R"({"model":"gpt-test","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})";
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", req);
    REQUIRE(r.status == 200);
    const auto events = router::test::sse_data(r.body);
    REQUIRE(events.size() == 8);
    CHECK_THAT(events[6], Contains("\"usage\""));
    CHECK(up.requests().at(0).body == req);  // the client asked already: sent unchanged
  }
}

TEST_CASE("proxy: tool calls pass through both ways", "[server]") {
  MockUpstream up;
  const std::string answer =
      R"({"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}})";
  up.on("/v1/chat/completions", MockUpstream::json(answer));
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.set("active_provider", "oa");
  f.start();
  const std::string req =
      R"({"model":"gpt-test","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}],"tool_choice":"auto"})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", req);
  CHECK(r.status == 200);
  CHECK(r.body == answer);
  CHECK(up.requests().at(0).body == req);  // tools, tool_choice and strict untouched for openai
}

TEST_CASE("proxy: lm-studio tool definitions are normalised", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  ServerFixture f;
  f.add_provider("lms", "lm-studio", openai(up));
  f.set("active_provider", "lms");
  f.start();
  const std::string req =
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"run","parameters":{"properties":{},"strict":true}}},{"type":"web_search"}]})";
  REQUIRE(router::test::http_request(f.port(), "POST", "/v1/chat/completions", req).status == 200);
  const auto sent = boost::json::parse(up.requests().at(0).body).as_object();
  const auto& tools = sent.at("tools").as_array();
  CHECK(tools.at(0).at("function").at("description") == "Execute run function");
  CHECK(tools.at(0).at("function").at("parameters").at("type") == "object");
  CHECK_FALSE(tools.at(0).at("function").at("parameters").as_object().contains("strict"));
  CHECK(tools.at(1).at("type") == "web_search");
}

TEST_CASE("proxy: `router set` between two requests changes the upstream of the second", "[server]") {
  MockUpstream a;
  MockUpstream b;
  a.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from a")));
  b.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from b")));
  ServerFixture f;
  f.add_provider("pa", "openai", openai(a));
  f.add_provider("pb", "openai", openai(b));
  f.set("active_provider", "pa");
  f.start();
  HttpClient c(f.port());  // one keep-alive connection for both requests
  auto r1 = c.request("POST", "/v1/chat/completions", kChat);
  CHECK(r1.header("x-router-provider") == "pa");
  const auto set = router::test::run_router(f.db(), {"set", "pb"});
  INFO(set.err);
  REQUIRE(set.exit_code == 0);
  auto r2 = c.request("POST", "/v1/chat/completions", kChat);
  CHECK(r2.header("x-router-provider") == "pb");
  CHECK_THAT(r2.body, Contains("from b"));
  CHECK(a.hits("/v1/chat/completions") == 1);
  CHECK(b.hits("/v1/chat/completions") == 1);
}

TEST_CASE("proxy: fallback on refused, 5xx and timeouts before the first byte, never on 400", "[server]") {
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("fallback answer")));
  MockUpstream bad;
  ServerFixture f;
  f.add_provider("backup", "openai", openai(good), 1);
  f.link("backup", "gpt-test");
  f.set("active_provider", "primary");

  SECTION("connection refused") {
    boost::json::object cfg{{"baseURL", "http://127.0.0.1:1/v1"}};
    f.add_provider("primary", "openai", cfg, 5);
  }
  SECTION("HTTP 503") {
    bad.on("/v1/chat/completions", MockUpstream::json(R"({"error":{"message":"overloaded"}})", 503));
    f.add_provider("primary", "openai", openai(bad), 5);
  }
  SECTION("no answer before the timeout") {
    bad.on("/v1/chat/completions", [](const MockRequest&, MockConn& c) {
      for (int i = 0; i < 300 && !c.peer_closed(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      c.close();
    });
    boost::json::object cfg = openai(bad);
    cfg["timeout"] = 300;
    f.add_provider("primary", "openai", cfg, 5);
  }
  SECTION("reset before the response head") {
    bad.on("/v1/chat/completions", [](const MockRequest&, MockConn& c) { c.reset(); });
    f.add_provider("primary", "openai", openai(bad), 5);
  }
  f.link("primary", "gpt-test");
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 200);
  CHECK(r.header("x-router-provider") == "backup");
  CHECK_THAT(r.body, Contains("fallback answer"));
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].outcome == "ok");
  CHECK(logs[0].provider_id == "backup");
  REQUIRE(logs[0].attempt_rows.size() == 2);
  CHECK(logs[0].attempt_rows[0].first == "primary");
  CHECK(logs[0].attempt_rows[1].first == "backup");
  CHECK(logs[0].attempt_rows[1].second == 200);
}

TEST_CASE("proxy: an upstream 400 is the client's answer, without fallback", "[server]") {
  MockUpstream bad;
  MockUpstream good;
  const std::string err = R"({"error":{"message":"context too long","type":"invalid_request_error","code":"context_length_exceeded"}})";
  bad.on("/v1/chat/completions", MockUpstream::json(err, 400));
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("never")));
  ServerFixture f;
  f.add_provider("primary", "openai", openai(bad), 5);
  f.add_provider("backup", "openai", openai(good), 1);
  f.link("primary", "gpt-test");
  f.link("backup", "gpt-test");
  f.set("active_provider", "primary");
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 400);
  CHECK(r.body == err);
  CHECK(good.hits("/v1/chat/completions") == 0);
  const auto logs = f.logs(1);
  CHECK(logs.at(0).outcome == "client_error");
  CHECK(logs.at(0).attempts == 1);
}

TEST_CASE("proxy: a stream cut mid-way ends with an honest SSE error and no [DONE]", "[server]") {
  MockUpstream up;
  MockUpstream backup;
  backup.on("/v1/chat/completions", MockUpstream::sse({"never"}));
  up.on("/v1/chat/completions", [](const MockRequest&, MockConn& c) {
    c.begin_chunked();
    c.chunk("data: " + MockUpstream::chunk_json("Hello") + "\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.reset();
  });
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up), 5);
  f.add_provider("backup", "openai", openai(backup), 1);
  f.link("oa", "gpt-test");
  f.link("backup", "gpt-test");
  f.set("active_provider", "oa");
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kStreamChat);
  REQUIRE(r.status == 200);
  const auto events = router::test::sse_data(r.body);
  REQUIRE(events.size() == 2);
  CHECK(events[0] == MockUpstream::chunk_json("Hello"));
  CHECK_THAT(events[1], Contains("\"error\""));
  CHECK(r.body.find("[DONE]") == std::string::npos);
  CHECK(backup.hits("/v1/chat/completions") == 0);  // bytes reached the client: no fallback
  const auto logs = f.logs(1);
  CHECK(logs.at(0).outcome == "truncated");
  CHECK_THAT(logs.at(0).error, Contains("stream broke"));
}

TEST_CASE("proxy: a client that hangs up mid-stream cancels the upstream request", "[server]") {
  MockUpstream up;
  std::atomic<bool> upstream_saw_close{false};
  up.on("/v1/chat/completions", [&](const MockRequest&, MockConn& c) {
    c.begin_chunked();
    for (int i = 0; i < 500; ++i) {
      if (!c.chunk("data: " + MockUpstream::chunk_json("tick") + "\n\n") || c.peer_closed()) {
        upstream_saw_close = true;
        return c.close();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    c.end_chunked();
  });
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.set("active_provider", "oa");
  f.start();
  HttpClient c(f.port());
  int pieces = 0;
  const auto r = c.stream("POST", "/v1/chat/completions", kStreamChat, {}, [&](std::string_view) { return ++pieces < 3; });
  CHECK(r.status == 200);
  for (int i = 0; i < 300 && !upstream_saw_close; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(upstream_saw_close);
  const auto logs = f.logs(1);
  CHECK(logs.at(0).outcome == "cancelled");
}

TEST_CASE("proxy: bad client input gets a clear 4xx and the server carries on", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.set("active_provider", "oa");
  f.set("server.max_body_bytes", 4096);
  f.set("server.read_timeout", 1000);
  f.start();

  SECTION("malformed JSON is 400") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", R"({"model": "x", "messages": [)");
    CHECK(r.status == 400);
    CHECK(boost::json::parse(r.body).at("error").at("type") == "invalid_request_error");
  }
  SECTION("wrong types are 400 naming the field") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions",
                                              R"({"model": 5, "messages": [{"role":"user","content":"x"}]})");
    CHECK(r.status == 400);
    CHECK(boost::json::parse(r.body).at("error").at("param") == "model");
  }
  SECTION("an oversized body is 413") {
    const std::string big = R"({"model":"x","messages":[{"role":"user","content":")" + std::string(10000, 'a') + "\"}]}";
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", big);
    CHECK(r.status == 413);
    CHECK(boost::json::parse(r.body).at("error").at("type") == "request_too_large");
  }
  SECTION("slow headers are closed by the deadline") {
    HttpClient c(f.port());
    REQUIRE(c.send_raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"));
    CHECK(c.closed_by_peer(std::chrono::milliseconds(4000)));
  }
  CHECK(up.hits("/v1/chat/completions") == 0);
  const auto ok = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(ok.status == 200);
}

TEST_CASE("proxy: no candidate is 503 no_provider_available, a pinned unknown provider 404", "[server]") {
  ServerFixture f;
  f.start();
  auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat);
  CHECK(r.status == 503);
  CHECK(boost::json::parse(r.body).at("error").at("type") == "no_provider_available");
  r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, {{"X-Router-Provider", "ghost"}});
  CHECK(r.status == 404);
  const auto logs = f.logs(2);
  CHECK(logs.at(0).outcome == "no_provider");
}

TEST_CASE("proxy: auth.clients decides whether client routes need a key, and keys fails closed", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  const std::string key = "rk-test-client-key-0000000000000000000000000000";
  const router::test::Headers with_key{{"Authorization", "Bearer " + key}};
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.set("active_provider", "oa");
  auto chat = [&](const router::test::Headers& h) {
    return router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, h).status;
  };

  SECTION("open: a client key existing locks nobody out") {
    f.add_key("app", "client", key);
    f.start();
    CHECK(chat({}) == 200);
    CHECK(chat({{"Authorization", "Bearer sk-anything"}}) == 200);
    CHECK(chat(with_key) == 200);
  }
  SECTION("keys with no client key at all: every request is refused") {
    f.set("auth.clients", "keys");
    f.start();
    CHECK(chat({}) == 401);
    CHECK(chat(with_key) == 401);
  }
  SECTION("keys: only an unrevoked key passes, and revoking the last one opens nothing") {
    f.add_key("app", "client", key);
    f.set("auth.clients", "keys");
    f.start();
    CHECK(chat({}) == 401);
    CHECK(chat({{"Authorization", "Bearer rk-wrong"}}) == 401);
    CHECK(chat(with_key) == 200);
    CHECK(router::test::http_request(f.port(), "GET", "/v1/route?model=x", "", with_key).status == 403);
    REQUIRE(router::test::run_router(f.db(), {"key", "revoke", "app"}).exit_code == 0);
    CHECK(chat(with_key) == 401);
    CHECK(chat({}) == 401);
    // Opening is an explicit, live change.
    REQUIRE(router::test::run_router(f.db(), {"config", "set", "auth.clients", "open"}).exit_code == 0);
    CHECK(chat({}) == 200);
  }
}

TEST_CASE("proxy: a disabled provider's upstream is never contacted by client routes", "[server]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(R"({"object":"list","data":[]})"));
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  ServerFixture f;
  f.add_provider("off", "openai", openai(up), 0, false);
  f.link("off", "gpt-test");
  f.set("active_provider", "off");
  f.start();
  auto r = router::test::http_request(f.port(), "GET", "/v1/models?provider=off");
  CHECK(r.status == 409);
  const auto doc = boost::json::parse(r.body);
  CHECK(doc.at("error").at("type") == "conflict_error");
  CHECK(doc.at("error").at("param") == "provider");
  CHECK_THAT(std::string(doc.at("error").at("message").as_string()), Contains("provider 'off' is disabled"));
  r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, {{"X-Router-Provider", "off"}});
  CHECK(r.status == 503);
  CHECK(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat).status == 503);
  CHECK(up.hits("/v1/models") == 0);
  CHECK(up.hits("/v1/chat/completions") == 0);
}

TEST_CASE("proxy: /v1/models lists linked models of enabled providers, ?provider= asks upstream", "[server]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(R"({"object":"list","data":[{"id":"live-1","object":"model","created":5,"owned_by":"x"}]})"));
  ServerFixture f;
  f.add_provider("oa", "openai", openai(up));
  f.add_provider("off", "openai", openai(up), 0, false);
  f.link("oa", "gpt-a");
  f.link("off", "gpt-hidden");
  f.start();
  auto r = router::test::http_request(f.port(), "GET", "/v1/models");
  REQUIRE(r.status == 200);
  auto doc = boost::json::parse(r.body).as_object();
  REQUIRE(doc.at("data").as_array().size() == 1);
  CHECK(doc.at("data").at(0).at("id") == "gpt-a");
  CHECK(router::test::http_request(f.port(), "GET", "/v1/models/gpt-a").status == 200);
  CHECK(router::test::http_request(f.port(), "GET", "/v1/models/gpt-hidden").status == 404);
  r = router::test::http_request(f.port(), "GET", "/v1/models?provider=oa");
  REQUIRE(r.status == 200);
  CHECK(boost::json::parse(r.body).at("data").at(0).at("id") == "live-1");
  CHECK(router::test::http_request(f.port(), "GET", "/v1/models?provider=nope").status == 404);
}

TEST_CASE("proxy: health and metrics answer", "[server]") {
  ServerFixture f;
  f.start();
  auto r = router::test::http_request(f.port(), "GET", "/health");
  CHECK(r.status == 200);
  CHECK(boost::json::parse(r.body).at("status") == "ok");
  r = router::test::http_request(f.port(), "GET", "/metrics");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Contains("router_log_queue_depth"));
  CHECK(router::test::http_request(f.port(), "GET", "/nope").status == 404);
}
