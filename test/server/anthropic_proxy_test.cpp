#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

using Catch::Matchers::Contains;
using router::test::anthropic_config;
using router::test::fixture;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

const std::string kTools =
    R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}])";

// `an` (anthropic, on `bad`) is active; `backup` (openai, on `good`) serves the same model "c".
void with_backup(ServerFixture& f, const MockUpstream& bad, const MockUpstream& good) {
  f.add_provider("an", "anthropic", anthropic_config(bad), 5);
  f.add_provider("backup", "openai", {{"baseURL", good.url("/v1")}}, 1);
  f.link("an", "c");
  f.link("backup", "c");
  f.set("active_provider", "an");
}

}  // namespace

TEST_CASE("anthropic proxy: a tool round trip, not streaming", "[server]") {
  MockUpstream up;
  up.on("/v1/messages", MockUpstream::json(fixture("anthropic/reply_tool.json")));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.set("active_provider", "an");
  f.start();
  auto body = boost::json::parse(R"({"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather in SF?"}],)" +
                                 kTools + "}")
                  .as_object();
  const auto r1 = router::test::http_request(f.port(), "POST", "/v1/chat/completions", boost::json::serialize(body));
  REQUIRE(r1.status == 200);
  const auto msg = boost::json::parse(r1.body).at("choices").at(0).at("message").as_object();
  REQUIRE(msg.contains("tool_calls"));
  const auto sent1 = boost::json::parse(up.requests().at(0).body).as_object();
  CHECK(up.requests().at(0).header("x-api-key") == "sk-ant-upstream-000000000001");
  CHECK(up.requests().at(0).header("anthropic-version") == "2023-06-01");
  CHECK(sent1.at("system") == "Be brief.");
  CHECK(sent1.at("max_tokens") == 1000);  // the provider's maxTokens
  CHECK(sent1.at("tools").at(0).at("name") == "get_weather");

  up.on("/v1/messages", MockUpstream::json(fixture("anthropic/reply_text.json")));
  auto& messages = body["messages"].as_array();
  messages.push_back(msg);
  messages.push_back(boost::json::object{
      {"role", "tool"}, {"tool_call_id", msg.at("tool_calls").at(0).at("id")}, {"content", "18 C, sunny"}});
  const auto r2 = router::test::http_request(f.port(), "POST", "/v1/chat/completions", boost::json::serialize(body));
  REQUIRE(r2.status == 200);
  CHECK(boost::json::parse(r2.body).at("choices").at(0).at("message").at("content") == "Hello! How can I help?");
  const auto sent2 = boost::json::parse(up.requests().at(1).body).as_object();
  const auto& m = sent2.at("messages").as_array();
  REQUIRE(m.size() == 3);
  CHECK(m[1].at("content").at(1).at("type") == "tool_use");
  CHECK(m[1].at("content").at(1).at("input") == boost::json::parse(R"({"location":"San Francisco, CA","unit":"celsius"})"));
  CHECK(m[2] == boost::json::parse(R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"18 C, sunny"}]})"));
  const auto logs = f.logs(2);
  CHECK(logs.at(0).prompt_tokens == 400);
  CHECK(logs.at(1).outcome == "ok");
}

TEST_CASE("anthropic proxy: the streamed tool call reaches the client as tool_calls chunks", "[server]") {
  MockUpstream up;
  up.on("/v1/messages", router::test::sse_transcript(fixture("anthropic/stream_tool.sse"), 17));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.set("active_provider", "an");
  f.start();
  const auto r = router::test::http_request(
      f.port(), "POST", "/v1/chat/completions",
      R"({"model":"claude-sonnet-4-5","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}],)" +
          kTools + "}");
  REQUIRE(r.status == 200);
  const auto events = router::test::sse_data(r.body);
  REQUIRE(events.back() == "[DONE]");
  const auto usage = boost::json::parse(events[events.size() - 2]).as_object();
  CHECK(usage.at("choices").as_array().empty());
  CHECK(usage.at("usage").at("total_tokens") == 561);
  const auto logs = f.logs(1);
  const auto logged = boost::json::parse(logs.at(0).response_body.value());
  const auto& calls = logged.at("choices").at(0).at("message").at("tool_calls").as_array();
  REQUIRE(calls.size() == 2);
  CHECK(boost::json::parse(calls[0].at("function").at("arguments").as_string()).at("location") == "San Francisco, CA");
  CHECK(logged.at("choices").at(0).at("finish_reason") == "tool_calls");
  CHECK(logs.at(0).completion_tokens == 89);
}

TEST_CASE("anthropic proxy: an error event mid-stream is an honest SSE error", "[server]") {
  MockUpstream up;
  up.on("/v1/messages", router::test::sse_transcript(fixture("anthropic/stream_error.sse")));
  ServerFixture f;
  f.add_provider("an", "anthropic", anthropic_config(up));
  f.set("active_provider", "an");
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions",
                                            R"({"model":"c","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(r.status == 200);
  CHECK_THAT(r.body, Contains("Partial"));
  CHECK_THAT(r.body, Contains("overloaded_error"));
  CHECK(r.body.find("[DONE]") == std::string::npos);
  CHECK(f.logs(1).at(0).outcome == "truncated");
}

TEST_CASE("anthropic proxy: 529 fails over like 503, even when routing.retry_on lists only 503", "[server]") {
  MockUpstream bad;
  bad.on("/v1/messages", MockUpstream::json(fixture("anthropic/error_overloaded.json"), 529));
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from backup")));
  ServerFixture f;
  with_backup(f, bad, good);
  SECTION("default retry_on (5xx)") {}
  SECTION("retry_on [\"503\"]") { f.set("routing.retry_on", boost::json::array{"503"}); }
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions",
                                            R"({"model":"c","messages":[{"role":"user","content":"hi"}]})");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Contains("from backup"));
  const auto logs = f.logs(1);
  REQUIRE(logs.at(0).attempt_rows.size() == 2);
  CHECK(logs.at(0).attempt_rows[0].second == 529);
}

TEST_CASE("anthropic proxy: 4xx answers keep their meaning and do not fail over", "[server]") {
  MockUpstream bad;
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("never")));
  ServerFixture f;
  with_backup(f, bad, good);
  int want = 0;
  std::string type;
  SECTION("400") {
    bad.on("/v1/messages", MockUpstream::json(fixture("anthropic/error_invalid.json"), 400));
    want = 400;
    type = "invalid_request_error";
  }
  SECTION("401") {
    bad.on("/v1/messages", MockUpstream::json(fixture("anthropic/error_auth.json"), 401));
    want = 401;
    type = "authentication_error";
  }
  f.start();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions",
                                            R"({"model":"c","messages":[{"role":"user","content":"hi"}]})");
  CHECK(r.status == want);
  CHECK(boost::json::parse(r.body).at("error").at("type").as_string() == type);
  CHECK_THAT(r.body, Contains("provider 'an'"));
  CHECK(good.hits("/v1/chat/completions") == 0);
}
