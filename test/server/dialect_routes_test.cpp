#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/dialects.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// The Anthropic Messages and OpenAI Responses routes through a real server and an upstream
// speaking its real wire: the dialects' unit tests (test/dialects) say how each is rendered,
// these that the routes use them, with the proxy's routing, keys and logging.

using Catch::Matchers::Contains;
using router::test::MockUpstream;
using router::test::ServerFixture;
using router::test::sse_event_names;

namespace {

const std::string kMessages =
    R"({"model":"gpt-test","max_tokens":256,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]})";
const std::string kMessagesStream =
    R"({"model":"gpt-test","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
const std::string kResponses = R"({"model":"gpt-test","instructions":"Be brief.","input":"hi","store":false})";
const std::string kResponsesStream = R"({"model":"gpt-test","input":[{"role":"user","content":"hi"}],"stream":true})";

// One openai provider "p" on `up`, serving gpt-test, active.
void openai_provider(ServerFixture& f, const MockUpstream& up) {
  f.add_provider("p", "openai", {{"baseURL", up.url("/v1")}});
  f.link("p", "gpt-test");
  f.set("active_provider", "p");
}

boost::json::object sent(const MockUpstream& up) {
  const auto requests = up.requests();
  REQUIRE(requests.size() == 1);
  return boost::json::parse(requests[0].body).as_object();
}

// The text of every content_block_delta / response.output_text.delta event, joined.
std::string streamed_text(const std::string& sse, std::string_view delta_field) {
  std::string out;
  std::size_t pos = 0;
  while ((pos = sse.find("data: ", pos)) != std::string::npos) {
    const auto end = sse.find('\n', pos);
    const auto v = boost::json::parse(sse.substr(pos + 6, end - pos - 6));
    pos = end;
    const auto& o = v.as_object();
    if (o.at("type") == "content_block_delta" && o.at("delta").at("type") == "text_delta") {
      out += o.at("delta").at("text").as_string();
    } else if (o.at("type") == "response.output_text.delta") {
      out += o.at(delta_field).as_string();
    }
  }
  return out;
}

}  // namespace

TEST_CASE("dialect routes: POST /v1/messages through an OpenAI upstream, not streaming", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("Hello there")));
  ServerFixture f;
  openai_provider(f, up);
  f.start();
  // Claude Code's own target: the query string is accepted.
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages?beta=true", kMessages,
                                            {{"anthropic-version", "2023-06-01"}});
  REQUIRE(r.status == 200);
  const auto msg = boost::json::parse(r.body).as_object();
  CHECK(msg.at("type") == "message");
  CHECK(msg.at("role") == "assistant");
  CHECK(msg.at("content").at(0).at("type") == "text");
  CHECK(msg.at("content").at(0).at("text") == "Hello there");
  CHECK(msg.at("stop_reason") == "end_turn");
  CHECK(msg.at("usage").at("input_tokens") == 11);
  CHECK(msg.at("usage").at("output_tokens") == 7);
  CHECK(r.header("x-router-provider") == "p");

  const auto upstream = sent(up);  // the chat form, what an OpenAI upstream reads
  CHECK(upstream.at("model") == "gpt-test");
  CHECK(upstream.at("max_tokens") == 256);
  CHECK(upstream.at("messages").at(0).at("role") == "system");
  CHECK(upstream.at("messages").at(0).at("content") == "Be brief.");
  CHECK(upstream.at("messages").at(1).at("content") == "hi");

  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/messages");
  CHECK(logs[0].status == 200);
  CHECK(logs[0].prompt_tokens == 11);
  REQUIRE(logs[0].request_body);
  CHECK(*logs[0].request_body == kMessages);  // the bytes the client sent, not the translation
  REQUIRE(logs[0].response_body);
  CHECK(boost::json::parse(*logs[0].response_body).at("type") == "message");
}

// Found by Claude Code through an OpenAI provider: it sends `thinking` and `cache_control`, which
// OpenAI refuses ("Unrecognized request argument supplied: thinking").
TEST_CASE("dialect routes: an OpenAI upstream never sees the chat form's Anthropic extensions", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("fine")));
  ServerFixture f;
  openai_provider(f, up);
  f.start();
  const std::string body =
      R"({"model":"gpt-test","max_tokens":256,"thinking":{"type":"enabled","budget_tokens":1024},"top_k":5,)"
      R"("system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],)"
      R"("messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", body);
  REQUIRE(r.status == 200);
  const auto requests = up.requests();
  REQUIRE(requests.size() == 1);
  const auto& wire = requests[0].body;
  CHECK_THAT(wire, !Contains("thinking"));
  CHECK_THAT(wire, !Contains("cache_control"));
  CHECK_THAT(wire, !Contains("top_k"));
  CHECK_THAT(wire, Contains("Be brief."));
}

TEST_CASE("dialect routes: POST /v1/messages streams Anthropic's exact event sequence", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::sse({"Hel", "lo"}));
  ServerFixture f;
  openai_provider(f, up);
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", kMessagesStream);
  REQUIRE(r.status == 200);
  CHECK_THAT(r.header("content-type"), Contains("text/event-stream"));
  const auto names = sse_event_names(r.body);
  REQUIRE(names.size() >= 6);
  CHECK(names.front() == "message_start");
  CHECK(names[1] == "content_block_start");
  CHECK(names[names.size() - 3] == "content_block_stop");
  CHECK(names[names.size() - 2] == "message_delta");
  CHECK(names.back() == "message_stop");
  CHECK(streamed_text(r.body, "") == "Hello");
  CHECK_THAT(r.body, !Contains("[DONE]"));
  // The router asks the upstream for usage, so message_delta can carry it.
  CHECK(sent(up).at("stream_options").at("include_usage") == true);

  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/messages");
  CHECK(logs[0].outcome == "ok");
  REQUIRE(logs[0].response_body);
  const auto stored = boost::json::parse(*logs[0].response_body);  // one `message` object
  CHECK(stored.at("type") == "message");
  CHECK(stored.at("content").at(0).at("text") == "Hello");
}

TEST_CASE("dialect routes: Messages errors come in Anthropic's shape", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(R"({"error":{"message":"slow down","type":"rate_limit_error"}})", 429));
  ServerFixture f;
  openai_provider(f, up);
  f.add_key("cc", "client", "rk-claude-code-000000000000000001");
  f.set("auth.clients", "keys");
  f.start();

  SECTION("no key: 401 authentication_error") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", kMessages);
    CHECK(r.status == 401);
    const auto v = boost::json::parse(r.body);
    CHECK(v.at("type") == "error");
    CHECK(v.at("error").at("type") == "authentication_error");
    CHECK(up.hits("/v1/chat/completions") == 0);
  }
  SECTION("x-api-key is a client key; an upstream 429 keeps its status") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", kMessages,
                                              {{"x-api-key", "rk-claude-code-000000000000000001"}});
    CHECK(r.status == 429);
    const auto v = boost::json::parse(r.body);
    CHECK(v.at("type") == "error");
    CHECK(v.at("error").at("type") == "rate_limit_error");
    CHECK_THAT(std::string(v.at("error").at("message").as_string()), Contains("slow down"));
    const auto logs = f.logs(1);
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].status == 429);
  }
  SECTION("a body that is no Messages request: 400 invalid_request_error, nothing sent upstream") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", R"({"model":"gpt-test","messages":"hi"})",
                                              {{"x-api-key", "rk-claude-code-000000000000000001"}});
    CHECK(r.status == 400);
    const auto v = boost::json::parse(r.body);
    CHECK(v.at("type") == "error");
    CHECK(v.at("error").at("type") == "invalid_request_error");
    CHECK(up.hits("/v1/chat/completions") == 0);
  }
}

TEST_CASE("dialect routes: POST /v1/messages/count_tokens answers an estimate", "[server][dialects]") {
  ServerFixture f;
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages/count_tokens",
                                            R"({"model":"gpt-test","messages":[{"role":"user","content":"How many tokens is this sentence?"}]})");
  REQUIRE(r.status == 200);
  const auto n = boost::json::parse(r.body).at("input_tokens").as_int64();
  CHECK(n > 0);
  CHECK(n < 100);
  const auto bad = router::test::http_request(f.port(), "POST", "/v1/messages/count_tokens", "[]");
  CHECK(bad.status == 400);
  CHECK(boost::json::parse(bad.body).at("type") == "error");
}

TEST_CASE("dialect routes: POST /v1/responses through an OpenAI upstream, whole and streamed", "[server][dialects]") {
  MockUpstream up;
  ServerFixture f;
  openai_provider(f, up);
  f.start();

  SECTION("not streaming: one response object") {
    up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("Hi back")));
    const auto r = router::test::http_request(f.port(), "POST", "/v1/responses", kResponses);
    REQUIRE(r.status == 200);
    const auto v = boost::json::parse(r.body).as_object();
    CHECK(v.at("object") == "response");
    CHECK(v.at("status") == "completed");
    const auto& out = v.at("output").as_array();
    REQUIRE(!out.empty());
    CHECK(out.back().at("type") == "message");
    CHECK(out.back().at("content").at(0).at("text") == "Hi back");
    CHECK(v.at("usage").at("input_tokens") == 11);
    const auto upstream = sent(up);
    CHECK(upstream.at("messages").at(0).at("role") == "system");
    CHECK(upstream.at("messages").at(1).at("content") == "hi");
    const auto logs = f.logs(1);
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].endpoint == "/v1/responses");
    REQUIRE(logs[0].response_body);
    CHECK(boost::json::parse(*logs[0].response_body).at("object") == "response");
  }
  SECTION("streaming: response.created … response.completed") {
    up.on("/v1/chat/completions", MockUpstream::sse({"Hi", " back"}));
    const auto r = router::test::http_request(f.port(), "POST", "/v1/responses", kResponsesStream);
    REQUIRE(r.status == 200);
    const auto names = sse_event_names(r.body);
    REQUIRE(names.size() >= 4);
    CHECK(names.front() == "response.created");
    CHECK(names.back() == "response.completed");
    CHECK(streamed_text(r.body, "delta") == "Hi back");
    const auto logs = f.logs(1);
    REQUIRE(logs.size() == 1);
    REQUIRE(logs[0].response_body);
    CHECK(boost::json::parse(*logs[0].response_body).at("object") == "response");
  }
  SECTION("a previous_response_id this router never issued is refused with a 400 naming it") {
    const auto r = router::test::http_request(f.port(), "POST", "/v1/responses",
                                              R"({"model":"gpt-test","input":"more","previous_response_id":"resp_1"})");
    CHECK(r.status == 400);
    CHECK(boost::json::parse(r.body).at("error").at("param") == "previous_response_id");
    CHECK(up.hits("/v1/chat/completions") == 0);
  }
}

TEST_CASE("dialect routes: GET /v1/models answers in Anthropic's shape to an Anthropic client", "[server][dialects]") {
  MockUpstream up;
  ServerFixture f;
  openai_provider(f, up);
  f.start();
  const auto openai = boost::json::parse(router::test::http_request(f.port(), "GET", "/v1/models").body);
  CHECK(openai.at("object") == "list");
  REQUIRE(openai.at("data").as_array().size() == 1);

  const auto r = router::test::http_request(f.port(), "GET", "/v1/models", {}, {{"anthropic-version", "2023-06-01"}});
  REQUIRE(r.status == 200);
  const auto v = boost::json::parse(r.body).as_object();
  CHECK_FALSE(v.contains("object"));
  CHECK(v.at("has_more") == false);
  const auto& data = v.at("data").as_array();
  REQUIRE(data.size() == 1);
  CHECK(data[0].at("type") == "model");
  CHECK(data[0].at("id") == "gpt-test");
  CHECK(v.at("first_id") == "gpt-test");
  CHECK(v.at("last_id") == "gpt-test");
  const std::string created(data[0].at("created_at").as_string());
  CHECK(created.size() == 24);  // 2026-12-03T10:04:05.123Z
  CHECK(created.back() == 'Z');
}
