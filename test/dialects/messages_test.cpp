#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "dialects/messages.hpp"
#include "providers/openai.hpp"
#include "support/dialects.hpp"
#include "support/fixtures.hpp"

using Catch::Matchers::Contains;
using router::core::Error;
using router::core::ErrorCode;
using router::dialects::MessagesEgress;
using router::dialects::parse_messages;
using router::test::expected_fixture;
using router::test::fixture;
using router::test::render_stream;
using router::test::sse_data;
using router::test::sse_event_names;

namespace {

std::string param_of(std::string_view body) {
  try {
    (void)parse_messages(body);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    return e.param().empty() ? std::string("<none>") : e.param();
  }
  return {};
}

}  // namespace

TEST_CASE("messages ingress: a full Claude Code style request becomes the chat form, extensions included",
          "[dialects]") {
  const auto in = parse_messages(fixture("dialects/messages_request.json"));
  CHECK(boost::json::value(in.chat) == boost::json::parse(fixture("dialects/messages_request.chat.json")));
  CHECK(in.ignored == std::vector<std::string>{"service_tier"});
}

TEST_CASE("messages ingress: system as a string, plain string turns, tool_choice any/tool/none, thinking off",
          "[dialects]") {
  const auto in = parse_messages(R"({"model":"m","max_tokens":10,"system":"Be brief.",
      "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"bye"}],
      "tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"any"},
      "thinking":{"type":"disabled"}})");
  CHECK(boost::json::value(in.chat.at("messages")) == boost::json::parse(R"([{"role":"system","content":"Be brief."},
      {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"bye"}])"));
  CHECK(in.chat.at("tool_choice") == "required");
  CHECK(!in.chat.contains("reasoning_effort"));
  CHECK(!in.chat.contains("stream_options"));
  CHECK(parse_messages(R"({"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"tool","name":"t"}})")
            .chat.at("tool_choice") == boost::json::parse(R"({"type":"function","function":{"name":"t"}})"));
  CHECK(parse_messages(R"({"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"none"}})")
            .chat.at("tool_choice") == "none");
  // Budgets map to an effort a chat-form upstream understands.
  CHECK(parse_messages(R"({"messages":[{"role":"user","content":"x"}],"thinking":{"type":"enabled","budget_tokens":1024}})")
            .chat.at("reasoning_effort") == "low");
  CHECK(parse_messages(R"({"messages":[{"role":"user","content":"x"}],"thinking":{"type":"enabled","budget_tokens":32000}})")
            .chat.at("reasoning_effort") == "high");
}

TEST_CASE("messages ingress: bad requests are refused naming the field", "[dialects]") {
  CHECK(param_of("") == "<none>");
  CHECK(param_of("[1]") == "<none>");
  CHECK(param_of("{") == "<none>");
  CHECK(param_of(R"({"model":"m"})") == "messages");
  CHECK(param_of(R"({"messages":[]})") == "messages");
  CHECK(param_of(R"({"model":7,"messages":[{"role":"user","content":"x"}]})") == "model");
  CHECK(param_of(R"({"messages":[{"role":"tool","content":"x"}]})") == "messages[0].role");
  CHECK(param_of(R"({"messages":[{"role":"system","content":[{"type":"image"}]}]})") == "messages[0].content[0].type");
  CHECK(param_of(R"({"messages":[{"role":"user","content":5}]})") == "messages[0].content");
  CHECK(param_of(R"({"messages":[{"role":"user","content":[{"text":"no type"}]}]})") == "messages[0].content[0]");
  CHECK(param_of(R"({"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]})") ==
        "messages[0].content[0].type");
  CHECK(param_of(R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]})") ==
        "messages[0].content[0].source.type");
  CHECK(param_of(R"({"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]})") ==
        "messages[0].content[0].tool_use_id");
  CHECK(param_of(R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","input":{}}]}]})") ==
        "messages[0].content[0]");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})") == "max_tokens");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"max_tokens":"9"})") == "max_tokens");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"stop_sequences":[1]})") == "stop_sequences");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})") == "stream");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"system":[{"type":"image"}]})") == "system[0].type");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]})") ==
        "tools[0].type");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"tools":[{"description":"no name"}]})") == "tools[0].name");
  CHECK(param_of(R"({"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"sometimes"}})") ==
        "tool_choice.type");
}

TEST_CASE("messages egress: a chat.completion with thinking, text and a tool call becomes a message", "[dialects]") {
  MessagesEgress egress("claude-sonnet-4-5");
  const auto out = egress.reply(boost::json::parse(fixture("dialects/chat_reply_tools.json")).as_object());
  CHECK(boost::json::parse(out) ==
        boost::json::parse(expected_fixture("dialects/messages_reply_tools.json", router::core::compact_json(boost::json::parse(out)))));
}

TEST_CASE("messages egress: stop reasons and the matched stop sequence", "[dialects]") {
  const auto reason = [](std::string_view finish, std::string_view stop_sequence = {}) {
    boost::json::object choice{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "x"}}}, {"finish_reason", finish}};
    if (!stop_sequence.empty()) {
      choice["stop_sequence"] = stop_sequence;
    }
    MessagesEgress egress;
    const auto m = boost::json::parse(egress.reply(boost::json::object{{"id", "chatcmpl-1"}, {"choices", boost::json::array{choice}}}));
    return std::string(m.at("stop_reason").as_string()) + "/" +
           (m.at("stop_sequence").is_null() ? std::string("null") : std::string(m.at("stop_sequence").as_string()));
  };
  CHECK(reason("stop") == "end_turn/null");
  CHECK(reason("length") == "max_tokens/null");
  CHECK(reason("tool_calls") == "tool_use/null");
  CHECK(reason("content_filter") == "refusal/null");
  CHECK(reason("stop", "END") == "stop_sequence/END");
}

TEST_CASE("messages egress: a text stream cut by max_tokens renders Anthropic's exact event sequence", "[dialects]") {
  MessagesEgress egress("gpt-4.1-mini");
  const auto out = render_stream(egress, "dialects/chat_stream_text.jsonl");
  CHECK(out == expected_fixture("dialects/messages_stream_text.sse", out));
  CHECK(sse_event_names(out) == std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                                         "content_block_delta", "content_block_stop", "message_delta",
                                                         "message_stop"});
  CHECK_THAT(out, Contains(R"("stop_reason":"max_tokens")"));
}

TEST_CASE("messages egress: thinking, text and two tool calls stream as four blocks with usage at the end",
          "[dialects]") {
  MessagesEgress egress("claude-sonnet-4-5");
  const auto out = render_stream(egress, "dialects/chat_stream_tools.jsonl");
  CHECK(out == expected_fixture("dialects/messages_stream_tools.sse", out));
  const auto data = sse_data(out);
  const auto delta = boost::json::parse(data[data.size() - 2]);
  CHECK(delta.at("delta").at("stop_reason") == "tool_use");
  CHECK(delta.at("usage") == boost::json::parse(
      R"({"input_tokens":176,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":48})"));
}

TEST_CASE("messages egress: an upstream failure mid-stream ends with an error event, never message_stop",
          "[dialects]") {
  MessagesEgress egress;
  auto out = render_stream(egress, "dialects/chat_stream_tools.jsonl", false);
  const auto before = out.size();
  egress.fail(ErrorCode::kUpstreamFailed, "provider 'q' closed the stream mid-answer", out);
  CHECK(out.substr(before) ==
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"provider 'q' closed the "
        "stream mid-answer\"}}\n\n");
  CHECK(out.find("message_stop") == std::string::npos);
  CHECK(out.find("message_delta") == std::string::npos);

  MessagesEgress overloaded;
  std::string early;
  overloaded.fail(ErrorCode::kNoProvider, "every provider is overloaded", early);
  CHECK_THAT(early, Contains(R"("type":"overloaded_error")"));
}

TEST_CASE("messages egress: error bodies use Anthropic's types", "[dialects]") {
  const MessagesEgress egress;
  const auto type = [&](ErrorCode c) {
    const auto v = boost::json::parse(egress.error_body(c, "m", "p"));
    CHECK(v.at("type") == "error");
    CHECK(v.at("error").at("message") == "m");
    return std::string(v.at("error").at("type").as_string());
  };
  CHECK(type(ErrorCode::kInvalidArgument) == "invalid_request_error");
  CHECK(type(ErrorCode::kUnauthenticated) == "authentication_error");
  CHECK(type(ErrorCode::kPermissionDenied) == "permission_error");
  CHECK(type(ErrorCode::kNotFound) == "not_found_error");
  CHECK(type(ErrorCode::kPayloadTooLarge) == "request_too_large");
  CHECK(type(ErrorCode::kRateLimited) == "rate_limit_error");
  CHECK(type(ErrorCode::kNoProvider) == "overloaded_error");
  CHECK(type(ErrorCode::kUpstreamTimeout) == "timeout_error");
  CHECK(type(ErrorCode::kUpstreamFailed) == "api_error");
  CHECK(type(ErrorCode::kInternal) == "api_error");
}

TEST_CASE("messages count_tokens: the estimate counts text, tools and images and validates like /v1/messages",
          "[dialects]") {
  using router::dialects::count_tokens_estimate;
  // 44 ASCII bytes → 11 tokens, plus the message overhead of 4.
  CHECK(count_tokens_estimate(R"({"model":"m","messages":[{"role":"user","content":"The quick brown fox jumps over the lazy dog."}]})") ==
        R"({"input_tokens":15})");
  // Non-ASCII text counts a token per code point: 4 CJK characters.
  CHECK(count_tokens_estimate(R"({"messages":[{"role":"user","content":"日本語で"}]})") == R"({"input_tokens":8})");
  const auto with_image = boost::json::parse(count_tokens_estimate(
      R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]})"));
  CHECK(with_image.at("input_tokens") == 1604);
  const auto full = boost::json::parse(count_tokens_estimate(fixture("dialects/messages_request.json")));
  CHECK(full.at("input_tokens").as_int64() > 3200);  // two images, one tool-result image, the text
  CHECK_THROWS_AS(count_tokens_estimate(R"({"messages":[]})"), Error);
}

TEST_CASE("messages ingress: Claude Code 2.1.332's first request (shape recorded, texts cut) is served", "[dialects]") {
  // POST /v1/messages?beta=true: cached system blocks, a system turn inside messages, adaptive
  // thinking with output_config.effort, context_management, a deferred tool.
  const auto in = parse_messages(fixture("dialects/claude_code_request.json"));
  CHECK(in.ignored == std::vector<std::string>{"context_management"});
  CHECK(in.chat.at("reasoning_effort") == "medium");
  CHECK(in.chat.at("thinking") == boost::json::parse(R"({"type":"adaptive","display":"omitted"})"));
  CHECK(in.chat.at("stream_options") == boost::json::parse(R"({"include_usage":true})"));
  const auto& messages = in.chat.at("messages").as_array();
  REQUIRE(messages.size() == 3);
  CHECK(messages[0].at("role") == "system");
  CHECK(messages[0].at("content").as_array().size() == 3);
  CHECK(messages[0].at("content").at(2).at("cache_control") == boost::json::parse(R"({"type":"ephemeral"})"));
  CHECK(messages[1].at("role") == "user");
  CHECK(messages[2].at("role") == "system");
  CHECK(in.chat.at("tools").as_array().size() == 3);
  CHECK(in.chat.at("user").as_string().starts_with("{\"device_id\""));
}

TEST_CASE("chat form: strip_extensions leaves what an OpenAI-compatible upstream accepts", "[dialects]") {
  auto chat = parse_messages(fixture("dialects/messages_request.json")).chat;
  router::providers::strip_extensions(chat);
  const auto text = router::core::compact_json(chat);
  for (const auto* gone : {"thinking_blocks", "cache_control", "is_error", "\"thinking\"", "top_k", "/9j/4AAQ"}) {
    INFO(gone);
    CHECK(text.find(gone) == std::string::npos);
  }
  const auto& messages = chat.at("messages").as_array();
  CHECK(messages[2].at("reasoning_content") == "The user wants weather. I should call the tool.");
  CHECK(messages[3].at("content") == boost::json::parse(R"([{"type":"text","text":"18 C, cloudy"}])"));
  CHECK(messages[1].at("content").as_array().size() == 3);  // user images stay
  CHECK(chat.at("reasoning_effort") == "medium");
}
