// A Messages client answered by an anthropic provider through the chat form: what the client
// sent must reach Anthropic, and what Anthropic answered must reach the client, with nothing
// that matters lost (thinking signatures, redacted thinking, cache hints, tool results with
// images and is_error, stop sequences, cache usage).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "dialects/messages.hpp"
#include "providers/anthropic.hpp"
#include "support/fixtures.hpp"

using router::dialects::MessagesEgress;
using router::dialects::parse_messages;
using router::providers::ChatContext;
using router::providers::StreamStep;
using router::test::fixture;
using router::test::sse_data;

namespace {

router::providers::ProviderPtr anthropic() {
  return router::providers::make_provider(
      "an", "anthropic",
      boost::json::object{{"apiKey", "sk-ant-test"}, {"baseURL", "http://127.0.0.1:9"}, {"maxTokens", 4096}});
}

// The content events of a Messages stream, pings and the message envelope left out.
std::vector<boost::json::value> content_events(const std::string& sse) {
  std::vector<boost::json::value> out;
  for (const auto& d : sse_data(sse)) {
    auto v = boost::json::parse(d);
    if (v.at("type").as_string().starts_with("content_block")) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("messages through the chat form to an anthropic provider: the request arrives unchanged", "[dialects]") {
  const auto original = boost::json::parse(fixture("dialects/messages_request.json")).as_object();
  auto in = parse_messages(fixture("dialects/messages_request.json"));
  std::vector<std::string> ignored;
  const auto sent = router::providers::anthropic_request(in.chat, "claude-sonnet-4-5", 4096, ignored);
  auto expected = original;
  expected.erase("stream");        // the exchange sets it on the wire request
  expected.erase("service_tier");  // reported as ignored by the ingress
  CHECK(boost::json::value(sent) == boost::json::value(expected));
  CHECK(ignored == std::vector<std::string>{});  // reasoning_effort is said by the thinking object
}

TEST_CASE("messages through the chat form from an anthropic provider: thinking, signatures and usage survive",
          "[dialects]") {
  const auto p = anthropic();
  std::string raw;
  auto request = router::dialects::chat_request(
      parse_messages(R"({"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,
                         "thinking":{"type":"enabled","budget_tokens":2000},
                         "messages":[{"role":"user","content":"Weather in Paris?"}]})"),
      raw);
  auto ex = p->chat(request, "claude-sonnet-4-5", ChatContext{});
  CHECK(boost::json::parse(ex->request().body).at("thinking") == boost::json::parse(R"({"type":"enabled","budget_tokens":2000})"));
  router::test::ChunkLog sink;
  const auto upstream = fixture("dialects/anthropic_stream_thinking.sse");
  REQUIRE(router::test::translate_stream(*ex, upstream, sink).state == StreamStep::State::kDone);
  MessagesEgress egress("claude-sonnet-4-5");
  std::string client;
  for (const auto& c : sink.chunks) {
    egress.chunk(c, client);
  }
  egress.end(client);
  CHECK(content_events(client) == content_events(upstream));
  const auto data = sse_data(client);
  CHECK(boost::json::parse(data.front()).at("message").at("id") == "msg_01Xq4fzgCuRmfZHp3u7DGJ3c");
  const auto delta = boost::json::parse(data[data.size() - 2]);
  CHECK(delta.at("delta") == boost::json::parse(R"({"stop_reason":"tool_use","stop_sequence":null})"));
  CHECK(delta.at("usage") == boost::json::parse(
      R"({"input_tokens":210,"cache_creation_input_tokens":0,"cache_read_input_tokens":1800,"output_tokens":96})"));
  CHECK(boost::json::parse(data.back()) == boost::json::parse(R"({"type":"message_stop"})"));
}

TEST_CASE("messages through the chat form from an anthropic provider: a non-streaming answer survives", "[dialects]") {
  const auto p = anthropic();
  std::string raw;
  auto request = router::dialects::chat_request(
      parse_messages(R"({"model":"claude-sonnet-4-5","max_tokens":1024,"stop_sequences":["END"],
                         "messages":[{"role":"user","content":"Count to three, then say END."}]})"),
      raw);
  auto ex = p->chat(request, "claude-sonnet-4-5", ChatContext{});
  const auto upstream = boost::json::parse(R"({"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant",
      "model":"claude-sonnet-4-5-20250929","content":[
        {"type":"thinking","thinking":"Simple.","signature":"EqQBsig"},
        {"type":"redacted_thinking","data":"EmwKredacted"},
        {"type":"text","text":"One, two, three."}],
      "stop_reason":"stop_sequence","stop_sequence":"END",
      "usage":{"input_tokens":20,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":12}})");
  const auto completion = boost::json::parse(ex->reply(boost::json::serialize(upstream))).as_object();
  CHECK(completion.at("usage") == boost::json::parse(R"({"prompt_tokens":170,"completion_tokens":12,"total_tokens":182,
      "prompt_tokens_details":{"cached_tokens":50,"cache_creation_tokens":100}})"));
  MessagesEgress egress;
  auto client = boost::json::parse(egress.reply(completion)).as_object();
  auto expected = upstream.as_object();
  CHECK(client == expected);
}
