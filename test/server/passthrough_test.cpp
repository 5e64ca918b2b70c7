#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/dialects.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// Native pass-through (docs/dialects.md): a client whose dialect the provider speaks gets the
// upstream's bytes, and the upstream gets the client's, only the model changed. Routing,
// fallback and logging stay the proxy's.

using Catch::Matchers::Contains;
using router::test::anthropic_config;
using router::test::fixture;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

// Odd spacing, a unicode escape, cache_control on a system block and a tool, a signed thinking
// block in the history, a field no translation knows: everything a re-serialisation would change.
const std::string kClaudeBody =
    "{ \"model\" : \"sonnet\",\n  \"max_tokens\":1024, \"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},"
    "\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
    "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run\",\"input_schema\":{\"type\":\"object\"},"
    "\"cache_control\":{\"type\":\"ephemeral\"}}],"
    "\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9?\"},"
    "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"EqQBCgIYAhIM1gbcDa9\"},"
    "{\"type\":\"text\",\"text\":\"Yes.\"}]},{\"role\":\"user\",\"content\":\"more\"}],"
    "\"context_management\":{\"edits\":[]}  , \"metadata\":{\"user_id\":\"u1\"}}";

// One anthropic provider "an" on `up`, serving `model`, active.
void anthropic_server(ServerFixture& f, const MockUpstream& up, const std::string& model) {
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.link("an", model);
  f.set("active_provider", "an");
  f.start();
}

std::string with_model(std::string body, const std::string& from, const std::string& to) {
  const auto at = body.find("\"" + from + "\"");
  REQUIRE(at != std::string::npos);
  return body.replace(at, from.size() + 2, "\"" + to + "\"");
}

}  // namespace

TEST_CASE("pass-through: Messages to an anthropic provider, byte for byte both ways", "[server][dialects]") {
  MockUpstream up;
  const auto reply = fixture("anthropic/reply_text.json");
  up.on("/v1/messages", MockUpstream::json(reply));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.link("an", "sonnet", false, std::string("claude-sonnet-4-5"));
  f.set("active_provider", "an");
  f.start();
  const auto r = router::test::http_request(
      f.port(), "POST", "/v1/messages?beta=true", kClaudeBody,
      {{"anthropic-version", "2023-01-01"}, {"anthropic-beta", "interleaved-thinking-2025-05-14"}, {"x-api-key", "ignored"}});
  REQUIRE(r.status == 200);
  CHECK(r.body == reply);  // the upstream's bytes

  const auto requests = up.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/v1/messages");
  CHECK(requests[0].body == with_model(kClaudeBody, "sonnet", "claude-sonnet-4-5"));
  CHECK(requests[0].header("anthropic-version") == "2023-01-01");  // the client's, not the configured one
  CHECK(requests[0].header("anthropic-beta") == "interleaved-thinking-2025-05-14");
  CHECK(requests[0].header("x-api-key") == "sk-ant-upstream-000000000001");

  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/messages");
  CHECK(logs[0].model_sent == "claude-sonnet-4-5");
  CHECK(logs[0].prompt_tokens == 12);
  CHECK(logs[0].completion_tokens == 8);
  REQUIRE(logs[0].request_body);
  CHECK(*logs[0].request_body == kClaudeBody);
  REQUIRE(logs[0].response_body);
  CHECK(*logs[0].response_body == reply);
  CHECK(logs[0].error.empty());  // nothing was dropped: no "ignored by anthropic"
}

TEST_CASE("pass-through: a Messages body naming no model gets the provider's, first, the rest as sent",
          "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/messages", MockUpstream::json(fixture("anthropic/reply_text.json")));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.link("an", "claude-x", true);
  f.set("active_provider", "an");
  f.start();
  const std::string body = R"({ "max_tokens":5,"messages":[{"role":"user","content":"hi"}]})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", body);
  REQUIRE(r.status == 200);
  const auto requests = up.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].body == R"({"model":"claude-x", "max_tokens":5,"messages":[{"role":"user","content":"hi"}]})");
  CHECK(requests[0].header("anthropic-version") == "2023-06-01");  // none sent: the configured one
}

TEST_CASE("pass-through: a Messages stream reaches the client as the upstream's SSE bytes", "[server][dialects]") {
  MockUpstream up;
  const auto sse = fixture("anthropic/stream_text.sse");
  up.on("/v1/messages", router::test::sse_transcript(sse, 13));
  ServerFixture f;
  anthropic_server(f, up, "claude-sonnet-4-5");
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", body);
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  CHECK(r.body == sse);  // ping and all

  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].outcome == "ok");
  CHECK(logs[0].prompt_tokens == 25);
  CHECK(logs[0].completion_tokens == 15);
  CHECK(logs[0].ttft_us.has_value());
  REQUIRE(logs[0].response_body);
  const auto logged = boost::json::parse(*logs[0].response_body).as_object();  // one Messages `message`
  CHECK(logged.at("type") == "message");
  CHECK(logged.at("content").at(0).at("text") == "Hello, world!");
  CHECK(logged.at("stop_reason") == "end_turn");
}

TEST_CASE("pass-through: an upstream error mid-stream reaches a Messages client as the upstream sent it",
          "[server][dialects]") {
  MockUpstream up;
  const auto sse = fixture("anthropic/stream_error.sse");
  up.on("/v1/messages", router::test::sse_transcript(sse));
  ServerFixture f;
  anthropic_server(f, up, "claude-sonnet-4-5");
  const std::string body =
      R"({"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", body);
  REQUIRE(r.status == 200);
  CHECK(r.body == sse);  // the upstream's own error event ends it: no invented message_stop
  CHECK_THAT(r.body, !Contains("message_stop"));
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].outcome == "truncated");
  CHECK_THAT(logs[0].error, Contains("overloaded_error"));
}

TEST_CASE("pass-through: a Messages request falls back from anthropic to an OpenAI upstream, translated",
          "[server][dialects]") {
  MockUpstream bad;
  bad.on("/v1/messages", MockUpstream::json(fixture("anthropic/error_overloaded.json"), 529));
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from openai")));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(bad), 5);
  f.add_provider("backup", "openai", {{"baseURL", good.url("/v1")}}, 1);
  f.link("an", "c");
  f.link("backup", "c");
  f.set("active_provider", "an");
  f.start();
  const std::string body = R"({"model":"c","max_tokens":64,"messages":[{"role":"user","content":"hi"}]})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/messages", body);
  REQUIRE(r.status == 200);
  CHECK(r.header("x-router-provider") == "backup");
  const auto msg = boost::json::parse(r.body).as_object();
  CHECK(msg.at("type") == "message");
  CHECK(msg.at("content").at(0).at("text") == "from openai");
  REQUIRE(bad.requests().size() == 1);
  CHECK(bad.requests()[0].body == body);  // the first attempt passed through
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].attempt_rows.size() == 2);
}

TEST_CASE("pass-through: POST /v1/embeddings to an OpenAI upstream, anthropic providers skipped",
          "[server][dialects]") {
  MockUpstream up;
  const std::string reply =
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,-0.5]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}})";
  up.on("/v1/embeddings", MockUpstream::json(reply));
  MockUpstream an_up;
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(an_up), 5);
  f.add_provider("oa", "openai", {{"baseURL", up.url("/v1")}}, 1);
  f.link("an", "embed");
  f.link("oa", "embed", false, std::string("text-embedding-3-small"));
  f.set("active_provider", "an");
  f.start();
  const std::string body = R"({"model": "embed", "input": ["a b c"], "encoding_format":"float"})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/embeddings", body);
  REQUIRE(r.status == 200);
  CHECK(r.body == reply);
  CHECK(r.header("x-router-provider") == "oa");
  CHECK(an_up.requests().empty());  // never tried: it cannot serve embeddings
  const auto requests = up.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/v1/embeddings");
  CHECK(requests[0].body == R"({"model": "text-embedding-3-small", "input": ["a b c"], "encoding_format":"float"})");
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/embeddings");
  CHECK(logs[0].provider_id == "oa");
  CHECK(logs[0].prompt_tokens == 3);

  SECTION("route --endpoint explains the skip, and an unknown endpoint is refused") {
    f.add_key("root", "admin", "sk-router-admin-passthrough-0001");
    const router::test::Headers admin{{"Authorization", "Bearer sk-router-admin-passthrough-0001"}};
    auto route = router::test::http_request(f.port(), "GET", "/v1/route?model=embed&endpoint=embeddings", {}, admin);
    REQUIRE(route.status == 200);
    const auto d = boost::json::parse(route.body).as_object();
    CHECK(d.at("endpoint") == "/v1/embeddings");
    REQUIRE(d.at("candidates").as_array().size() == 1);
    CHECK(d.at("candidates").at(0).at("provider") == "oa");
    CHECK_THAT(route.body, Contains("anthropic providers do not serve /v1/embeddings"));
    route = router::test::http_request(f.port(), "GET", "/v1/route?model=embed&endpoint=images", {}, admin);
    CHECK(route.status == 400);
    CHECK_THAT(route.body, Contains("unknown endpoint 'images'"));
  }
}

TEST_CASE("pass-through: embeddings with no provider that serves them get a 503 naming why", "[server][dialects]") {
  MockUpstream up;
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.link("an", "embed");
  f.set("active_provider", "an");
  f.start();
  auto r = router::test::http_request(f.port(), "POST", "/v1/embeddings", R"({"model":"embed","input":"x"})");
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Contains("anthropic providers do not serve /v1/embeddings"));
  r = router::test::http_request(f.port(), "POST", "/v1/embeddings", R"({"model":"embed","input":"x","stream":true})");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Contains("embeddings cannot be streamed"));
  CHECK(up.requests().empty());
}

TEST_CASE("pass-through: a /v1/completions stream is relayed as sent and logged as one text_completion",
          "[server][dialects]") {
  MockUpstream up;
  const std::string sse =
      "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"text\":\"Hel\",\"index\":0,\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"text\":\"lo\",\"index\":0,\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  up.on("/v1/completions", router::test::sse_transcript(sse, 11));
  ServerFixture f;
  f.add_provider("lm", "lm-studio", {{"baseURL", up.url("/v1")}});
  f.link("lm", "m");
  f.set("active_provider", "lm");
  f.start();
  const std::string body = R"({"model":"m","prompt":"Say hello","max_tokens":5,"stream":true})";
  const auto r = router::test::http_request(f.port(), "POST", "/v1/completions", body);
  REQUIRE(r.status == 200);
  CHECK(r.body == sse);
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests()[0].body == body);  // no stream_options added: the client's bytes
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/completions");
  CHECK(logs[0].outcome == "ok");
  REQUIRE(logs[0].response_body);
  const auto logged = boost::json::parse(*logs[0].response_body).as_object();
  CHECK(logged.at("object") == "text_completion");
  CHECK(logged.at("choices").at(0).at("text") == "Hello");
  CHECK(logged.at("choices").at(0).at("finish_reason") == "stop");
}

TEST_CASE("pass-through: count_tokens goes to an anthropic provider, estimated for others", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/messages/count_tokens", MockUpstream::json(R"({"input_tokens":4242})"));
  MockUpstream oa_up;
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.add_provider("oa", "openai", {{"baseURL", oa_up.url("/v1")}});
  f.link("an", "claude-x");
  f.link("oa", "gpt-x");
  f.set("active_provider", "an");
  f.start();
  const std::string body = R"({"model":"claude-x","messages":[{"role":"user","content":"hello there"}]})";
  auto r = router::test::http_request(f.port(), "POST", "/v1/messages/count_tokens", body,
                                      {{"anthropic-beta", "token-counting-2024-11-01"}});
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"input_tokens":4242})");
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests()[0].body == body);
  CHECK(up.requests()[0].header("anthropic-beta") == "token-counting-2024-11-01");
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].endpoint == "/v1/messages/count_tokens");

  // Its messages would go first to an OpenAI provider: the router's estimate, no upstream call.
  r = router::test::http_request(f.port(), "POST", "/v1/messages/count_tokens",
                                 R"({"model":"gpt-x","messages":[{"role":"user","content":"hello there"}]})",
                                 {{"X-Router-Provider", "oa"}});
  REQUIRE(r.status == 200);
  CHECK(boost::json::parse(r.body).at("input_tokens").as_int64() > 0);
  CHECK(up.requests().size() == 1);
  CHECK(oa_up.requests().empty());
}

TEST_CASE("pass-through: Responses to an openai provider marked nativeResponses", "[server][dialects]") {
  MockUpstream up;
  const std::string reply =
      R"({"id":"resp_up1","object":"response","status":"completed","model":"gpt-5","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi!","annotations":[]}]}],"usage":{"input_tokens":9,"output_tokens":3,"total_tokens":12,"input_tokens_details":{"cached_tokens":4},"output_tokens_details":{"reasoning_tokens":1}}})";
  auto event = [](const std::string& type, const std::string& rest) {
    return "event: " + type + "\ndata: {\"type\":\"" + type + "\"" + rest + "}\n\n";
  };
  const std::string sse =
      event("response.created", R"(,"response":{"id":"resp_up2","model":"gpt-5","status":"in_progress","output":[]})") +
      event("response.output_item.added",
            R"(,"output_index":0,"item":{"type":"function_call","id":"fc_1","call_id":"call_9","name":"shell","arguments":""})") +
      event("response.function_call_arguments.delta", R"(,"output_index":0,"delta":"{\"cmd\":")") +
      event("response.function_call_arguments.delta", R"(,"output_index":0,"delta":"\"ls\"}")") +
      event("response.completed",
            R"(,"response":{"id":"resp_up2","status":"completed","output":[],"usage":{"input_tokens":20,"output_tokens":5,"total_tokens":25}})");
  up.on("/v1/responses", [&](const router::test::MockRequest& req, router::test::MockConn& c) {
    if (req.body.find("\"stream\":true") != std::string::npos) {
      return MockUpstream::sse_events({sse}, [](router::test::MockConn& conn) { conn.end_chunked(); })(req, c);
    }
    return MockUpstream::json(reply)(req, c);
  });
  ServerFixture f;
  f.add_provider("oa", "openai", {{"baseURL", up.url("/v1")}, {"nativeResponses", true}});
  f.link("oa", "fast", false, std::string("gpt-5"));
  f.set("active_provider", "oa");
  f.start();

  const std::string body = R"({"model":"fast", "input":"hi","store":false,"include":["reasoning.encrypted_content"]})";
  auto r = router::test::http_request(f.port(), "POST", "/v1/responses", body);
  REQUIRE(r.status == 200);
  CHECK(r.body == reply);
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests()[0].target == "/v1/responses");
  CHECK(up.requests()[0].body == R"({"model":"gpt-5", "input":"hi","store":false,"include":["reasoning.encrypted_content"]})");
  auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].prompt_tokens == 9);
  REQUIRE(logs[0].response_body);
  CHECK(*logs[0].response_body == reply);

  const std::string streamed = R"({"model":"fast","input":"list files","stream":true})";
  r = router::test::http_request(f.port(), "POST", "/v1/responses", streamed);
  REQUIRE(r.status == 200);
  CHECK(r.body == sse);  // the upstream's events, as sent
  logs = f.logs(2);
  REQUIRE(logs.size() == 2);
  const auto& last = logs[1];  // in request id order
  CHECK(last.stream == 1);
  CHECK(last.outcome == "ok");
  CHECK(last.prompt_tokens == 20);
  REQUIRE(last.response_body);
  const auto logged = boost::json::parse(*last.response_body).as_object();  // one `response` object
  CHECK(logged.at("object") == "response");
  CHECK(logged.at("output").at(0).at("type") == "function_call");
  CHECK(logged.at("output").at(0).at("arguments") == R"({"cmd":"ls"})");
}
