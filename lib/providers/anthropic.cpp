#include "providers/anthropic.hpp"

#include <algorithm>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "providers/chunks.hpp"

namespace router::providers {

using core::Error;
using core::ErrorCode;

namespace {

// OpenAI request fields this translation expresses; any other non-null field is reported.
constexpr std::string_view kTranslated[] = {"model",       "messages",   "stream",     "stream_options",
                                            "tools",       "tool_choice", "max_tokens", "max_completion_tokens",
                                            "temperature", "top_p",      "stop",       "user",
                                            "parallel_tool_calls", "top_k", "thinking"};

constexpr int kOverloaded = 529;  // Anthropic's "overloaded_error"

boost::json::object text_block(std::string_view text) { return {{"type", "text"}, {"text", text}}; }

// The chat form's per-part cache hint (docs/dialects.md) on the block made from that part.
boost::json::object with_cache_control(boost::json::object&& block, const boost::json::object& part) {
  if (const auto* cc = part.if_contains("cache_control"); cc != nullptr && !cc->is_null()) {
    block["cache_control"] = *cc;
  }
  return std::move(block);
}

bool has_cache_control(const boost::json::value* content) {
  if (content == nullptr || !content->is_array()) {
    return false;
  }
  return std::any_of(content->as_array().begin(), content->as_array().end(),
                     [](const boost::json::value& p) { return p.is_object() && p.as_object().contains("cache_control"); });
}

// An OpenAI image part as an Anthropic image block: data: URLs become base64 sources, http(s)
// URLs URL sources.
boost::json::object image_block(const boost::json::object& part) {
  std::string_view url;
  if (const auto* iu = part.if_contains("image_url")) {
    url = iu->is_string() ? std::string_view(iu->as_string())
                          : (iu->is_object() ? string_field(iu->as_object(), "url") : std::string_view());
  }
  if (url.starts_with("data:")) {
    const auto comma = url.find(',');
    const auto meta = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma == std::string_view::npos || !meta.ends_with(";base64")) {
      throw Error(ErrorCode::kInvalidArgument, "an image data URL must be base64 encoded (data:<type>;base64,<data>)",
                  "messages");
    }
    return {{"type", "image"},
            {"source", boost::json::object{{"type", "base64"},
                                           {"media_type", meta.substr(0, meta.size() - 7)},
                                           {"data", url.substr(comma + 1)}}}};
  }
  if (url.starts_with("https://") || url.starts_with("http://")) {
    return {{"type", "image"}, {"source", boost::json::object{{"type", "url"}, {"url", url}}}};
  }
  throw Error(ErrorCode::kInvalidArgument, "an image_url must be a data: URL or an http(s) URL", "messages");
}

// User content (a string or OpenAI parts) as content blocks; empty text is dropped (Anthropic
// rejects empty text blocks).
void add_user_content(boost::json::array& blocks, const boost::json::value* content) {
  if (content == nullptr || content->is_null()) {
    return;
  }
  if (!content->is_array()) {
    const auto text = content_text(content);
    if (!text.empty()) {
      blocks.push_back(text_block(text));
    }
    return;
  }
  for (const auto& p : content->as_array()) {
    if (!p.is_object()) {
      continue;
    }
    const auto& part = p.as_object();
    const auto type = string_field(part, "type");
    if (type == "text" && !string_field(part, "text").empty()) {
      blocks.push_back(with_cache_control(text_block(string_field(part, "text")), part));
    } else if (type == "image_url") {
      blocks.push_back(with_cache_control(image_block(part), part));
    }
  }
}

void add_tool_uses(boost::json::array& blocks, const boost::json::object& message) {
  const auto* calls = message.if_contains("tool_calls");
  if (calls == nullptr || !calls->is_array()) {
    return;
  }
  for (const auto& c : calls->as_array()) {
    if (!c.is_object()) {
      continue;
    }
    const auto* fn = object_field(c.as_object(), "function");
    if (fn == nullptr) {
      continue;
    }
    const auto name = string_field(*fn, "name");
    const auto arguments = string_field(*fn, "arguments");
    boost::json::value input = boost::json::object{};
    if (!core::trim(arguments).empty()) {
      boost::system::error_code ec;
      input = boost::json::parse(arguments, ec);
      if (ec || !input.is_object()) {
        throw Error(ErrorCode::kInvalidArgument,
                    fmt::format("the arguments of tool call '{}' are not a JSON object", name.substr(0, 100)), "messages");
      }
    }
    blocks.push_back(boost::json::object{
        {"type", "tool_use"}, {"id", string_field(c.as_object(), "id")}, {"name", name}, {"input", std::move(input)}});
  }
}

// The chat form's thinking_blocks extension: signed thinking and redacted thinking go back
// unchanged (the API checks them); unsigned thinking (from a chat-form upstream) cannot be
// verified, so it stays behind.
void add_thinking(boost::json::array& blocks, const boost::json::object& message) {
  const auto* list = message.if_contains("thinking_blocks");
  if (list == nullptr || !list->is_array()) {
    return;
  }
  for (const auto& b : list->as_array()) {
    if (!b.is_object()) {
      continue;
    }
    const auto type = string_field(b.as_object(), "type");
    if ((type == "thinking" && !string_field(b.as_object(), "signature").empty()) ||
        (type == "redacted_thinking" && !string_field(b.as_object(), "data").empty())) {
      blocks.push_back(b);
    }
  }
}

// A tool message as a tool_result block: text and image parts as content blocks, and the
// is_error and cache_control extensions.
boost::json::object tool_result(const boost::json::object& m) {
  boost::json::object block{{"type", "tool_result"}, {"tool_use_id", string_field(m, "tool_call_id")}};
  const auto* content = m.if_contains("content");
  if (content != nullptr && content->is_array() &&
      std::any_of(content->as_array().begin(), content->as_array().end(), [](const boost::json::value& p) {
        return p.is_object() && string_field(p.as_object(), "type") == "image_url";
      })) {
    boost::json::array blocks;
    add_user_content(blocks, content);
    block["content"] = std::move(blocks);
  } else {
    block["content"] = content_text(content);
  }
  if (const auto* e = m.if_contains("is_error"); e != nullptr && e->is_bool() && e->as_bool()) {
    block["is_error"] = true;
  }
  return with_cache_control(std::move(block), m);
}

// Anthropic requires alternating roles: a message of the same role as the previous one joins it.
void append_message(boost::json::array& messages, std::string_view role, boost::json::array&& blocks) {
  if (blocks.empty()) {
    return;
  }
  if (!messages.empty() && string_field(messages.back().as_object(), "role") == role) {
    auto& prev = messages.back().as_object()["content"].as_array();
    for (auto& b : blocks) {
      prev.push_back(std::move(b));
    }
    return;
  }
  messages.push_back(boost::json::object{{"role", role}, {"content", std::move(blocks)}});
}

void translate_tools(const boost::json::object& openai, boost::json::object& out) {
  const auto* choice = openai.if_contains("tool_choice");
  if (choice != nullptr && choice->is_string() && choice->as_string() == "none") {
    return;  // "none": the model sees no tools at all
  }
  boost::json::array tools;
  if (const auto* t = openai.if_contains("tools"); t != nullptr && t->is_array()) {
    for (const auto& tool : t->as_array()) {
      const auto* fn = tool.is_object() ? object_field(tool.as_object(), "function") : nullptr;
      if (fn == nullptr || string_field(*fn, "name").empty()) {
        continue;
      }
      boost::json::object spec{{"name", string_field(*fn, "name")}};
      if (const auto d = string_field(*fn, "description"); !d.empty()) {
        spec["description"] = d;
      }
      const auto* params = object_field(*fn, "parameters");
      spec["input_schema"] = params != nullptr ? *params : boost::json::object{{"type", "object"}, {"properties", boost::json::object{}}};
      tools.push_back(with_cache_control(std::move(spec), tool.as_object()));
    }
  }
  if (tools.empty()) {
    return;
  }
  out["tools"] = std::move(tools);
  boost::json::object tc;
  if (choice != nullptr && choice->is_string() && choice->as_string() == "required") {
    tc = {{"type", "any"}};
  } else if (choice != nullptr && choice->is_object()) {
    const auto* fn = object_field(choice->as_object(), "function");
    if (fn != nullptr && !string_field(*fn, "name").empty()) {
      tc = {{"type", "tool"}, {"name", string_field(*fn, "name")}};
    }
  }
  if (const auto* p = openai.if_contains("parallel_tool_calls"); p != nullptr && p->is_bool() && !p->as_bool()) {
    if (tc.empty()) {
      tc = {{"type", "auto"}};
    }
    tc["disable_parallel_tool_use"] = true;
  }
  if (tc.empty() && choice != nullptr && choice->is_string() && choice->as_string() == "auto") {
    tc = {{"type", "auto"}};
  }
  if (!tc.empty()) {
    out["tool_choice"] = std::move(tc);
  }
}

std::string finish_reason_of(std::string_view stop_reason) {
  if (stop_reason == "max_tokens") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, or none given
}

// input_tokens excludes cached input; OpenAI's prompt_tokens counts all of it.
std::int64_t input_tokens(const boost::json::object& usage) {
  return int_field(usage, "input_tokens") + int_field(usage, "cache_creation_input_tokens") +
         int_field(usage, "cache_read_input_tokens");
}

// The usage of an answer, cache reads and writes kept apart in the chat form's details.
Usage usage_of_anthropic(const boost::json::object& u) {
  Usage usage;
  usage.prompt_tokens = input_tokens(u);
  usage.completion_tokens = int_field(u, "output_tokens");
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  usage.cached_tokens = int_field(u, "cache_read_input_tokens");
  usage.cache_creation_tokens = int_field(u, "cache_creation_input_tokens");
  return usage;
}

// The status and OpenAI error type for an Anthropic answer: the HTTP status decides, the body's
// error type only where the status is not specific.
int client_status(int status, std::string_view error_type) {
  switch (status) {
    case 400: case 401: case 403: case 404: case 413: case 429: return status;
    default: break;
  }
  if (status >= 500) {
    return status == 504 ? 504 : 502;
  }
  if (error_type == "rate_limit_error") return 429;
  if (error_type == "authentication_error") return 401;
  if (error_type == "permission_error") return 403;
  if (error_type == "not_found_error") return 404;
  if (error_type == "request_too_large") return 413;
  return 400;
}

class AnthropicExchange final : public Exchange {
 public:
  AnthropicExchange(const Anthropic& provider, const ChatRequest& request, std::string model)
      : provider_(provider),
        request_(request),
        model_(std::move(model)),
        native_(provider.passes_through(request)),
        writer_(new_completion_id(), model_, core::now_ms() / 1000, request.include_usage) {
    if (!native_) {
      body_ = anthropic_request(request.body, model_, provider.max_tokens(), ignored_);
    }
  }

  UpstreamRequest request() override {
    UpstreamRequest r;
    r.target = provider_.base_url().path + std::string(core::dialect_info(native_ ? request_.dialect : Dialect::kMessages).path);
    r.stream = request_.stream;
    if (native_) {
      // The client speaks Messages: its bytes, beta features and version headers pass as sent.
      r.headers = provider_.request_headers(request_.stream, request_.forward);
      r.body = native_body(request_, model_);
      return r;
    }
    r.headers = provider_.request_headers(request_.stream);
    if (request_.stream) {
      body_["stream"] = true;
    }
    r.body = boost::json::serialize(body_);
    return r;
  }

  ErrorReply error_reply(int status, std::string_view content_type, std::string_view body) override {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    const auto* err = !ec && v.is_object() ? object_field(v.as_object(), "error") : nullptr;
    if (err == nullptr) {
      ErrorReply r = Exchange::error_reply(status, content_type, body);
      if (status == kOverloaded) {
        r.retry_like = 503;
      }
      return r;
    }
    const auto type = string_field(*err, "type");
    const auto message = string_field(*err, "message");
    const int out = client_status(status, type);
    ErrorReply r;
    r.status = out;
    if (status >= 500) {
      r.body = core::error_json(core::code_for_status(out),
                                fmt::format("provider '{}' {} (HTTP {} {}): {}", provider_id_,
                                            type == "overloaded_error" ? "is overloaded" : "failed", status, type, message),
                                {}, fmt::format("upstream_status_{}", status));
    } else {
      r.body = core::error_json(
          core::code_for_status(out),
          fmt::format("provider '{}' rejected the request (HTTP {} {}): {}", provider_id_, status, type, message), {}, type);
    }
    if (status == kOverloaded || type == "overloaded_error") {
      r.retry_like = 503;  // overloaded is transient: fail over wherever a 503 would
    }
    return r;
  }

  std::string reply(std::string&& body) override {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("answered with something that is not JSON: {}", body_excerpt(body)));
    }
    const auto& o = v.as_object();
    if (const auto* err = object_field(o, "error")) {
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("answered with an error: {}: {}", string_field(*err, "type"),
                                                          string_field(*err, "message")));
    }
    const auto* content = o.if_contains("content");
    if (content == nullptr || !content->is_array()) {
      throw Error(ErrorCode::kUpstreamFailed, "answered without a content array");
    }
    std::string text;
    std::string reasoning;
    boost::json::array thinking;
    boost::json::array calls;
    for (const auto& b : content->as_array()) {
      if (!b.is_object()) {
        continue;
      }
      const auto& block = b.as_object();
      const auto type = string_field(block, "type");
      if (type == "text") {
        text += string_field(block, "text");
      } else if (type == "thinking") {
        reasoning += string_field(block, "thinking");
        thinking.push_back(boost::json::object{
            {"type", "thinking"}, {"thinking", string_field(block, "thinking")}, {"signature", string_field(block, "signature")}});
      } else if (type == "redacted_thinking") {
        thinking.push_back(boost::json::object{{"type", "redacted_thinking"}, {"data", string_field(block, "data")}});
      } else if (type == "tool_use") {
        const auto* input = block.if_contains("input");
        calls.push_back(boost::json::object{
            {"id", string_field(block, "id")},
            {"type", "function"},
            {"function", boost::json::object{{"name", string_field(block, "name")},
                                             {"arguments", input != nullptr ? boost::json::serialize(*input) : "{}"}}}});
      }
    }
    boost::json::object message{{"role", "assistant"},
                                {"content", text.empty() && !calls.empty() ? boost::json::value(nullptr) : boost::json::value(text)}};
    if (!reasoning.empty()) {
      message["reasoning_content"] = reasoning;
    }
    if (!thinking.empty()) {
      message["thinking_blocks"] = std::move(thinking);
    }
    if (!calls.empty()) {
      message["tool_calls"] = std::move(calls);
    }
    const auto* u = object_field(o, "usage");
    const Usage usage = u != nullptr ? usage_of_anthropic(*u) : Usage{};
    const auto id = string_field(o, "id");
    const auto model = string_field(o, "model");
    auto completion = completion_json(id.empty() ? new_completion_id() : std::string(id),
                                      model.empty() ? model_ : std::string(model), core::now_ms() / 1000,
                                      std::move(message), finish_reason_of(string_field(o, "stop_reason")), usage);
    if (const auto seq = string_field(o, "stop_sequence"); !seq.empty()) {
      completion["choices"].as_array()[0].as_object()["stop_sequence"] = seq;
    }
    return boost::json::serialize(completion);
  }

  // The Messages answer is checked (and its usage read) by translating it, as for a chat client.
  CompletionScan check_native(std::string_view body) override {
    if (request_.dialect == Dialect::kCountTokens) {
      return {core::is_valid_json(body), std::nullopt};
    }
    return scan_completion(reply(std::string(body)));
  }

  StreamStep on_event(const core::SseEvent& ev, ChunkSink& sink) override {
    if (!ev.has_data) {
      return {};
    }
    const auto event = event_object(ev.data);
    if (!event) {
      return malformed_event(provider_id_);
    }
    const auto& o = *event;
    const auto type = string_field(o, "type").empty() ? ev.event : string_field(o, "type");
    if (type == "message_start") {
      if (const auto* m = object_field(o, "message")) {
        if (const auto id = string_field(*m, "id"); !id.empty()) {
          writer_.set_id(std::string(id));
        }
        if (const auto model = string_field(*m, "model"); !model.empty()) {
          writer_.set_model(std::string(model));
        }
        if (const auto* u = object_field(*m, "usage")) {
          usage_ = usage_of_anthropic(*u);
        }
      }
      writer_.role(sink);
    } else if (type == "content_block_start") {
      const auto* block = object_field(o, "content_block");
      if (block != nullptr && string_field(*block, "type") == "tool_use") {
        const auto index = next_tool_index_++;
        tool_index_[int_field(o, "index")] = index;
        writer_.tool_call_start(sink, index, string_field(*block, "id"), string_field(*block, "name"));
      } else if (block != nullptr && string_field(*block, "type") == "text") {
        writer_.content(sink, string_field(*block, "text"));
      } else if (block != nullptr && string_field(*block, "type") == "redacted_thinking") {
        writer_.extension(sink, boost::json::object{{"redacted_thinking", string_field(*block, "data")}});
      }
    } else if (type == "content_block_delta") {
      const auto* delta = object_field(o, "delta");
      const auto delta_type = delta != nullptr ? string_field(*delta, "type") : std::string_view();
      if (delta_type == "text_delta") {
        writer_.content(sink, string_field(*delta, "text"));
      } else if (delta_type == "thinking_delta") {
        writer_.reasoning(sink, string_field(*delta, "thinking"));
      } else if (delta_type == "signature_delta") {
        writer_.extension(sink, boost::json::object{{"reasoning_signature", string_field(*delta, "signature")}});
      } else if (delta_type == "input_json_delta") {
        const auto it = tool_index_.find(int_field(o, "index"));
        if (it == tool_index_.end()) {
          return failed(fmt::format("provider '{}' sent tool arguments for a block that is not a tool call", provider_id_));
        }
        writer_.tool_call_arguments(sink, it->second, string_field(*delta, "partial_json"));
      }
    } else if (type == "message_delta") {
      if (const auto* delta = object_field(o, "delta")) {
        stop_reason_ = std::string(string_field(*delta, "stop_reason"));
        stop_sequence_ = std::string(string_field(*delta, "stop_sequence"));
      }
      if (const auto* u = object_field(o, "usage")) {
        if (u->contains("input_tokens")) {
          usage_ = usage_of_anthropic(*u);  // newer APIs repeat the whole usage here
        } else {
          usage_.completion_tokens = int_field(*u, "output_tokens");
        }
      }
    } else if (type == "message_stop") {
      usage_.total_tokens = usage_.prompt_tokens + usage_.completion_tokens;
      writer_.finish(sink, finish_reason_of(stop_reason_), usage_, stop_sequence_);
      return {StreamStep::State::kDone, {}};
    } else if (type == "error") {
      const auto* err = object_field(o, "error");
      auto step = failed(fmt::format("provider '{}' reported an error mid-stream: {}: {}", provider_id_,
                                     err != nullptr ? string_field(*err, "type") : "error",
                                     err != nullptr ? string_field(*err, "message") : ""));
      step.reported = true;
      return step;
    }
    return {};  // ping, content_block_stop and event types added later carry nothing to relay
  }

  std::string ignored_options() const override {
    return ignored_.empty() ? std::string() : "ignored by anthropic: " + core::join(ignored_, ", ");
  }

 private:
  static StreamStep failed(std::string message) { return {StreamStep::State::kFailed, std::move(message)}; }

  const Anthropic& provider_;
  const ChatRequest& request_;
  std::string model_;
  bool native_;
  boost::json::object body_;
  std::vector<std::string> ignored_;
  ChunkWriter writer_;
  std::map<std::int64_t, std::int64_t> tool_index_;  // content block index → tool_calls index
  std::int64_t next_tool_index_ = 0;
  std::string stop_reason_;
  std::string stop_sequence_;
  Usage usage_;
};

std::string base_for(const boost::json::object& config) {
  auto base = base_url_from(config, "https://api.anthropic.com");
  if (base.ends_with("/v1")) {
    base.resize(base.size() - 3);  // a URL copied with /v1 still works: the router adds it
  }
  return base;
}

}  // namespace

boost::json::object anthropic_request(const boost::json::object& openai, std::string_view model,
                                      std::int64_t default_max_tokens, std::vector<std::string>& ignored) {
  boost::json::object out{{"model", model}};
  std::vector<std::string> system;
  boost::json::array system_blocks;  // used when a system part carries a cache hint
  boost::json::array messages;
  const auto* list = openai.if_contains("messages");
  if (list == nullptr || !list->is_array()) {
    throw Error(ErrorCode::kInvalidArgument, "'messages' must be a non-empty array", "messages");
  }
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) {
      continue;
    }
    const auto& m = v.as_object();
    const auto role = string_field(m, "role");
    boost::json::array blocks;
    if (role == "system" || role == "developer") {
      add_user_content(system_blocks, m.if_contains("content"));
      if (auto text = content_text(m.if_contains("content")); !text.empty()) {
        system.push_back(std::move(text));
      }
    } else if (role == "user") {
      add_user_content(blocks, m.if_contains("content"));
      append_message(messages, "user", std::move(blocks));
    } else if (role == "assistant") {
      add_thinking(blocks, m);
      if (has_cache_control(m.if_contains("content"))) {
        add_user_content(blocks, m.if_contains("content"));
      } else if (const auto text = content_text(m.if_contains("content")); !text.empty()) {
        blocks.push_back(text_block(text));
      }
      add_tool_uses(blocks, m);
      append_message(messages, "assistant", std::move(blocks));
    } else if (role == "tool") {
      blocks.push_back(tool_result(m));
      append_message(messages, "user", std::move(blocks));
    }
  }
  // A message that is one text block reads better (and logs smaller) as a plain string.
  for (auto& msg : messages) {
    auto& content = msg.as_object()["content"];
    const auto& blocks = content.as_array();
    if (blocks.size() == 1 && string_field(blocks[0].as_object(), "type") == "text" &&
        !blocks[0].as_object().contains("cache_control")) {
      content = blocks[0].as_object().at("text");
    }
  }
  const bool cached_system = std::any_of(system_blocks.begin(), system_blocks.end(), [](const boost::json::value& b) {
    return b.as_object().contains("cache_control");
  });
  if (cached_system) {
    out["system"] = std::move(system_blocks);  // blocks keep the cache hints a joined string would lose
  } else if (!system.empty()) {
    out["system"] = core::join(system, "\n\n");
  }
  out["messages"] = std::move(messages);
  std::int64_t max_tokens = default_max_tokens;
  for (const auto key : {"max_completion_tokens", "max_tokens"}) {
    if (const auto* v = openai.if_contains(key); v != nullptr && v->is_int64() && v->as_int64() > 0) {
      max_tokens = v->as_int64();
      break;
    }
  }
  out["max_tokens"] = max_tokens;
  for (const auto key : {"temperature", "top_p", "top_k"}) {
    if (const auto* v = openai.if_contains(key); v != nullptr && v->is_number()) {
      out[key] = *v;
    }
  }
  if (const auto* t = openai.if_contains("thinking"); t != nullptr && t->is_object()) {
    out["thinking"] = *t;  // the chat form's extension from a Messages client
  }
  if (const auto* stop = openai.if_contains("stop"); stop != nullptr && !stop->is_null()) {
    boost::json::array seqs;
    if (stop->is_string()) {
      seqs.push_back(stop->as_string());
    } else if (stop->is_array()) {
      for (const auto& s : stop->as_array()) {
        if (s.is_string() && !s.as_string().empty()) {
          seqs.push_back(s);
        }
      }
    }
    if (!seqs.empty()) {
      out["stop_sequences"] = std::move(seqs);
    }
  }
  if (const auto user = string_field(openai, "user"); !user.empty()) {
    out["metadata"] = boost::json::object{{"user_id", user}};
  }
  translate_tools(openai, out);
  for (const auto& kv : openai) {
    const std::string_view key = kv.key();
    const bool n_is_one = key == "n" && kv.value().is_int64() && kv.value().as_int64() == 1;
    // A Messages client's effort hint rides next to its thinking object, which says it exactly.
    const bool effort_of_thinking = key == "reasoning_effort" && openai.contains("thinking");
    if (std::find(std::begin(kTranslated), std::end(kTranslated), key) == std::end(kTranslated) &&
        !kv.value().is_null() && !n_is_one && !effort_of_thinking) {
      ignored.emplace_back(key);
    }
  }
  return out;
}

Anthropic::Anthropic(std::string id, const ProviderType& type, boost::json::object config)
    : Provider(std::move(id), type, config, base_for(config)) {
  api_key_ = config_string("apiKey");
  if (api_key_.empty()) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("provider '{}' (anthropic) needs 'apiKey'", this->id()));
  }
  if (const auto v = config_string("version"); !v.empty()) {
    version_ = v;
  }
  max_tokens_ = config_positive("maxTokens").value_or(max_tokens_);
}

Headers Anthropic::request_headers(bool stream, const Headers& forward) const {
  Headers h = json_headers(stream, 6);
  h.emplace_back("x-api-key", api_key_);
  const auto version = std::find_if(forward.begin(), forward.end(),
                                    [](const auto& f) { return core::iequals(f.first, "anthropic-version"); });
  if (version == forward.end()) {
    h.emplace_back("anthropic-version", version_);
  }
  for (const auto& f : forward) {
    h.push_back(f);
  }
  add_config_headers(h);
  return h;
}

bool Anthropic::speaks(Dialect d) const noexcept { return d == Dialect::kMessages || d == Dialect::kCountTokens; }

std::unique_ptr<Exchange> Anthropic::chat(const ChatRequest& request, const std::string& model,
                                          const ChatContext& /*context*/) const {
  std::string sent = model.empty() || model == "default" ? default_model().value_or(std::string()) : model;
  if (sent.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("provider '{}' (anthropic) needs a model: name one, link a default model or set defaultModel",
                            id()),
                "model");
  }
  return make_exchange(std::make_unique<AnthropicExchange>(*this, request, std::move(sent)));
}

UpstreamRequest Anthropic::models_request() const {
  return get_request(base_url().path + "/v1/models?limit=1000", request_headers(false));
}

std::vector<UpstreamModel> Anthropic::parse_models(std::string_view body) const {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  const auto* data = !ec && v.is_object() ? v.as_object().if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) {
    throw Error(ErrorCode::kUpstreamFailed,
                fmt::format("provider '{}' answered the model list with something that is not a model list", id()));
  }
  std::vector<UpstreamModel> out;
  for (const auto& m : data->as_array()) {
    if (!m.is_object() || string_field(m.as_object(), "id").empty()) {
      continue;
    }
    const auto& o = m.as_object();
    UpstreamModel um;
    um.id = std::string(string_field(o, "id"));
    um.owned_by = "anthropic";
    um.name = std::string(string_field(o, "display_name"));
    out.push_back(std::move(um));
  }
  return out;
}

}  // namespace router::providers
