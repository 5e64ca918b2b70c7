#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <map>

#include "core/error.hpp"
#include "providers/anthropic.hpp"
#include "support/fixtures.hpp"

using Catch::Matchers::Contains;
using router::providers::anthropic_request;
using router::providers::ChatContext;
using router::providers::ChatRequest;
using router::providers::StreamStep;
using router::test::ChunkLog;
using router::test::fixture;

namespace {

router::providers::ProviderPtr anthropic(boost::json::object extra = {}) {
  boost::json::object c{{"apiKey", "sk-ant-test"}, {"baseURL", "http://127.0.0.1:9/v1"}, {"version", "2023-06-01"},
                        {"maxTokens", 4096}};
  for (const auto& kv : extra) {
    c[kv.key()] = kv.value();
  }
  return router::providers::make_provider("an", "anthropic", c);
}

boost::json::object translate(std::string_view json, std::vector<std::string>* ignored_out = nullptr) {
  std::vector<std::string> ignored;
  auto out = anthropic_request(boost::json::parse(json).as_object(), "claude-sonnet-4-5", 4096, ignored);
  if (ignored_out != nullptr) {
    *ignored_out = ignored;
  }
  return out;
}

}  // namespace

TEST_CASE("anthropic: system, text, images, tool calls and results translate to the Messages API", "[providers]") {
  std::vector<std::string> ignored;
  const auto out = translate(R"({"model":"x","messages":[
      {"role":"system","content":"Be brief."},
      {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
      {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
      {"role":"user","content":"And the weather in Paris?"},
      {"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"toolu_2","type":"function","function":{"name":"get_time","arguments":""}}]},
      {"role":"tool","tool_call_id":"toolu_1","content":"18 C"},
      {"role":"tool","tool_call_id":"toolu_2","content":"noon"},
      {"role":"user","content":"Thanks"}],
    "max_tokens":300,"temperature":0.3,"top_p":0.9,"stop":"END","user":"u-1","seed":4,"n":1,"presence_penalty":0.1,
    "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},{"type":"function","function":{"name":"get_time"}}],
    "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false})",
                             &ignored);
  CHECK(out.at("model") == "claude-sonnet-4-5");
  CHECK(out.at("system") == "Be brief.\n\nUse metric units.");
  CHECK(out.at("max_tokens") == 300);
  CHECK(out.at("temperature").as_double() == 0.3);
  CHECK(out.at("stop_sequences") == boost::json::parse(R"(["END"])"));
  CHECK(out.at("metadata").at("user_id") == "u-1");
  const auto& msgs = out.at("messages").as_array();
  REQUIRE(msgs.size() == 3);  // adjacent user messages and consecutive tool results merged
  CHECK(msgs[0] == boost::json::parse(R"({"role":"user","content":[
      {"type":"text","text":"What is this?"},
      {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
      {"type":"text","text":"And the weather in Paris?"}]})"));
  CHECK(msgs[1] == boost::json::parse(R"({"role":"assistant","content":[
      {"type":"text","text":"Checking."},
      {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
      {"type":"tool_use","id":"toolu_2","name":"get_time","input":{}}]})"));
  CHECK(msgs[2] == boost::json::parse(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":"18 C"},
      {"type":"tool_result","tool_use_id":"toolu_2","content":"noon"},
      {"type":"text","text":"Thanks"}]})"));
  CHECK(out.at("tools") == boost::json::parse(R"([
      {"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
      {"name":"get_time","input_schema":{"type":"object","properties":{}}}])"));
  CHECK(out.at("tool_choice") == boost::json::parse(R"({"type":"tool","name":"get_weather","disable_parallel_tool_use":true})"));
  CHECK(ignored == std::vector<std::string>{"seed", "presence_penalty"});
}

TEST_CASE("anthropic: tool_choice and max_tokens defaults", "[providers]") {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"f"}}])";
  auto with = [&](std::string_view choice) {
    return translate(fmt::format(R"({{"messages":[{{"role":"user","content":"x"}}],{},"tool_choice":{}}})", tools, choice));
  };
  CHECK(with(R"("auto")").at("tool_choice") == boost::json::parse(R"({"type":"auto"})"));
  CHECK(with(R"("required")").at("tool_choice") == boost::json::parse(R"({"type":"any"})"));
  const auto none = with(R"("none")");
  CHECK_FALSE(none.contains("tools"));
  CHECK_FALSE(none.contains("tool_choice"));
  const auto plain = translate(R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":77,"max_tokens":5})");
  CHECK(plain.at("max_tokens") == 77);
  CHECK(plain.at("messages").at(0).at("content") == "x");  // one text block reads as a string
  CHECK(translate(R"({"messages":[{"role":"user","content":"x"}]})").at("max_tokens") == 4096);
  CHECK(translate(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":"https://e.x/a.png"}]}]})")
            .at("messages")
            .at(0)
            .at("content")
            .at(0)
            .at("source") == boost::json::parse(R"({"type":"url","url":"https://e.x/a.png"})"));
  CHECK_THROWS_AS(translate(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]})"),
                  router::core::Error);
  CHECK_THROWS_AS(
      translate(R"({"messages":[{"role":"assistant","tool_calls":[{"id":"1","function":{"name":"f","arguments":"{oops"}}]}]})"),
      router::core::Error);
}

TEST_CASE("anthropic: the request carries the key, version and path", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  auto ex = p->chat(req, "claude-sonnet-4-5", ChatContext{});
  const auto r = ex->request();
  CHECK(r.target == "/v1/messages");  // baseURL given with /v1 still works
  CHECK(r.stream);
  const auto body = boost::json::parse(r.body);
  CHECK(body.at("stream") == true);
  CHECK(body.at("max_tokens") == 4096);
  bool key = false;
  bool version = false;
  for (const auto& [k, v] : r.headers) {
    key = key || (k == "x-api-key" && v == "sk-ant-test");
    version = version || (k == "anthropic-version" && v == "2023-06-01");
  }
  CHECK(key);
  CHECK(version);
  CHECK(p->models_request().target == "/v1/models?limit=1000");
  const auto models = p->parse_models(fixture("anthropic/models.json"));
  REQUIRE(models.size() == 2);
  CHECK(models[0].id == "claude-sonnet-4-5");
  CHECK(models[0].name == "Claude Sonnet 4.5");
}

TEST_CASE("anthropic: replies become chat.completion objects", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]})");
  auto ex = p->chat(req, "claude-sonnet-4-5", ChatContext{});
  auto out = boost::json::parse(ex->reply(fixture("anthropic/reply_text.json"))).as_object();
  CHECK(out.at("id") == "msg_01XFDUDYJgAACzvnptvVoYEL");
  CHECK(out.at("object") == "chat.completion");
  CHECK(out.at("choices").at(0).at("message").at("content") == "Hello! How can I help?");
  CHECK(out.at("choices").at(0).at("finish_reason") == "stop");
  CHECK(out.at("usage") == boost::json::parse(R"({"prompt_tokens":12,"completion_tokens":8,"total_tokens":20})"));
  out = boost::json::parse(ex->reply(fixture("anthropic/reply_tool.json"))).as_object();
  const auto& choice = out.at("choices").at(0);
  CHECK(choice.at("finish_reason") == "tool_calls");
  CHECK(choice.at("message").at("content") == "I'll check the weather.");
  const auto& call = choice.at("message").at("tool_calls").at(0);
  CHECK(call.at("id") == "toolu_01A09q90qw90lq917835lq9");
  CHECK(call.at("function").at("name") == "get_weather");
  CHECK(boost::json::parse(call.at("function").at("arguments").as_string()) ==
        boost::json::parse(R"({"location":"San Francisco, CA","unit":"celsius"})"));
  CHECK(out.at("usage").at("prompt_tokens") == 400);  // cached input counts as prompt tokens
  CHECK(boost::json::parse(ex->reply(R"({"content":[],"stop_reason":"max_tokens"})")).at("choices").at(0).at("finish_reason") ==
        "length");
  CHECK_THROWS_AS(ex->reply("<html>"), router::core::Error);
}

TEST_CASE("anthropic: the full event stream, tool arguments included, becomes chunks", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"weather?"}]})");
  auto ex = p->chat(req, "claude-sonnet-4-5", ChatContext{});
  ChunkLog sink;
  REQUIRE(router::test::translate_stream(*ex, fixture("anthropic/stream_tool.sse"), sink, 9).state ==
          StreamStep::State::kDone);
  std::string content;
  std::map<std::int64_t, std::string> args;
  std::map<std::int64_t, std::string> names;
  std::map<std::int64_t, std::string> ids;
  for (std::size_t i = 0; i < sink.chunks.size(); ++i) {
    const auto& c = sink.chunks[i];
    CHECK(c.at("id") == "msg_014p7gG3wDgGV9EUtLvnow3U");
    if (c.at("choices").as_array().empty()) {
      continue;
    }
    const auto& d = c.at("choices").at(0).at("delta").as_object();
    CHECK(d.contains("role") == (i == 0));
    if (const auto* t = d.if_contains("content")) content += t->as_string();
    if (const auto* calls = d.if_contains("tool_calls")) {
      const auto& call = calls->at(0).as_object();
      const auto index = call.at("index").as_int64();
      if (const auto* id = call.if_contains("id")) {
        ids[index] = id->as_string();
        names[index] = call.at("function").at("name").as_string();
        CHECK(call.at("type") == "function");
      }
      args[index] += call.at("function").at("arguments").as_string();
    }
  }
  CHECK(content == "Okay, let's check the weather for San Francisco, CA:");
  CHECK(ids == std::map<std::int64_t, std::string>{{0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6"}, {1, "toolu_02Ab2cD3eF4gH5iJ6kL7mN8o"}});
  CHECK(names[0] == "get_weather");
  CHECK(boost::json::parse(args[0]) == boost::json::parse(R"({"location":"San Francisco, CA","unit":"fahrenheit"})"));
  CHECK(boost::json::parse(args[1]) == boost::json::parse(R"({"tz":"America/Los_Angeles"})"));
  const auto& last = sink.chunks.back();
  CHECK(last.at("choices").at(0).at("finish_reason") == "tool_calls");
  CHECK(last.at("usage") == boost::json::parse(R"({"prompt_tokens":472,"completion_tokens":89,"total_tokens":561})"));
}

TEST_CASE("anthropic: a text stream, an error event and a cut stream", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"model":"c","stream":true,"messages":[{"role":"user","content":"hi"}]})");
  ChunkLog sink;
  SECTION("text") {
    auto ex = p->chat(req, "c", ChatContext{});
    REQUIRE(router::test::translate_stream(*ex, fixture("anthropic/stream_text.sse"), sink).state ==
            StreamStep::State::kDone);
    CHECK(sink.chunks.size() == 4);  // role, two text deltas, finish (the ping is ignored)
    CHECK(sink.chunks.back().at("choices").at(0).at("finish_reason") == "stop");
  }
  SECTION("error event") {
    auto ex = p->chat(req, "c", ChatContext{});
    const auto step = router::test::translate_stream(*ex, fixture("anthropic/stream_error.sse"), sink);
    CHECK(step.state == StreamStep::State::kFailed);
    CHECK_THAT(step.error, Contains("overloaded_error: Overloaded"));
  }
  SECTION("cut before message_stop") {
    auto ex = p->chat(req, "c", ChatContext{});
    const auto sse = fixture("anthropic/stream_text.sse");
    const auto step = router::test::translate_stream(*ex, sse.substr(0, sse.find("event: message_delta")), sink);
    CHECK(step.state == StreamStep::State::kFailed);
  }
}

TEST_CASE("anthropic: error bodies map to the router's error types, 529 retries like 503", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"model":"c","messages":[{"role":"user","content":"hi"}]})");
  auto ex = p->chat(req, "c", ChatContext{});
  auto check = [&](int status, const std::string& body, int want, std::string_view type) {
    const auto e = ex->error_reply(status, "application/json", body);
    INFO(status << " " << e.body);
    CHECK(e.status == want);
    const auto err = boost::json::parse(e.body).at("error");
    CHECK(err.at("type").as_string() == type);
    CHECK_THAT(std::string(err.at("message").as_string()), Contains("provider 'an'"));
    return e;
  };
  (void)check(400, fixture("anthropic/error_invalid.json"), 400, "invalid_request_error");
  (void)check(401, fixture("anthropic/error_auth.json"), 401, "authentication_error");
  (void)check(429, R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})", 429, "rate_limit_error");
  (void)check(413, R"({"type":"error","error":{"type":"request_too_large","message":"big"}})", 413, "request_too_large");
  const auto e500 = check(500, R"({"type":"error","error":{"type":"api_error","message":"boom"}})", 502, "upstream_error");
  CHECK_FALSE(e500.retry_like);
  const auto e529 = check(529, fixture("anthropic/error_overloaded.json"), 502, "upstream_error");
  CHECK(e529.retry_like == 503);
  CHECK_THAT(e529.body, Contains("is overloaded"));
}

TEST_CASE("anthropic: a request without a model is refused before any call", "[providers]") {
  const auto p = anthropic();
  auto req = router::test::chat_request(R"({"messages":[{"role":"user","content":"hi"}]})");
  CHECK_THROWS_AS(p->chat(req, "", ChatContext{}), router::core::Error);
  const auto with_default = anthropic({{"defaultModel", "claude-haiku-4-5"}});
  auto ex = with_default->chat(req, "", ChatContext{});
  CHECK(boost::json::parse(ex->request().body).at("model") == "claude-haiku-4-5");
}
