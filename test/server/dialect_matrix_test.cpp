#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/dialects.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// The translation matrix of issue 14: every client dialect (chat completions, Messages,
// Responses) against every provider type, whole and streamed, through a real `router serve`
// and a mock speaking the provider's real wire (recorded-style transcripts under
// test/fixtures/matrix, anthropic and qwen). Each answer is read back in the client's own wire
// format, reassembled into its non-streaming shape where it was streamed, and checked against
// one expectation table (docs/dialects.md). Pass-through pairings (chat → OpenAI-compatible,
// Messages → anthropic) must instead hand the client the upstream's bytes;
// passthrough_test.cpp covers their details.

using Catch::Matchers::Contains;
using router::test::fixture;
using router::test::MockUpstream;
using router::test::ServerFixture;
namespace json = boost::json;

namespace {

enum class Dialect { kChat, kMessages, kResponses };
enum class Wire { kChat, kAnthropic, kQwen };

struct ProviderCase {
  const char* type;
  Wire wire;
};

// Every provider type; openai, lm-studio and qwen-proxy share OpenAI's chat wire.
const ProviderCase kProviders[] = {{"openai", Wire::kChat},
                                   {"lm-studio", Wire::kChat},
                                   {"qwen-proxy", Wire::kChat},
                                   {"anthropic", Wire::kAnthropic},
                                   {"qwen-direct", Wire::kQwen}};

const char* name_of(Dialect d) {
  switch (d) {
    case Dialect::kChat: return "chat completions";
    case Dialect::kMessages: return "Messages";
    case Dialect::kResponses: return "Responses";
  }
  return "?";
}

const char* route_of(Dialect d) {
  switch (d) {
    case Dialect::kChat: return "/v1/chat/completions";
    case Dialect::kMessages: return "/v1/messages";
    case Dialect::kResponses: return "/v1/responses";
  }
  return "?";
}

bool passthrough(Dialect d, const ProviderCase& p) {
  return (d == Dialect::kChat && p.wire == Wire::kChat) || (d == Dialect::kMessages && p.wire == Wire::kAnthropic);
}

// ---- the upstream side: one mock per wire ----------------------------------------------------

const char* kPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const std::string kDataUrl = std::string("data:image/png;base64,") + kPng;
const std::string kToolResult = "18 C, sunny";
const std::array<const char*, 2> kTools{"get_weather", "get_time"};

struct ToolCall {
  std::string id;
  std::string name;
  json::value arguments;  ///< parsed
};

struct Usage {
  std::int64_t input = 0;  ///< every prompt token, cached included
  std::int64_t cached = 0;
  std::int64_t output = 0;
  std::int64_t reasoning = 0;  ///< of the output; Messages has no field for it
};

struct Upstream {
  const ProviderCase& provider;
  MockUpstream mock;

  explicit Upstream(const ProviderCase& p) : provider(p) {
    if (p.wire == Wire::kQwen) {
      mock.on("/api/v2/chats/new", MockUpstream::json(fixture("qwen/chat_new.json")));
    }
  }

  [[nodiscard]] json::object config() const {
    switch (provider.wire) {
      case Wire::kChat:  // qwen-proxy's URL is configured without /v1 (PROTOCOLS.md §2.1)
        return {{"baseURL", std::string(provider.type) == "qwen-proxy" ? mock.url() : mock.url("/v1")}};
      case Wire::kAnthropic:
        return router::test::anthropic_config(mock);
      case Wire::kQwen:
        return {{"token", "umid-1"}, {"cookies", "bx-umidtoken=umid-1; other=x"}, {"baseURL", mock.url()}};
    }
    return {};
  }

  [[nodiscard]] std::string path() const {
    switch (provider.wire) {
      case Wire::kChat: return "/v1/chat/completions";
      case Wire::kAnthropic: return "/v1/messages";
      case Wire::kQwen: return "/api/v2/chat/completions";
    }
    return {};
  }

  // The recorded-style answer of `scenario` ("text", "tool", "tools2", "length", "error") in this wire.
  [[nodiscard]] std::string transcript(const std::string& scenario, bool stream) const {
    if (scenario == "error") {  // streams only: some text, then the upstream's error event
      switch (provider.wire) {
        case Wire::kChat: return fixture("matrix/chat_error.sse");
        case Wire::kAnthropic: return fixture("anthropic/stream_error.sse");
        case Wire::kQwen: return fixture("qwen/stream_error.sse");
      }
    }
    const char* prefix = provider.wire == Wire::kChat        ? "chat"
                         : provider.wire == Wire::kAnthropic ? "anthropic"
                                                             : "qwen";
    return fixture(std::string("matrix/") + prefix + "_" + scenario + (stream ? ".sse" : ".json"));
  }

  // Answers the next requests with `scenario`, streamed in pieces cut anywhere; returns its bytes.
  std::string answer(const std::string& scenario, bool stream) {
    auto bytes = transcript(scenario, stream);
    mock.on(path(), stream ? router::test::sse_transcript(bytes, 29) : MockUpstream::json(bytes));
    return bytes;
  }

  // Streams the text transcript up to its first answer text, then drops the connection.
  std::string answer_then_drop() {
    auto bytes = transcript("text", true);
    bytes.resize(bytes.find("\n\n", bytes.find("\"Hello \"")) + 2);
    mock.on(path(), MockUpstream::sse_events({bytes}, [](router::test::MockConn& c) { c.reset(); }));
    return bytes;
  }

  // The usage every transcript reports. Qwen's whole replies carry none, its streams no cache.
  [[nodiscard]] Usage usage(bool stream) const {
    if (provider.wire == Wire::kQwen) {
      return stream ? Usage{30, 0, 9, 0} : Usage{};
    }
    return {30, 20, 9, provider.wire == Wire::kChat ? 4 : 0};
  }

  // The body of the `n`-th request to the provider's completion path.
  [[nodiscard]] json::object sent(std::size_t n) const {
    std::vector<router::test::MockRequest> completions;
    for (auto& r : mock.requests()) {
      if (r.target.substr(0, r.target.find('?')) == path()) {
        completions.push_back(r);
      }
    }
    REQUIRE(completions.size() > n);
    return json::parse(completions[n].body).as_object();
  }
};

// The one message a qwen-direct request carries (the web API keeps the history).
std::string qwen_text(const json::object& body) {
  return std::string(body.at("messages").at(0).at("content").as_string());
}

// The upstream was asked for reasoning in its wire: OpenAI's reasoning_effort (a Messages budget
// of 2048 is "low"), Anthropic's thinking object only from a Messages client (a bare effort is not
// turned into billed thinking, docs/dialects.md "What is lost"); the Qwen web API takes neither
// (its think phase is the provider's `thinking` setting), which the log row says.
void check_think_sent(const Upstream& up, const json::object& body, Dialect d, const router::test::LoggedRequest& log) {
  switch (up.provider.wire) {
    case Wire::kChat:
      CHECK(body.at("reasoning_effort") == "low");
      CHECK_FALSE(body.contains("thinking"));
      break;
    case Wire::kAnthropic:
      CHECK_FALSE(body.contains("reasoning_effort"));
      if (d == Dialect::kMessages) {
        CHECK(body.at("thinking") == json::parse(R"({"type":"enabled","budget_tokens":2048})"));
      } else {
        CHECK_FALSE(body.contains("thinking"));
      }
      break;
    case Wire::kQwen: CHECK_THAT(log.error, Contains("ignored by qwen-direct") && Contains("reasoning_effort")); break;
  }
}

// The upstream was asked for a stream, with usage, or for a whole answer, in its wire.
void check_stream_sent(const Upstream& up, const json::object& body, bool stream) {
  const auto* flag = body.if_contains("stream");
  CHECK((flag != nullptr ? flag->as_bool() : false) == stream);
  if (up.provider.wire == Wire::kChat && stream) {  // message_delta and response.completed carry usage
    CHECK(body.at("stream_options").at("include_usage") == true);
  }
}

// The upstream received the tool definition in its wire.
void check_tools_sent(const Upstream& up, const json::object& body) {
  for (std::size_t i = 0; i < kTools.size(); ++i) {
    switch (up.provider.wire) {
      case Wire::kChat: CHECK(body.at("tools").at(i).at("function").at("name") == kTools[i]); break;
      case Wire::kAnthropic: CHECK(body.at("tools").at(i).at("name") == kTools[i]); break;
      case Wire::kQwen: CHECK_THAT(qwen_text(body), Contains(std::string("<") + kTools[i] + ">")); break;  // XML prompt
    }
  }
}

// A qwen-direct request continued the chat of the answer the client sent back (its history, in
// whichever dialect, keys the same as the router's answer did), rather than starting a new one.
void check_qwen_continued(const Upstream& up, const json::object& body) {
  CHECK(up.mock.hits("/api/v2/chats/new") == 1);
  CHECK(body.at("parent_id").is_string());
}

// The upstream received the assistant's calls and their results in its wire: the calls in the
// assistant turn, then every result, in order (for anthropic, in one user turn: its roles alternate).
void check_tool_results_sent(const Upstream& up, const json::object& body, const std::vector<ToolCall>& calls) {
  std::vector<std::string> ids;
  for (const auto& c : calls) {
    ids.push_back(c.id);
  }
  const auto& messages = body.at("messages").as_array();
  const auto has_result = [](const json::value& content) {
    return json::serialize(content).find(kToolResult) != std::string::npos;
  };
  std::vector<std::string> called;
  std::vector<std::string> answered;
  switch (up.provider.wire) {
    case Wire::kChat: {
      REQUIRE(messages.size() == 2 + calls.size());
      const auto& assistant = messages[1].as_object();
      CHECK(assistant.at("role") == "assistant");
      for (const auto& c : assistant.at("tool_calls").as_array()) {
        called.emplace_back(c.at("id").as_string());
      }
      for (std::size_t i = 2; i < messages.size(); ++i) {
        CHECK(messages[i].at("role") == "tool");
        CHECK(has_result(messages[i].at("content")));
        answered.emplace_back(messages[i].at("tool_call_id").as_string());
      }
      break;
    }
    case Wire::kAnthropic: {
      REQUIRE(messages.size() == 3);
      CHECK(messages[1].at("role") == "assistant");
      for (const auto& b : messages[1].at("content").as_array()) {
        if (b.at("type") == "tool_use") {
          called.emplace_back(b.at("id").as_string());
        }
      }
      CHECK(messages[2].at("role") == "user");
      for (const auto& b : messages[2].at("content").as_array()) {
        CHECK(b.at("type") == "tool_result");
        CHECK(has_result(b.at("content")));
        answered.emplace_back(b.at("tool_use_id").as_string());
      }
      break;
    }
    case Wire::kQwen:  // the web API keeps the history: only the tool result goes, folded into text
      CHECK(has_result(messages[0].at("content")));
      check_qwen_continued(up, body);
      return;
  }
  CHECK(called == ids);
  CHECK(answered == ids);
}

// The upstream received the answer sent back, its thinking included where the wire can carry
// it: reasoning_content for OpenAI-style upstreams; for anthropic, the signed thinking block,
// which only a Messages client or a chat client reading the thinking_blocks extension of a whole
// answer can send back. Unsigned reasoning is never sent to anthropic (it would be refused;
// docs/dialects.md "What is lost"), and a Responses reasoning item carries no signature.
void check_thinking_sent(const Upstream& up, const json::object& body, bool signed_back) {
  const auto& messages = body.at("messages").as_array();
  REQUIRE(messages.size() >= 3);
  const auto& assistant = messages[messages.size() - 2].as_object();
  CHECK(assistant.at("role") == "assistant");
  CHECK(messages.back().at("role") == "user");
  if (up.provider.wire == Wire::kChat) {
    CHECK(assistant.at("content") == "Hello there!");
    CHECK(assistant.at("reasoning_content") == "Thinking it over.");
    return;
  }
  std::string text;
  std::vector<json::object> thinking;
  const auto& content = assistant.at("content");
  if (content.is_string()) {
    text = content.as_string();
  }
  for (const auto& b : content.is_array() ? content.as_array() : json::array()) {
    if (b.at("type") == "text") {
      text += b.at("text").as_string();
    } else if (b.at("type") == "thinking" || b.at("type") == "redacted_thinking") {
      thinking.push_back(b.as_object());
    }
  }
  CHECK(text == "Hello there!");
  if (signed_back) {
    REQUIRE(thinking.size() == 1);
    CHECK(thinking[0].at("thinking") == "Thinking it over.");
    CHECK(thinking[0].at("signature") == "EqQBCgIYAhIMMxTextSig");
  } else {
    CHECK(thinking.empty());
  }
}

// The upstream received the image in its wire's image shape.
void check_image_sent(const Upstream& up, const json::object& body) {
  const auto& last = body.at("messages").as_array().back();
  bool found = false;
  for (const auto& part : last.at("content").as_array()) {
    if (up.provider.wire == Wire::kChat && part.at("type") == "image_url") {
      found = part.at("image_url").at("url") == kDataUrl.c_str();
    } else if (up.provider.wire == Wire::kAnthropic && part.at("type") == "image") {
      found = part.at("source") ==
              json::parse(std::string(R"({"type":"base64","media_type":"image/png","data":")") + kPng + "\"}");
    }
  }
  CHECK(found);
}

// ---- the client side: requests and answers per dialect ---------------------------------------

// A client request: the question, optionally with an image, the tool, a max-tokens limit, and
// the tool round trip's second turn (the call answered, its result).
struct Ask {
  bool stream = false;
  bool image = false;
  bool tools = false;
  bool think = false;  ///< ask for a little reasoning, in the dialect's own words
  std::optional<std::int64_t> max_tokens;
  std::vector<ToolCall> answered;        ///< calls answered with kToolResult
  std::optional<json::object> previous;  ///< an answer object, sent back as is before a next question
};

json::value parameters() {
  return json::parse(R"({"type":"object","properties":{"city":{"type":"string"},"tz":{"type":"string"}}})");
}

std::string request(Dialect d, const Ask& a) {
  json::object body{{"model", "m"}, {"stream", a.stream}};
  json::array turns;
  switch (d) {
    case Dialect::kChat: {
      json::value content = "Weather in Paris?";
      if (a.image) {
        content = json::array{json::object{{"type", "text"}, {"text", "What is this?"}},
                              json::object{{"type", "image_url"}, {"image_url", json::object{{"url", kDataUrl}}}}};
      }
      turns.push_back(json::object{{"role", "user"}, {"content", content}});
      if (!a.answered.empty()) {
        json::array calls;
        for (const auto& c : a.answered) {
          json::object fn{{"name", c.name}, {"arguments", json::serialize(c.arguments)}};
          calls.push_back(json::object{{"id", c.id}, {"type", "function"}, {"function", fn}});
        }
        turns.push_back(json::object{{"role", "assistant"}, {"content", "Let me check."}, {"tool_calls", calls}});
        for (const auto& c : a.answered) {
          turns.push_back(json::object{{"role", "tool"}, {"tool_call_id", c.id}, {"content", kToolResult}});
        }
      }
      if (a.previous) {
        turns.push_back(a.previous->at("choices").at(0).at("message"));
        turns.push_back(json::object{{"role", "user"}, {"content", "And tomorrow?"}});
      }
      body["messages"] = std::move(turns);
      if (a.tools) {
        json::array tools;
        for (const auto* name : kTools) {
          tools.push_back(json::object{
              {"type", "function"},
              {"function", json::object{{"name", name}, {"description", "Look up"}, {"parameters", parameters()}}}});
        }
        body["tools"] = std::move(tools);
      }
      if (a.max_tokens) {
        body["max_tokens"] = *a.max_tokens;
      }
      if (a.think) {
        body["reasoning_effort"] = "low";
      }
      if (a.stream) {  // asked for, so a pass-through stream is the upstream's, usage chunk included
        body["stream_options"] = json::object{{"include_usage", true}};
      }
      break;
    }
    case Dialect::kMessages: {
      json::value content = "Weather in Paris?";
      if (a.image) {
        content = json::array{
            json::object{{"type", "text"}, {"text", "What is this?"}},
            json::object{{"type", "image"},
                         {"source", json::object{{"type", "base64"}, {"media_type", "image/png"}, {"data", kPng}}}}};
      }
      turns.push_back(json::object{{"role", "user"}, {"content", content}});
      if (!a.answered.empty()) {
        json::array uses{json::object{{"type", "text"}, {"text", "Let me check."}}};
        json::array results;
        for (const auto& c : a.answered) {
          uses.push_back(json::object{{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", c.arguments}});
          results.push_back(json::object{{"type", "tool_result"}, {"tool_use_id", c.id}, {"content", kToolResult}});
        }
        turns.push_back(json::object{{"role", "assistant"}, {"content", uses}});
        turns.push_back(json::object{{"role", "user"}, {"content", results}});
      }
      if (a.previous) {
        turns.push_back(json::object{{"role", "assistant"}, {"content", a.previous->at("content")}});
        turns.push_back(json::object{{"role", "user"}, {"content", "And tomorrow?"}});
      }
      body["messages"] = std::move(turns);
      body["max_tokens"] = a.max_tokens.value_or(256);
      if (a.think) {
        body["thinking"] = json::object{{"type", "enabled"}, {"budget_tokens", 2048}};
      }
      if (a.tools) {
        json::array tools;
        for (const auto* name : kTools) {
          tools.push_back(json::object{{"name", name}, {"description", "Look up"}, {"input_schema", parameters()}});
        }
        body["tools"] = std::move(tools);
      }
      break;
    }
    case Dialect::kResponses: {
      json::value content = "Weather in Paris?";
      if (a.image) {
        content = json::array{json::object{{"type", "input_text"}, {"text", "What is this?"}},
                              json::object{{"type", "input_image"}, {"image_url", kDataUrl}}};
      }
      turns.push_back(json::object{{"role", "user"}, {"content", content}});
      for (const auto& c : a.answered) {
        turns.push_back(json::object{{"type", "function_call"},
                                     {"call_id", c.id},
                                     {"name", c.name},
                                     {"arguments", json::serialize(c.arguments)}});
      }
      for (const auto& c : a.answered) {
        turns.push_back(json::object{{"type", "function_call_output"}, {"call_id", c.id}, {"output", kToolResult}});
      }
      if (a.previous) {  // the output items, as Codex sends them back (store: false)
        for (const auto& item : a.previous->at("output").as_array()) {
          turns.push_back(item);
        }
        turns.push_back(json::object{{"role", "user"}, {"content", "And tomorrow?"}});
      }
      body["input"] = std::move(turns);
      body["store"] = false;
      if (a.tools) {
        json::array tools;
        for (const auto* name : kTools) {
          tools.push_back(json::object{
              {"type", "function"}, {"name", name}, {"description", "Look up"}, {"parameters", parameters()}});
        }
        body["tools"] = std::move(tools);
      }
      if (a.max_tokens) {
        body["max_output_tokens"] = *a.max_tokens;
      }
      if (a.think) {
        body["reasoning"] = json::object{{"effort", "low"}};
      }
      break;
    }
  }
  return json::serialize(body);
}

// An answer as every dialect can say it.
struct Answer {
  std::string text;
  std::string reasoning;
  std::string stop;  ///< finish_reason / stop_reason / status[:incomplete reason]
  std::vector<ToolCall> calls;
  Usage usage;
};

std::string str(const json::value* v) {
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}
std::int64_t num(const json::value* v) {
  return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

// o[key][field] as a number, 0 when absent.
std::int64_t num_in(const json::object& o, std::string_view key, std::string_view field) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? num(v->as_object().if_contains(field)) : 0;
}

Answer read_chat(const json::object& c) {
  Answer a;
  const auto& choice = c.at("choices").at(0).as_object();
  const auto& m = choice.at("message").as_object();
  a.text = str(m.if_contains("content"));
  a.reasoning = str(m.if_contains("reasoning_content"));
  a.stop = str(choice.if_contains("finish_reason"));
  if (const auto* calls = m.if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
    for (const auto& call : calls->as_array()) {
      const auto& fn = call.at("function").as_object();
      a.calls.push_back(ToolCall{str(call.as_object().if_contains("id")), str(fn.if_contains("name")),
                                 json::parse(fn.at("arguments").as_string())});
    }
  }
  const auto& u = c.at("usage").as_object();
  a.usage = {num(u.if_contains("prompt_tokens")), num_in(u, "prompt_tokens_details", "cached_tokens"),
             num(u.if_contains("completion_tokens")), num_in(u, "completion_tokens_details", "reasoning_tokens")};
  return a;
}

Answer read_messages(const json::object& m) {
  Answer a;
  CHECK(m.at("type") == "message");
  for (const auto& b : m.at("content").as_array()) {
    const auto& o = b.as_object();
    if (o.at("type") == "text") {
      a.text += str(o.if_contains("text"));
    } else if (o.at("type") == "thinking") {
      a.reasoning += str(o.if_contains("thinking"));
    } else if (o.at("type") == "tool_use") {
      a.calls.push_back(ToolCall{str(o.if_contains("id")), str(o.if_contains("name")), o.at("input")});
    }
  }
  a.stop = str(m.if_contains("stop_reason"));
  const auto& u = m.at("usage").as_object();
  a.usage.cached = num(u.if_contains("cache_read_input_tokens"));
  a.usage.input =
      num(u.if_contains("input_tokens")) + a.usage.cached + num(u.if_contains("cache_creation_input_tokens"));
  a.usage.output = num(u.if_contains("output_tokens"));
  return a;
}

Answer read_responses(const json::object& r) {
  Answer a;
  CHECK(r.at("object") == "response");
  for (const auto& item : r.at("output").as_array()) {
    const auto& o = item.as_object();
    if (o.at("type") == "message") {
      for (const auto& part : o.at("content").as_array()) {
        a.text += str(part.as_object().if_contains("text"));
      }
    } else if (o.at("type") == "reasoning") {
      for (const auto& part : o.at("content").as_array()) {
        a.reasoning += str(part.as_object().if_contains("text"));
      }
    } else if (o.at("type") == "function_call") {
      a.calls.push_back(ToolCall{str(o.if_contains("call_id")), str(o.if_contains("name")),
                                 json::parse(o.at("arguments").as_string())});
    }
  }
  a.stop = str(r.if_contains("status"));
  if (const auto* why = r.if_contains("incomplete_details"); why != nullptr && why->is_object()) {
    a.stop += ":" + str(why->as_object().if_contains("reason"));
  }
  const auto& u = r.at("usage").as_object();
  a.usage = {num(u.if_contains("input_tokens")), num_in(u, "input_tokens_details", "cached_tokens"),
             num(u.if_contains("output_tokens")), num_in(u, "output_tokens_details", "reasoning_tokens")};
  return a;
}

// A chat stream's chunks merged into the chat.completion they stand for.
json::object reassemble_chat(const std::vector<std::string>& data) {
  json::object message{{"role", "assistant"}};
  std::string content;
  std::string reasoning;
  json::array calls;
  json::value finish;
  json::object usage;
  for (const auto& d : data) {
    if (d == "[DONE]") {
      continue;
    }
    const auto c = json::parse(d).as_object();
    if (const auto* u = c.if_contains("usage"); u != nullptr && u->is_object()) {
      usage = u->as_object();
    }
    if (c.at("choices").as_array().empty()) {
      continue;
    }
    const auto& choice = c.at("choices").at(0).as_object();
    if (const auto* f = choice.if_contains("finish_reason"); f != nullptr && !f->is_null()) {
      finish = *f;
    }
    const auto& delta = choice.at("delta").as_object();
    content += str(delta.if_contains("content"));
    reasoning += str(delta.if_contains("reasoning_content"));
    if (const auto* tc = delta.if_contains("tool_calls")) {
      for (const auto& t : tc->as_array()) {
        const auto i = static_cast<std::size_t>(t.at("index").as_int64());
        if (i >= calls.size()) {
          calls.push_back(
              json::object{{"id", t.at("id")},
                           {"function", json::object{{"name", t.at("function").at("name")}, {"arguments", ""}}}});
        }
        auto& args = calls[i].at("function").as_object()["arguments"].as_string();
        args += str(t.at("function").as_object().if_contains("arguments"));
      }
    }
  }
  message["content"] = content;
  message["reasoning_content"] = reasoning;
  if (!calls.empty()) {
    message["tool_calls"] = std::move(calls);
  }
  return {{"choices", json::array{json::object{{"message", message}, {"finish_reason", finish}}}}, {"usage", usage}};
}

// A Messages stream's events merged into the message they stand for.
json::object reassemble_messages(const std::vector<std::string>& data) {
  json::object message;
  json::array blocks;
  std::vector<std::string> partial;
  for (const auto& d : data) {
    auto e = json::parse(d).as_object();
    const auto type = str(e.if_contains("type"));
    if (type == "message_start") {
      message = e.at("message").as_object();
    } else if (type == "content_block_start") {
      blocks.push_back(e.at("content_block"));
      partial.emplace_back();
    } else if (type == "content_block_delta") {
      auto& block = blocks.at(static_cast<std::size_t>(e.at("index").as_int64())).as_object();
      const auto& delta = e.at("delta").as_object();
      if (delta.at("type") == "text_delta") {
        block["text"].as_string() += delta.at("text").as_string();
      } else if (delta.at("type") == "thinking_delta") {
        block["thinking"].as_string() += delta.at("thinking").as_string();
      } else if (delta.at("type") == "signature_delta") {
        block["signature"] = delta.at("signature");
      } else if (delta.at("type") == "input_json_delta") {
        partial.at(static_cast<std::size_t>(e.at("index").as_int64())) += delta.at("partial_json").as_string();
      }
    } else if (type == "message_delta") {
      message["stop_reason"] = e.at("delta").at("stop_reason");
      for (const auto& kv : e.at("usage").as_object()) {
        message["usage"].as_object()[kv.key()] = kv.value();
      }
    }
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].at("type") == "tool_use" && !partial[i].empty()) {
      blocks[i].as_object()["input"] = json::parse(partial[i]);
    }
  }
  message["content"] = std::move(blocks);
  return message;
}

// The response a Responses stream ends with, its text deltas checked against it.
json::object final_response(const std::vector<std::string>& data) {
  json::object last;
  std::string deltas;
  for (const auto& d : data) {
    auto e = json::parse(d).as_object();
    const auto type = str(e.if_contains("type"));
    if (type == "response.output_text.delta") {
      deltas += str(e.if_contains("delta"));
    } else if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
      last = e.at("response").as_object();
    }
  }
  REQUIRE(!last.empty());
  CHECK(read_responses(last).text == deltas);
  return last;
}

// A stream's events are well formed in the client's dialect: one id for every chat chunk;
// Messages events named as their type, content blocks opened from index 0 one at a time and each
// closed before the next (and before message_delta); Responses events named as their type,
// sequence_number counting from 0, each output item added at the next index and done before the
// response ends. A stream ended by an error may leave its last block or item open.
void check_sequence(Dialect d, const std::string& body) {
  const auto data = router::test::sse_data(body);
  const auto names = router::test::sse_event_names(body);
  if (d == Dialect::kChat) {
    std::string id;
    for (const auto& raw : data) {
      const auto e = raw == "[DONE]" ? json::object() : json::parse(raw).as_object();
      if (e.contains("id")) {
        if (id.empty()) {
          id = str(e.if_contains("id"));
        }
        CHECK(e.at("id") == id.c_str());
      }
    }
    return;
  }
  REQUIRE(names.size() == data.size());
  std::optional<std::int64_t> open;  // the open block or item
  std::int64_t opened = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    INFO("event " << i << ": " << data[i]);
    const auto e = json::parse(data[i]).as_object();
    const auto type = str(e.if_contains("type"));
    CHECK(type == names[i]);
    const auto index = num(e.if_contains(d == Dialect::kMessages ? "index" : "output_index"));
    if (d == Dialect::kResponses) {
      CHECK(num(e.if_contains("sequence_number")) == static_cast<std::int64_t>(i));
    }
    if (type == "content_block_start" || type == "response.output_item.added") {
      CHECK_FALSE(open);
      CHECK(index == opened++);
      open = index;
    } else if (type == "content_block_stop" || type == "response.output_item.done") {
      CHECK(open == index);
      open.reset();
    } else if (type == "content_block_delta" || type.ends_with(".delta")) {
      CHECK(open == index);
    } else if (type == "message_delta" || type == "message_stop" || type == "response.completed" ||
               type == "response.incomplete") {
      CHECK_FALSE(open);
    }
  }
}

// The answer object in the client's dialect (a chat.completion, a message, a response),
// reassembled when streamed; checks the stream's events and its terminal event.
json::object answer_object(Dialect d, const router::test::HttpResponse& r, bool stream) {
  INFO(r.body);
  REQUIRE(r.status == 200);
  if (!stream) {
    return json::parse(r.body).as_object();
  }
  CHECK_THAT(r.header("content-type"), Contains("text/event-stream"));
  const auto data = router::test::sse_data(r.body);
  REQUIRE(!data.empty());
  const auto names = router::test::sse_event_names(r.body);
  check_sequence(d, r.body);
  switch (d) {
    case Dialect::kChat: CHECK(data.back() == "[DONE]"); return reassemble_chat(data);
    case Dialect::kMessages:
      REQUIRE(!names.empty());
      CHECK(names.front() == "message_start");
      CHECK(names.back() == "message_stop");
      return reassemble_messages(data);
    case Dialect::kResponses:
      REQUIRE(!names.empty());
      CHECK(names.front() == "response.created");
      CHECK((names.back() == "response.completed" || names.back() == "response.incomplete"));
      return final_response(data);
  }
  return {};
}

Answer read(Dialect d, const json::object& v) {
  return d == Dialect::kChat ? read_chat(v) : d == Dialect::kMessages ? read_messages(v) : read_responses(v);
}

Answer read_answer(Dialect d, const router::test::HttpResponse& r, bool stream) {
  return read(d, answer_object(d, r, stream));
}

// The stop of each kind of ending, as each dialect says it (docs/dialects.md, stop reasons).
std::string stop_of(Dialect d, const std::string& ending) {
  static const std::map<std::string, std::array<const char*, 3>> kStops{
      {"stop", {"stop", "end_turn", "completed"}},
      {"tool", {"tool_calls", "tool_use", "completed"}},
      {"length", {"length", "max_tokens", "incomplete:max_output_tokens"}}};
  return kStops.at(ending)[static_cast<std::size_t>(d)];
}

void check_usage(Dialect d, const Usage& got, const Usage& want) {
  CHECK(got.input == want.input);
  CHECK(got.cached == want.cached);
  CHECK(got.output == want.output);
  if (d != Dialect::kMessages) {
    CHECK(got.reasoning == want.reasoning);
  }
}

// The partial text a failed stream carried, in the client's dialect.
std::string streamed_text(Dialect d, const std::vector<std::string>& data) {
  std::string out;
  for (const auto& raw : data) {
    if (raw == "[DONE]") {
      continue;
    }
    const auto e = json::parse(raw).as_object();
    if (d == Dialect::kChat && e.contains("choices") && !e.at("choices").as_array().empty()) {
      out += str(e.at("choices").at(0).at("delta").as_object().if_contains("content"));
    } else if (d == Dialect::kMessages && str(e.if_contains("type")) == "content_block_delta") {
      out += str(e.at("delta").as_object().if_contains("text"));
    } else if (d == Dialect::kResponses && str(e.if_contains("type")) == "response.output_text.delta") {
      out += str(e.if_contains("delta"));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("dialect matrix: every client dialect against every provider type, whole and streamed",
          "[server][dialects]") {
  const auto& provider = kProviders[GENERATE(range(std::size_t{0}, std::size(kProviders)))];
  const auto dialect = GENERATE(Dialect::kChat, Dialect::kMessages, Dialect::kResponses);
  const bool stream = GENERATE(false, true);
  const bool native = passthrough(dialect, provider);

  DYNAMIC_SECTION(name_of(dialect) << " client, " << provider.type << " provider, " << (stream ? "streamed" : "whole")
                                   << (native ? " (pass-through)" : "")) {
    Upstream up(provider);
    ServerFixture f;
    f.add_provider("p", provider.type, up.config());
    f.link("p", "m", true, std::string("m-up"));
    f.set("active_provider", "p");
    f.start();
    const auto post = [&](const Ask& a) {
      return router::test::http_request(f.port(), "POST", route_of(dialect), request(dialect, a));
    };

    SECTION("text asked with reasoning: content, thinking, end_turn, usage") {
      const auto bytes = up.answer("text", stream);
      const auto r = post({.stream = stream, .think = true});
      const auto a = read_answer(dialect, r, stream);
      if (native) {
        CHECK(r.body == bytes);
      }
      CHECK(a.text == "Hello there!");
      // Every pairing carries reasoning: reasoning_content, an (unsigned unless from anthropic)
      // thinking block, or a reasoning item.
      CHECK(a.reasoning == "Thinking it over.");
      CHECK(a.stop == stop_of(dialect, "stop"));
      CHECK(a.calls.empty());
      check_usage(dialect, a.usage, up.usage(stream));
      check_stream_sent(up, up.sent(0), stream);
      const auto logs = f.logs(1);
      REQUIRE(logs.size() == 1);
      CHECK(logs[0].outcome == "ok");
      CHECK(logs[0].endpoint == route_of(dialect));
      CHECK(logs[0].prompt_tokens == up.usage(stream).input);
      CHECK(logs[0].completion_tokens == up.usage(stream).output);
      // The log keeps the answer as one object in the client's dialect, streamed or not.
      REQUIRE(logs[0].response_body);
      const auto stored = read_answer(dialect, {200, {}, *logs[0].response_body, {}}, false);
      CHECK(stored.text == a.text);
      CHECK(stored.reasoning == a.reasoning);
      CHECK(stored.stop == a.stop);
      check_think_sent(up, up.sent(0), dialect, logs[0]);
    }

    SECTION("the answer sent back with its thinking, and a next question") {
      up.answer("text", stream);
      const auto first = answer_object(dialect, post({.stream = stream}), stream);
      const auto r = post({.stream = stream, .previous = first});
      CHECK(read_answer(dialect, r, stream).text == "Hello there!");
      if (provider.wire == Wire::kQwen) {  // the web API keeps the history: only the question goes
        CHECK(qwen_text(up.sent(1)) == "And tomorrow?");
        check_qwen_continued(up, up.sent(1));
      } else {
        check_thinking_sent(up, up.sent(1), dialect == Dialect::kMessages || (dialect == Dialect::kChat && !stream));
      }
    }

    // One call, then two in one answer (OpenAI's parallel tool calls, Anthropic's tool_use
    // blocks). Qwen's XML convention takes the first element only (docs/providers.md, "Tools").
    for (const std::string scenario : {"tool", "tools2"}) {
      if (scenario == "tools2" && provider.wire == Wire::kQwen) {
        continue;
      }
      DYNAMIC_SECTION((scenario == "tool" ? "a tool call" : "two tool calls")
                      << ", and the results sent back in the client's dialect") {
        const auto bytes = up.answer(scenario, stream);
        const auto r1 = post({.stream = stream, .tools = true});
        const auto a1 = read_answer(dialect, r1, stream);
        if (native) {
          CHECK(r1.body == bytes);
        }
        check_tools_sent(up, up.sent(0));
        // Qwen's stream sends the text before a tool element as it arrives, the blank line before
        // the element included (qwen_direct_test); its whole reply and the other wires have none.
        CHECK(a1.text == (provider.wire == Wire::kQwen && stream ? "Let me check.\n\n" : "Let me check."));
        CHECK(a1.stop == stop_of(dialect, "tool"));
        REQUIRE(a1.calls.size() == (scenario == "tool" ? 1U : 2U));
        CHECK(a1.calls[0].name == "get_weather");
        CHECK(a1.calls[0].arguments == json::parse(R"({"city":"Paris"})"));
        if (a1.calls.size() == 2) {
          CHECK(a1.calls[1].name == "get_time");
          CHECK(a1.calls[1].arguments == json::parse(R"({"tz":"Europe/Paris"})"));
          CHECK(a1.calls[1].id != a1.calls[0].id);
        }
        for (const auto& c : a1.calls) {
          CHECK_FALSE(c.id.empty());
        }

        up.answer("text", stream);
        const auto r2 = post({.stream = stream, .tools = true, .answered = a1.calls});
        const auto a2 = read_answer(dialect, r2, stream);
        CHECK(a2.text == "Hello there!");
        CHECK(a2.stop == stop_of(dialect, "stop"));
        check_tool_results_sent(up, up.sent(1), a1.calls);
      }
    }

    SECTION("an image reaches the upstream in its wire's image shape") {
      up.answer("text", stream);
      const auto r = post({.stream = stream, .image = true});
      if (provider.wire == Wire::kQwen) {
        // Documented (docs/providers.md, "Ignored options"): the web API is sent text only; the
        // image is left out, the request still succeeds, and the log row says what was ignored.
        CHECK(read_answer(dialect, r, stream).text == "Hello there!");
        CHECK_THAT(qwen_text(up.sent(0)), Contains("What is this?"));
        CHECK_THAT(qwen_text(up.sent(0)), !Contains(kPng));
        const auto logs = f.logs(1);
        REQUIRE(logs.size() == 1);
        CHECK_THAT(logs[0].error, Contains("ignored by qwen-direct") && Contains("content parts other than text"));
      } else {
        CHECK(read_answer(dialect, r, stream).text == "Hello there!");
        check_image_sent(up, up.sent(0));
      }
    }

    SECTION("max tokens: max_tokens / length / incomplete") {
      if (provider.wire == Wire::kQwen && stream) {
        // Qwen's stream ends every answer with status "finished" and no reason: a cut answer
        // cannot be told from a whole one (PROTOCOLS.md §1.6), so there is no length stop to map.
        SUCCEED("no length signal in Qwen's stream");
      } else {
        up.answer("length", stream);
        const auto r = post({.stream = stream, .max_tokens = 8});
        const auto a = read_answer(dialect, r, stream);
        CHECK(a.text == "Hello th");
        CHECK(a.stop == stop_of(dialect, "length"));
        if (provider.wire != Wire::kQwen) {  // the web API has no such option (reported as ignored)
          CHECK(up.sent(0).at("max_tokens") == 8);
        }
      }
    }

    if (stream) {
      // Either way a stream can fail after output started: the upstream says so in an error
      // event, or its connection drops.
      for (const bool dropped : {false, true}) {
        DYNAMIC_SECTION((dropped ? "the upstream connection drops mid-stream" : "an upstream error event mid-stream")
                        << ": an honest error event, never a fake end") {
          const auto bytes = dropped ? up.answer_then_drop() : up.answer("error", true);
          const auto r = post({.stream = true});
          INFO(r.body);
          REQUIRE(r.status == 200);
          const auto data = router::test::sse_data(r.body);
          const auto names = router::test::sse_event_names(r.body);
          CHECK(streamed_text(dialect, data) == (dropped ? "Hello " : "Partial"));
          check_sequence(dialect, r.body);
          CHECK_THAT(r.body, !Contains("[DONE]"));
          CHECK_THAT(r.body, !Contains("message_stop"));
          CHECK_THAT(r.body, !Contains("response.completed"));
          if (native && !dropped) {
            CHECK(r.body == bytes);  // the upstream's own error event, relayed
          } else {
            if (native) {
              CHECK(r.body.starts_with(bytes));  // what the upstream sent, then the router's error event
            }
            switch (dialect) {
              case Dialect::kChat:
                REQUIRE(!data.empty());
                CHECK(json::parse(data.back()).as_object().contains("error"));
                break;
              case Dialect::kMessages:
                REQUIRE(!names.empty());
                CHECK(names.back() == "error");
                CHECK(json::parse(data.back()).at("type") == "error");
                break;
              case Dialect::kResponses:
                REQUIRE(!names.empty());
                CHECK(names.back() == "response.failed");
                CHECK(json::parse(data.back()).at("response").at("status") == "failed");
                break;
            }
          }
          const auto logs = f.logs(1);
          REQUIRE(logs.size() == 1);
          CHECK(logs[0].outcome == "truncated");
        }
      }
    }
  }
}
