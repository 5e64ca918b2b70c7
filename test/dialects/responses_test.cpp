#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "dialects/responses.hpp"
#include "support/dialects.hpp"
#include "support/fixtures.hpp"

using Catch::Matchers::Contains;
using router::core::Error;
using router::core::ErrorCode;
using router::dialects::parse_responses;
using router::dialects::ResponsesEgress;
using router::test::expected_fixture;
using router::test::fixture;
using router::test::render_stream;
using router::test::sse_data;
using router::test::sse_event_names;

namespace {

std::string param_of(std::string_view body, const router::dialects::ResolvePrevious& resolve = {}) {
  try {
    (void)parse_responses(body, resolve);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    return e.param().empty() ? std::string("<none>") : e.param();
  }
  return {};
}

constexpr std::int64_t kCreated = 1764763200;
// The router's request id the response is named after (docs/dialects.md "Ids").
const std::string kId = router::dialects::response_id(0x0191a2b3c4d5e6f7);

}  // namespace

TEST_CASE("responses ingress: a Codex style request becomes the chat form", "[dialects]") {
  const auto r = parse_responses(fixture("dialects/responses_request.json"));
  CHECK(boost::json::value(r.ingress.chat) == boost::json::parse(fixture("dialects/responses_request.chat.json")));
  CHECK(r.ingress.ignored == std::vector<std::string>{"tools[1] (type 'web_search')", "prompt_cache_key"});
  CHECK_FALSE(r.store);
  CHECK(r.previous_response_id.empty());
  CHECK(r.input.size() == 7);
  CHECK(r.echo.at("instructions") == "You are Codex, a coding agent.");
  CHECK(r.echo.at("tool_choice") == "auto");
  CHECK(r.echo.at("temperature") == 1);
}

TEST_CASE("responses ingress: input as a string, tool_choice forms", "[dialects]") {
  const auto r = parse_responses(R"({"model":"m","input":"Say hi"})");
  CHECK(boost::json::value(r.ingress.chat) == boost::json::parse(R"({"model":"m","messages":[{"role":"user","content":"Say hi"}]})"));
  CHECK(r.store);
  CHECK(parse_responses(R"({"input":"x","tool_choice":{"type":"function","name":"f"}})").ingress.chat.at("tool_choice") ==
        boost::json::parse(R"({"type":"function","function":{"name":"f"}})"));
  CHECK(parse_responses(R"({"input":"x","tool_choice":"required"})").ingress.chat.at("tool_choice") == "required");
}

TEST_CASE("responses ingress: previous_response_id prepends the resolved conversation", "[dialects]") {
  std::vector<std::string> asked;
  const router::dialects::ResolvePrevious resolve = [&](std::string_view id) {
    asked.emplace_back(id);
    if (id != "resp_prev") {
      throw Error(ErrorCode::kNotFound, "no response 'resp_other' in the log", "previous_response_id");
    }
    return boost::json::parse(R"([
        {"type":"message","role":"user","content":"What is 2+2?"},
        {"id":"msg_prev_0","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"4","annotations":[]}]},
        {"id":"fc_prev_1","type":"function_call","status":"completed","call_id":"call_1","name":"calc","arguments":"{}"}])")
        .as_array();
  };
  const auto r = parse_responses(
      R"({"model":"m","previous_response_id":"resp_prev","instructions":"Be exact.",
          "input":[{"type":"function_call_output","call_id":"call_1","output":"4"}]})",
      resolve);
  CHECK(asked == std::vector<std::string>{"resp_prev"});
  CHECK(r.previous_response_id == "resp_prev");
  CHECK(r.input.size() == 4);
  CHECK(boost::json::value(r.ingress.chat.at("messages")) == boost::json::parse(R"([
      {"role":"system","content":"Be exact."},
      {"role":"user","content":"What is 2+2?"},
      {"role":"assistant","content":"4","tool_calls":[{"id":"call_1","type":"function","function":{"name":"calc","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"4"}])"));
  CHECK(r.echo.at("previous_response_id") == "resp_prev");
  // The resolver's refusal reaches the client unchanged; without a resolver the field is refused.
  CHECK_THROWS_WITH(parse_responses(R"({"previous_response_id":"resp_other","input":"x"})", resolve),
                    Contains("no response"));
  CHECK(param_of(R"({"previous_response_id":"resp_prev","input":"x"})") == "previous_response_id");
}

TEST_CASE("responses ingress: bad requests are refused naming the field", "[dialects]") {
  CHECK(param_of("") == "<none>");
  CHECK(param_of("{}") == "input");
  CHECK(param_of(R"({"input":7})") == "input");
  CHECK(param_of(R"({"input":[]})") == "input");
  CHECK(param_of(R"({"input":[5]})") == "input[0]");
  CHECK(param_of(R"({"input":[{"type":"message","role":"tool","content":"x"}]})") == "input[0].role");
  CHECK(param_of(R"({"input":[{"type":"message","role":"user"}]})") == "input[0].content");
  CHECK(param_of(R"({"input":[{"type":"message","role":"user","content":[{"type":"input_file","file_id":"f"}]}]})") ==
        "input[0].content[0].type");
  CHECK(param_of(R"({"input":[{"type":"message","role":"user","content":[{"type":"input_image","file_id":"f"}]}]})") ==
        "input[0].content[0].image_url");
  CHECK(param_of(R"({"input":[{"type":"function_call","name":"f"}]})") == "input[0]");
  CHECK(param_of(R"({"input":[{"type":"function_call_output","call_id":"c"}]})") == "input[0]");
  CHECK(param_of(R"({"input":[{"type":"item_reference","id":"msg_1"}]})") == "input[0].type");
  CHECK(param_of(R"({"input":"x","max_output_tokens":-1})") == "max_output_tokens");
  CHECK(param_of(R"({"input":"x","tool_choice":{"type":"allowed_tools"}})") == "tool_choice");
  CHECK(param_of(R"({"input":"x","tools":[{"type":"function"}]})") == "tools[0].name");
  CHECK(param_of(R"({"input":"x","store":"no"})") == "store");
  CHECK(param_of(R"({"input":"x","previous_response_id":5})") == "previous_response_id");
}

TEST_CASE("responses egress: a chat.completion with reasoning, text and a tool call becomes a response", "[dialects]") {
  ResponsesEgress egress(kId, parse_responses(R"({"model":"qwen3-coder","input":"x","store":false})").echo, kCreated);
  const auto out = egress.reply(boost::json::parse(fixture("dialects/chat_reply_tools.json")).as_object());
  CHECK(boost::json::parse(out) == boost::json::parse(expected_fixture(
                                       "dialects/responses_reply_tools.json", router::core::compact_json(boost::json::parse(out)))));
}

// The response is named after the router's request (its log row's key), not after the upstream's
// completion, so GET /v1/responses/{id} and previous_response_id find it; the whole answer, its
// stream and the object a stream is logged as all carry that one id.
TEST_CASE("responses ids: the request id names the response and its items, whatever the upstream's id", "[dialects]") {
  using router::dialects::response_id;
  using router::dialects::response_request_id;
  CHECK(kId == "resp_0191a2b3c4d5e6f7");
  CHECK(response_request_id(kId) == 0x0191a2b3c4d5e6f7);
  CHECK_FALSE(response_request_id("resp_0191a2b3c4d5e6f"));
  CHECK_FALSE(response_request_id("resp_0191a2b3c4d5e6fg"));
  CHECK_FALSE(response_request_id("req_0191a2b3c4d5e6f7"));
  CHECK_FALSE(response_request_id("resp_req_0191a2b3c4d5e6f7"));
  CHECK_FALSE(response_request_id("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"));

  ResponsesEgress whole(kId, boost::json::object{}, kCreated);
  const auto reply = boost::json::parse(whole.reply(boost::json::parse(fixture("dialects/chat_reply_tools.json")).as_object()));
  CHECK(reply.at("id").as_string() == kId);
  CHECK(reply.at("output").at(1).at("id") == "msg_0191a2b3c4d5e6f7_1");

  ResponsesEgress streamed(kId, boost::json::object{}, kCreated);
  const auto out = render_stream(streamed, "dialects/chat_stream_tools.jsonl");
  const auto data = sse_data(out);
  REQUIRE(data.size() > 2);
  CHECK(boost::json::parse(data.front()).at("response").at("id").as_string() == kId);
  const auto done = boost::json::parse(data.back()).at("response");
  CHECK(done.at("id").as_string() == kId);
  // The log stores a stream as the egress's reply() to the reassembled completion.
  const auto logged = boost::json::parse(streamed.reply(boost::json::parse(fixture("dialects/chat_reply_tools.json")).as_object()));
  CHECK(logged.at("id").as_string() == kId);
}

TEST_CASE("responses egress: status and incomplete_details by finish reason", "[dialects]") {
  const auto status = [](std::string_view finish) {
    ResponsesEgress egress(kId, boost::json::object{}, kCreated);
    boost::json::object choice{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "x"}}}, {"finish_reason", finish}};
    const auto r = boost::json::parse(egress.reply(boost::json::object{{"id", "chatcmpl-1"}, {"choices", boost::json::array{choice}}}));
    return std::string(r.at("status").as_string()) + "/" + router::core::compact_json(r.at("incomplete_details"));
  };
  CHECK(status("stop") == "completed/null");
  CHECK(status("tool_calls") == "completed/null");
  CHECK(status("length") == R"(incomplete/{"reason":"max_output_tokens"})");
  CHECK(status("content_filter") == R"(incomplete/{"reason":"content_filter"})");
}

TEST_CASE("responses egress: a text stream renders the typed events and ends incomplete when cut by length",
          "[dialects]") {
  ResponsesEgress egress(kId, parse_responses(R"({"model":"gpt-4.1-mini","input":"x"})").echo, kCreated);
  const auto out = render_stream(egress, "dialects/chat_stream_text.jsonl");
  CHECK(out == expected_fixture("dialects/responses_stream_text.sse", out));
  CHECK(sse_event_names(out) ==
        std::vector<std::string>{"response.created", "response.in_progress", "response.output_item.added",
                                 "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                                 "response.output_text.done", "response.content_part.done", "response.output_item.done",
                                 "response.incomplete"});
}

TEST_CASE("responses egress: reasoning, text and two function calls stream as four items with usage", "[dialects]") {
  ResponsesEgress egress(kId, parse_responses(R"({"model":"qwen3-coder","input":"x"})").echo, kCreated);
  const auto out = render_stream(egress, "dialects/chat_stream_tools.jsonl");
  CHECK(out == expected_fixture("dialects/responses_stream_tools.sse", out));
  const auto data = sse_data(out);
  const auto done = boost::json::parse(data.back());
  CHECK(done.at("type") == "response.completed");
  CHECK(done.at("response").at("output").as_array().size() == 4);
  CHECK(done.at("response").at("usage") == boost::json::parse(R"({"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},
      "output_tokens":48,"output_tokens_details":{"reasoning_tokens":12},"total_tokens":1248})"));
  // sequence_number counts every event from 0.
  for (std::size_t i = 0; i < data.size(); ++i) {
    CHECK(boost::json::parse(data[i]).at("sequence_number") == static_cast<std::int64_t>(i));
  }
}

TEST_CASE("responses egress: an upstream failure mid-stream ends with response.failed, never response.completed",
          "[dialects]") {
  ResponsesEgress egress(kId, boost::json::object{}, kCreated);
  auto out = render_stream(egress, "dialects/chat_stream_tools.jsonl", false);
  egress.fail(ErrorCode::kUpstreamFailed, "provider 'q' closed the stream mid-answer", out);
  const auto names = sse_event_names(out);
  CHECK(names.back() == "response.failed");
  CHECK(out.find("response.completed") == std::string::npos);
  const auto failed = boost::json::parse(sse_data(out).back());
  CHECK(failed.at("response").at("status") == "failed");
  CHECK(failed.at("response").at("error") ==
        boost::json::parse(R"({"code":"server_error","message":"provider 'q' closed the stream mid-answer"})"));

  ResponsesEgress early(kId, boost::json::object{}, kCreated);
  std::string before_any;
  early.fail(ErrorCode::kRateLimited, "slow down", before_any);
  CHECK(before_any ==
        "event: error\ndata: {\"type\":\"error\",\"sequence_number\":0,\"code\":\"rate_limit_exceeded\",\"message\":\"slow "
        "down\",\"param\":null}\n\n");
}

TEST_CASE("responses egress: error bodies use the OpenAI shape", "[dialects]") {
  const ResponsesEgress egress(kId, boost::json::object{}, kCreated);
  CHECK(boost::json::parse(egress.error_body(ErrorCode::kInvalidArgument, "'input' is missing", "input")) ==
        boost::json::parse(R"({"error":{"message":"'input' is missing","type":"invalid_request_error","param":"input","code":"invalid_argument"}})"));
  CHECK(boost::json::parse(egress.error_body(ErrorCode::kNoProvider, "none", "")).at("error").at("param").is_null());
}

TEST_CASE("responses ingress: Codex 0.171.0's first request (shape recorded, texts cut) is served", "[dialects]") {
  // No instructions (the prompt is developer messages), store false, a namespace and a web_search
  // tool beside the function tools, client_metadata and prompt_cache_key.
  const auto r = parse_responses(fixture("dialects/codex_request.json"));
  CHECK(r.ingress.ignored == std::vector<std::string>{"tools[1] (type 'namespace')", "tools[2] (type 'web_search')",
                                                      "prompt_cache_key", "client_metadata"});
  CHECK_FALSE(r.store);
  const auto& messages = r.ingress.chat.at("messages").as_array();
  REQUIRE(messages.size() == 4);
  CHECK(messages[0].at("role") == "developer");
  CHECK(messages[3] == boost::json::parse(R"({"role":"user","content":[{"type":"text","text":"Say hi"}]})"));
  CHECK(r.ingress.chat.at("tools").as_array().size() == 1);
  CHECK(r.ingress.chat.at("tools").at(0).at("function").at("name") == "exec_command");
  CHECK(!r.ingress.chat.contains("reasoning_effort"));  // reasoning: {summary: auto} names no effort
}
