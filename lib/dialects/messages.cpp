#include "dialects/messages.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.hpp"
#include "core/text.hpp"
#include "providers/chunks.hpp"

namespace router::dialects {

using core::ErrorCode;
using providers::int_field;
using providers::object_field;
using providers::string_field;

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// Messages request fields the chat form expresses; any other non-null field is reported as ignored.
constexpr std::array<std::string_view, 14> kTranslated = {
    "model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p",
    "top_k", "metadata", "stream", "tools", "tool_choice", "thinking", "output_config"};

// The budget_tokens boundaries behind the reasoning_effort a chat-form upstream is asked for.
constexpr std::int64_t kLowBudget = 4096;
constexpr std::int64_t kMediumBudget = 16384;

void copy_cache_control(const object& from, object& to) {
  if (const auto* cc = from.if_contains("cache_control"); cc != nullptr && !cc->is_null()) {
    to["cache_control"] = *cc;
  }
}

object text_part(const object& block, const std::string& param) {
  const auto* text = block.if_contains("text");
  if (text == nullptr || !text->is_string()) {
    invalid(fmt::format("'{}.text' must be a string", param), param + ".text");
  }
  object part{{"type", "text"}, {"text", *text}};
  copy_cache_control(block, part);
  return part;
}

object image_part(const object& block, const std::string& param) {
  const auto* source = object_field(block, "source");
  if (source == nullptr) {
    invalid(fmt::format("'{}.source' must be an object", param), param + ".source");
  }
  const auto type = string_field(*source, "type");
  std::string url;
  if (type == "base64") {
    const auto media = string_field(*source, "media_type");
    const auto data = string_field(*source, "data");
    if (media.empty() || data.empty()) {
      invalid(fmt::format("'{}.source' needs 'media_type' and 'data'", param), param + ".source");
    }
    url = fmt::format("data:{};base64,{}", media, data);
  } else if (type == "url") {
    url = std::string(string_field(*source, "url"));
    if (url.empty()) {
      invalid(fmt::format("'{}.source.url' must be a non-empty string", param), param + ".source.url");
    }
  } else {
    invalid(fmt::format("'{}.source.type' must be 'base64' or 'url' (got '{}')", param, type.substr(0, 40)),
            param + ".source.type");
  }
  object part{{"type", "image_url"}, {"image_url", object{{"url", url}}}};
  copy_cache_control(block, part);
  return part;
}

const object& block_object(const value& b, const std::string& param) {
  if (!b.is_object() || !b.as_object().if_contains("type") || !b.as_object().at("type").is_string()) {
    invalid(fmt::format("'{}' must be a content block object with a string 'type'", param), param);
  }
  return b.as_object();
}

[[noreturn]] void unsupported_block(std::string_view type, const std::string& param) {
  invalid(fmt::format("content block type '{}' has no chat-form equivalent: send it to an anthropic provider",
                      type.substr(0, 60)),
          param + ".type");
}

// A tool_result's content: a string stays one; blocks become text and image parts.
value tool_result_content(const object& block, const std::string& param) {
  const auto* content = block.if_contains("content");
  if (content == nullptr || content->is_null()) {
    return "";
  }
  if (content->is_string()) {
    return *content;
  }
  if (!content->is_array()) {
    invalid(fmt::format("'{}.content' must be a string or an array of blocks", param), param + ".content");
  }
  array parts;
  std::size_t i = 0;
  for (const auto& b : content->as_array()) {
    const auto p = fmt::format("{}.content[{}]", param, i++);
    const auto& inner = block_object(b, p);
    const auto type = string_field(inner, "type");
    if (type == "text") {
      parts.push_back(text_part(inner, p));
    } else if (type == "image") {
      parts.push_back(image_part(inner, p));
    } else {
      unsupported_block(type, p);
    }
  }
  return parts;
}

// A user or assistant content that is one text part without a cache hint reads as a plain string.
value simplify(array&& parts) {
  if (parts.size() == 1 && string_field(parts[0].as_object(), "type") == "text" &&
      !parts[0].as_object().contains("cache_control")) {
    return parts[0].as_object().at("text");
  }
  return std::move(parts);
}

// One user turn: its tool results become `tool` messages first (the Messages API puts them
// first), the rest one user message.
void user_turn(const value& content, const std::string& param, array& out) {
  if (content.is_string()) {
    out.push_back(object{{"role", "user"}, {"content", content}});
    return;
  }
  array parts;
  std::size_t i = 0;
  for (const auto& b : content.as_array()) {
    const auto p = fmt::format("{}.content[{}]", param, i++);
    const auto& block = block_object(b, p);
    const auto type = string_field(block, "type");
    if (type == "text") {
      parts.push_back(text_part(block, p));
    } else if (type == "image") {
      parts.push_back(image_part(block, p));
    } else if (type == "tool_result") {
      const auto id = string_field(block, "tool_use_id");
      if (id.empty()) {
        invalid(fmt::format("'{}.tool_use_id' must be a non-empty string", p), p + ".tool_use_id");
      }
      object tool{{"role", "tool"}, {"tool_call_id", id}, {"content", tool_result_content(block, p)}};
      if (const auto* e = block.if_contains("is_error"); e != nullptr && e->is_bool() && e->as_bool()) {
        tool["is_error"] = true;
      }
      copy_cache_control(block, tool);
      out.push_back(std::move(tool));
    } else {
      unsupported_block(type, p);
    }
  }
  if (!parts.empty()) {
    out.push_back(object{{"role", "user"}, {"content", simplify(std::move(parts))}});
  }
}

void assistant_turn(const value& content, const std::string& param, array& out) {
  object msg{{"role", "assistant"}};
  if (content.is_string()) {
    msg["content"] = content;
    out.push_back(std::move(msg));
    return;
  }
  array parts;
  array calls;
  array thinking;
  std::string reasoning;
  std::size_t i = 0;
  for (const auto& b : content.as_array()) {
    const auto p = fmt::format("{}.content[{}]", param, i++);
    const auto& block = block_object(b, p);
    const auto type = string_field(block, "type");
    if (type == "text") {
      parts.push_back(text_part(block, p));
    } else if (type == "tool_use") {
      const auto id = string_field(block, "id");
      const auto name = string_field(block, "name");
      if (id.empty() || name.empty()) {
        invalid(fmt::format("'{}' needs a string 'id' and 'name'", p), p);
      }
      const auto* input = block.if_contains("input");
      calls.push_back(object{{"id", id},
                             {"type", "function"},
                             {"function", object{{"name", name},
                                                 {"arguments", input != nullptr && input->is_object()
                                                                   ? core::compact_json(*input)
                                                                   : std::string("{}")}}}});
    } else if (type == "thinking") {
      const auto text = string_field(block, "thinking");
      reasoning += text;
      thinking.push_back(object{{"type", "thinking"}, {"thinking", text}, {"signature", string_field(block, "signature")}});
    } else if (type == "redacted_thinking") {
      thinking.push_back(object{{"type", "redacted_thinking"}, {"data", string_field(block, "data")}});
    } else {
      unsupported_block(type, p);
    }
  }
  msg["content"] = parts.empty() ? value(nullptr) : simplify(std::move(parts));
  if (!thinking.empty()) {
    msg["reasoning_content"] = reasoning;
    msg["thinking_blocks"] = std::move(thinking);
  }
  if (!calls.empty()) {
    msg["tool_calls"] = std::move(calls);
  }
  out.push_back(std::move(msg));
}

// The top-level `system`, or a system turn inside `messages` (Claude Code sends those): a string
// or text blocks, their cache hints kept.
void system_prompt(const value& system, const std::string& param, array& out) {
  if (system.is_string()) {
    if (!system.as_string().empty()) {
      out.push_back(object{{"role", "system"}, {"content", system}});
    }
    return;
  }
  if (!system.is_array()) {
    invalid(fmt::format("'{}' must be a string or an array of text blocks", param), param);
  }
  array parts;
  std::size_t i = 0;
  for (const auto& b : system.as_array()) {
    const auto p = fmt::format("{}[{}]", param, i++);
    const auto& block = block_object(b, p);
    if (string_field(block, "type") != "text") {
      invalid(fmt::format("'{}' must be a text block", p), p + ".type");
    }
    parts.push_back(text_part(block, p));
  }
  if (!parts.empty()) {
    out.push_back(object{{"role", "system"}, {"content", std::move(parts)}});
  }
}

void tools(const object& body, object& chat) {
  if (const auto* t = optional_field(body, "tools", &value::is_array, "an array", "tools")) {
    array out;
    std::size_t i = 0;
    for (const auto& v : t->as_array()) {
      const auto p = fmt::format("tools[{}]", i++);
      if (!v.is_object()) {
        invalid(fmt::format("'{}' must be an object", p), p);
      }
      const auto& tool = v.as_object();
      if (const auto type = string_field(tool, "type"); !type.empty() && type != "custom") {
        invalid(fmt::format("tool type '{}' is an Anthropic server tool the chat form cannot express: send it to an "
                            "anthropic provider",
                            type.substr(0, 60)),
                p + ".type");
      }
      auto spec = chat_tool(tool, "input_schema", p);
      copy_cache_control(tool, spec);
      out.push_back(std::move(spec));
    }
    chat["tools"] = std::move(out);
  }
  if (const auto* c = optional_field(body, "tool_choice", &value::is_object, "an object", "tool_choice")) {
    const auto& choice = c->as_object();
    const auto type = string_field(choice, "type");
    if (type == "auto") {
      chat["tool_choice"] = "auto";
    } else if (type == "any") {
      chat["tool_choice"] = "required";
    } else if (type == "none") {
      chat["tool_choice"] = "none";
    } else if (type == "tool" && !string_field(choice, "name").empty()) {
      chat["tool_choice"] = object{{"type", "function"}, {"function", object{{"name", string_field(choice, "name")}}}};
    } else {
      invalid("'tool_choice.type' must be 'auto', 'any', 'none' or 'tool' with a 'name'", "tool_choice.type");
    }
    if (const auto* d = choice.if_contains("disable_parallel_tool_use"); d != nullptr && d->is_bool() && d->as_bool()) {
      chat["parallel_tool_calls"] = false;
    }
  }
}

void sampling(const object& body, object& chat) {
  if (const auto* m = optional_field(body, "max_tokens", &value::is_int64, "a whole number", "max_tokens")) {
    if (m->as_int64() <= 0) {
      invalid("'max_tokens' must be above zero", "max_tokens");
    }
    chat["max_tokens"] = *m;
  }
  copy_sampling_and_stream(body, chat);
  if (const auto* v = optional_field(body, "top_k", &value::is_int64, "a whole number", "top_k")) {
    chat["top_k"] = *v;
  }
  if (const auto* s = optional_field(body, "stop_sequences", &value::is_array, "an array of strings", "stop_sequences")) {
    for (const auto& seq : s->as_array()) {
      if (!seq.is_string()) {
        invalid("'stop_sequences' must be an array of strings", "stop_sequences");
      }
    }
    if (!s->as_array().empty()) {
      chat["stop"] = *s;
    }
  }
  if (const auto* m = optional_field(body, "metadata", &value::is_object, "an object", "metadata")) {
    if (const auto user = string_field(m->as_object(), "user_id"); !user.empty()) {
      chat["user"] = user;
    }
  }
  if (const auto* t = optional_field(body, "thinking", &value::is_object, "an object", "thinking")) {
    chat["thinking"] = *t;  // kept as is for an anthropic upstream
    const auto& thinking = t->as_object();
    if (string_field(thinking, "type") == "enabled") {
      const auto budget = int_field(thinking, "budget_tokens");
      chat["reasoning_effort"] = budget < kLowBudget ? "low" : (budget < kMediumBudget ? "medium" : "high");
    }
  }
  // Claude Code sends adaptive thinking with output_config.effort (low, medium, high, max).
  if (const auto* o = optional_field(body, "output_config", &value::is_object, "an object", "output_config")) {
    if (const auto effort = string_field(o->as_object(), "effort"); !effort.empty()) {
      chat["reasoning_effort"] = effort == "max" ? "high" : effort;
    }
  }
}

void append_text_block(array& content, const value* text) {
  std::string joined = providers::content_text(text);
  if (!joined.empty()) {
    content.push_back(object{{"type", "text"}, {"text", std::move(joined)}});
  }
}

object anthropic_usage(const TokenUsage& u) {
  return object{{"input_tokens", std::max<std::int64_t>(0, u.prompt - u.cached - u.cache_creation)},
                {"cache_creation_input_tokens", u.cache_creation},
                {"cache_read_input_tokens", u.cached},
                {"output_tokens", u.completion}};
}

// Tokenizer-free estimate: ~4 bytes per token for ASCII text (English prose and code average
// 3.5-4.5 with Claude's tokenizer), one token per other code point (CJK runs near one per
// character), a flat 1600 per image (Anthropic's documented cap for a resized image).
constexpr std::int64_t kImageTokens = 1600;
constexpr std::int64_t kMessageOverhead = 4;

std::int64_t text_tokens(std::string_view s) {
  std::int64_t ascii = 0;
  std::int64_t other = 0;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      ++ascii;
    } else if ((b & 0xC0) != 0x80) {
      ++other;  // a lead byte: one code point
    }
  }
  return (ascii + 3) / 4 + other;
}

std::int64_t value_tokens(const value& v) {
  if (v.is_string()) {
    return text_tokens(v.as_string());
  }
  if (v.is_array()) {
    std::int64_t n = 0;
    for (const auto& e : v.as_array()) {
      n += value_tokens(e);
    }
    return n;
  }
  if (!v.is_object()) {
    return v.is_null() ? 0 : 1;
  }
  const auto& o = v.as_object();
  const auto type = string_field(o, "type");
  if (type == "image") {
    return kImageTokens;
  }
  std::int64_t n = 0;
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    // Ids, signatures and cache hints are not model input text.
    if (key == "type" || key == "id" || key == "tool_use_id" || key == "signature" || key == "cache_control" ||
        (type == "redacted_thinking" && key == "data")) {
      continue;
    }
    n += key == "input" || key == "input_schema" ? text_tokens(core::compact_json(kv.value())) : value_tokens(kv.value());
  }
  return n;
}

}  // namespace

Ingress messages_to_chat(const object& body) {
  Ingress in;
  auto& chat = in.chat;
  if (const auto* m = optional_field(body, "model", &value::is_string, "a string", "model")) {
    chat["model"] = *m;
  }
  array messages;
  if (const auto* s = body.if_contains("system"); s != nullptr && !s->is_null()) {
    system_prompt(*s, "system", messages);
  }
  const auto* list = body.if_contains("messages");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    invalid("'messages' must be a non-empty array", "messages");
  }
  std::size_t i = 0;
  for (const auto& v : list->as_array()) {
    const auto param = fmt::format("messages[{}]", i++);
    const auto* msg = v.is_object() ? &v.as_object() : nullptr;
    const auto role = msg != nullptr ? string_field(*msg, "role") : std::string_view();
    if (role != "user" && role != "assistant" && role != "system") {
      invalid(fmt::format("'{}.role' must be 'user', 'assistant' or 'system'", param), param + ".role");
    }
    const auto* content = msg->if_contains("content");
    if (content == nullptr || !(content->is_string() || content->is_array())) {
      invalid(fmt::format("'{}.content' must be a string or an array of content blocks", param), param + ".content");
    }
    if (role == "user") {
      user_turn(*content, param, messages);
    } else if (role == "system") {
      system_prompt(*content, param + ".content", messages);
    } else {
      assistant_turn(*content, param, messages);
    }
  }
  chat["messages"] = std::move(messages);
  sampling(body, chat);
  tools(body, chat);
  add_ignored(body, kTranslated, in.ignored);
  return in;
}

Ingress parse_messages(std::string_view body) {
  const auto v = parse_body(body, "a JSON Messages request");
  return messages_to_chat(v);
}

std::string_view anthropic_error_type(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_request_error";
    case ErrorCode::kConflict: return "invalid_request_error";
    case ErrorCode::kMethodNotAllowed: return "invalid_request_error";
    case ErrorCode::kUnauthenticated: return "authentication_error";
    case ErrorCode::kPermissionDenied: return "permission_error";
    case ErrorCode::kNotFound: return "not_found_error";
    case ErrorCode::kPayloadTooLarge: return "request_too_large";
    case ErrorCode::kHeadersTooLarge: return "request_too_large";
    case ErrorCode::kClientClosed: return "api_error";  // logged only: nobody is left to read it
    case ErrorCode::kRateLimited: return "rate_limit_error";
    case ErrorCode::kUpstreamTimeout: return "timeout_error";
    case ErrorCode::kNoProvider: return "overloaded_error";  // nothing could serve now: retry later
    case ErrorCode::kUpstreamFailed: return "api_error";
    case ErrorCode::kUnavailable: return "api_error";
    case ErrorCode::kInternal: return "api_error";
  }
  return "api_error";
}

std::string_view anthropic_stop_reason(std::string_view finish_reason) noexcept {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

std::int64_t estimate_input_tokens(const object& request) {
  std::int64_t n = 0;
  for (const auto key : {"system", "tools"}) {
    if (const auto* v = request.if_contains(key)) {
      n += value_tokens(*v);
    }
  }
  if (const auto* list = request.if_contains("messages"); list != nullptr && list->is_array()) {
    for (const auto& m : list->as_array()) {
      n += kMessageOverhead + (m.is_object() && m.as_object().contains("content") ? value_tokens(m.as_object().at("content")) : 0);
    }
  }
  return n;
}

std::string count_tokens_estimate(std::string_view body) {
  const auto v = parse_body(body, "a JSON Messages request");
  (void)messages_to_chat(v);  // the same validation as POST /v1/messages
  return boost::json::serialize(object{{"input_tokens", estimate_input_tokens(v)}});
}

MessagesEgress::MessagesEgress(std::string model) : model_(std::move(model)) {}

std::string MessagesEgress::reply(const object& completion) {
  const object* choice = first_choice(completion);
  const object* message = choice != nullptr ? object_field(*choice, "message") : nullptr;
  array content;
  std::string_view finish = "stop";
  std::string_view stop_sequence;
  if (message != nullptr) {
    if (const auto* blocks = message->if_contains("thinking_blocks"); blocks != nullptr && blocks->is_array()) {
      for (const auto& b : blocks->as_array()) {
        content.push_back(b);
      }
    } else if (const auto reasoning = string_field(*message, "reasoning_content"); !reasoning.empty()) {
      content.push_back(object{{"type", "thinking"}, {"thinking", reasoning}, {"signature", ""}});
    }
    append_text_block(content, message->if_contains("content"));
    if (const auto refusal = string_field(*message, "refusal"); !refusal.empty()) {
      content.push_back(object{{"type", "text"}, {"text", refusal}});
    }
    if (const auto* calls = message->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
      for (const auto& c : calls->as_array()) {
        const auto* fn = c.is_object() ? object_field(c.as_object(), "function") : nullptr;
        if (fn == nullptr) {
          continue;
        }
        content.push_back(object{{"type", "tool_use"},
                                 {"id", string_field(c.as_object(), "id")},
                                 {"name", string_field(*fn, "name")},
                                 {"input", arguments_object(string_field(*fn, "arguments"))}});
      }
    }
  }
  if (choice != nullptr) {
    finish = string_field(*choice, "finish_reason");
    stop_sequence = string_field(*choice, "stop_sequence");
  }
  const auto* usage = object_field(completion, "usage");
  const auto model = string_field(completion, "model");
  return boost::json::serialize(object{
      {"id", derived_id("msg_", string_field(completion, "id"))},
      {"type", "message"},
      {"role", "assistant"},
      {"model", model.empty() ? std::string_view(model_) : model},
      {"content", std::move(content)},
      {"stop_reason", stop_sequence.empty() ? anthropic_stop_reason(finish) : "stop_sequence"},
      {"stop_sequence", stop_sequence.empty() ? value(nullptr) : value(stop_sequence)},
      {"usage", anthropic_usage(usage != nullptr ? token_usage(*usage) : TokenUsage{})}});
}

void MessagesEgress::start(const object* chunk, std::string& out) {
  started_ = true;
  if (chunk != nullptr) {
    id_ = derived_id("msg_", string_field(*chunk, "id"));
    if (const auto model = string_field(*chunk, "model"); !model.empty()) {
      model_ = std::string(model);
    }
  } else {
    id_ = derived_id("msg_", "");
  }
  // Input tokens are not known before the upstream's last chunk: message_delta carries them.
  append_event(out, "message_start",
               object{{"type", "message_start"},
                      {"message", object{{"id", id_},
                                         {"type", "message"},
                                         {"role", "assistant"},
                                         {"model", model_},
                                         {"content", array{}},
                                         {"stop_reason", nullptr},
                                         {"stop_sequence", nullptr},
                                         {"usage", anthropic_usage(TokenUsage{})}}}});
}

void MessagesEgress::open(Block kind, object&& content_block, std::string& out) {
  close(out);
  open_ = kind;
  signed_ = false;
  append_event(out, "content_block_start",
               object{{"type", "content_block_start"}, {"index", next_index_}, {"content_block", std::move(content_block)}});
}

void MessagesEgress::delta(object&& d, std::string& out) {
  append_event(out, "content_block_delta", object{{"type", "content_block_delta"}, {"index", next_index_}, {"delta", std::move(d)}});
}

void MessagesEgress::close(std::string& out) {
  if (open_ == Block::kNone) {
    return;
  }
  append_event(out, "content_block_stop", object{{"type", "content_block_stop"}, {"index", next_index_}});
  ++next_index_;
  open_ = Block::kNone;
  open_tool_ = -1;
}

void MessagesEgress::tool_calls(const array& calls, std::string& out) {
  for (const auto& c : calls) {
    if (!c.is_object()) {
      continue;
    }
    const auto& call = c.as_object();
    const auto index = int_field(call, "index");
    const auto* fn = object_field(call, "function");
    const auto id = string_field(call, "id");
    if (!id.empty() && (open_ != Block::kTool || open_tool_ != index)) {
      open(Block::kTool,
           object{{"type", "tool_use"},
                  {"id", id},
                  {"name", fn != nullptr ? string_field(*fn, "name") : std::string_view()},
                  {"input", object{}}},
           out);
      open_tool_ = index;
    }
    const auto arguments = fn != nullptr ? string_field(*fn, "arguments") : std::string_view();
    // Upstreams stream tool calls one after another; a fragment for a call that is not the open
    // block has nowhere to go in the Messages event model (docs/dialects.md).
    if (!arguments.empty() && open_ == Block::kTool && open_tool_ == index) {
      delta(object{{"type", "input_json_delta"}, {"partial_json", arguments}}, out);
    }
  }
}

void MessagesEgress::chunk(const object& chunk, std::string& out) {
  if (!started_) {
    start(&chunk, out);
  }
  if (const auto* u = object_field(chunk, "usage")) {
    usage_ = token_usage(*u);
  }
  const auto* first = first_choice(chunk);
  if (first == nullptr) {
    return;
  }
  const auto& choice = *first;
  if (const auto* d = object_field(choice, "delta")) {
    if (const auto text = string_field(*d, "reasoning_content"); !text.empty()) {
      if (open_ != Block::kThinking || signed_) {
        open(Block::kThinking, object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
      }
      delta(object{{"type", "thinking_delta"}, {"thinking", text}}, out);
    }
    if (const auto sig = string_field(*d, "reasoning_signature"); !sig.empty()) {
      if (open_ != Block::kThinking) {
        open(Block::kThinking, object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
      }
      delta(object{{"type", "signature_delta"}, {"signature", sig}}, out);
      signed_ = true;
    }
    if (const auto data = string_field(*d, "redacted_thinking"); !data.empty()) {
      open(Block::kThinking, object{{"type", "redacted_thinking"}, {"data", data}}, out);
      close(out);
    }
    if (const auto text = string_field(*d, "content"); !text.empty()) {
      if (open_ != Block::kText) {
        open(Block::kText, object{{"type", "text"}, {"text", ""}}, out);
      }
      delta(object{{"type", "text_delta"}, {"text", text}}, out);
    }
    if (const auto* calls = d->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
      tool_calls(calls->as_array(), out);
    }
  }
  if (const auto finish = string_field(choice, "finish_reason"); !finish.empty()) {
    close(out);
    stop_sequence_ = std::string(string_field(choice, "stop_sequence"));
    stop_reason_ = stop_sequence_.empty() ? std::string(anthropic_stop_reason(finish)) : "stop_sequence";
  }
}

void MessagesEgress::end(std::string& out) {
  if (!started_) {
    start(nullptr, out);
  }
  close(out);
  append_event(out, "message_delta",
               object{{"type", "message_delta"},
                      {"delta", object{{"stop_reason", stop_reason_},
                                       {"stop_sequence", stop_sequence_.empty() ? value(nullptr) : value(stop_sequence_)}}},
                      {"usage", anthropic_usage(usage_.value_or(TokenUsage{}))}});
  append_event(out, "message_stop", object{{"type", "message_stop"}});
}

void MessagesEgress::fail(ErrorCode code, std::string_view message, std::string& out) {
  // No content_block_stop, message_delta or message_stop: the client must see the answer as
  // broken, not as complete.
  append_event(out, "error",
               object{{"type", "error"},
                      {"error", object{{"type", anthropic_error_type(code)}, {"message", core::to_valid_utf8(message)}}}});
}

std::string MessagesEgress::error_body(ErrorCode code, std::string_view message, std::string_view /*param*/) const {
  return boost::json::serialize(
      object{{"type", "error"},
             {"error", object{{"type", anthropic_error_type(code)}, {"message", core::to_valid_utf8(message)}}}});
}

}  // namespace router::dialects
