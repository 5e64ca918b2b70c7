#include "dialects/responses.hpp"

#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/ids.hpp"
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

// Request fields the chat form expresses (or that only steer the router); others are reported.
constexpr std::array<std::string_view, 18> kTranslated = {
    "model", "input", "instructions", "tools", "tool_choice", "reasoning", "max_output_tokens", "temperature", "top_p",
    "parallel_tool_calls", "user", "safety_identifier", "text", "stream", "store", "previous_response_id", "metadata",
    "include"};

// The request fields a response object repeats, with the value it shows when the request has none.
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kEcho = {{
    {"instructions", "null"}, {"max_output_tokens", "null"}, {"metadata", "{}"}, {"parallel_tool_calls", "true"},
    {"previous_response_id", "null"}, {"reasoning", R"({"effort":null,"summary":null})"}, {"store", "true"},
    {"temperature", "1"}, {"text", R"({"format":{"type":"text"}})"}, {"tool_choice", R"("auto")"}, {"tools", "[]"},
    {"top_p", "1"}, {"user", "null"}}};

object image_part(const object& part, const std::string& param) {
  const auto url = string_field(part, "image_url");
  if (url.empty()) {
    invalid(fmt::format("'{}.image_url' must be a URL or a data: URL (file_id needs the Files API, which the router "
                        "does not serve)",
                        param),
            param + ".image_url");
  }
  object image{{"url", url}};
  if (const auto detail = string_field(part, "detail"); !detail.empty()) {
    image["detail"] = detail;
  }
  return object{{"type", "image_url"}, {"image_url", std::move(image)}};
}

// A message's or function output's content: a string, or input_text/output_text/input_image parts.
value content_parts(const value& content, const std::string& param) {
  if (content.is_string()) {
    return content;
  }
  if (!content.is_array()) {
    invalid(fmt::format("'{}' must be a string or an array of content parts", param), param);
  }
  array parts;
  std::size_t i = 0;
  for (const auto& v : content.as_array()) {
    const auto p = fmt::format("{}[{}]", param, i++);
    const auto* part = v.is_object() ? &v.as_object() : nullptr;
    const auto type = part != nullptr ? string_field(*part, "type") : std::string_view();
    if (type == "input_text" || type == "output_text" || type == "text") {
      parts.push_back(object{{"type", "text"}, {"text", string_field(*part, "text")}});
    } else if (type == "refusal") {
      parts.push_back(object{{"type", "text"}, {"text", string_field(*part, "refusal")}});
    } else if (type == "input_image") {
      parts.push_back(image_part(*part, p));
    } else {
      invalid(fmt::format("content part type '{}' has no chat-form equivalent", type.substr(0, 60)), p + ".type");
    }
  }
  return parts;
}

// Builds chat messages from input items; consecutive assistant output (message text, reasoning,
// function calls) joins one assistant message, as a chat upstream expects.
class Conversation {
 public:
  void message(std::string_view role, value content) {
    if (role == "assistant") {
      assistant_text_ += providers::content_text(&content);
      has_assistant_ = true;
      return;
    }
    flush();
    messages_.push_back(object{{"role", role}, {"content", std::move(content)}});
  }
  void call(std::string_view call_id, std::string_view name, std::string_view arguments) {
    calls_.push_back(object{{"id", call_id}, {"type", "function"}, {"function", object{{"name", name}, {"arguments", arguments}}}});
    has_assistant_ = true;
  }
  void reasoning(std::string_view text) {
    reasoning_ += text;
    has_assistant_ = true;
  }
  void output(std::string_view call_id, value content) {
    flush();
    messages_.push_back(object{{"role", "tool"}, {"tool_call_id", call_id}, {"content", std::move(content)}});
  }
  array take() {
    flush();
    return std::move(messages_);
  }

 private:
  void flush() {
    if (!has_assistant_) {
      return;
    }
    object m{{"role", "assistant"}, {"content", assistant_text_.empty() ? value(nullptr) : value(assistant_text_)}};
    if (!reasoning_.empty()) {
      m["reasoning_content"] = reasoning_;
    }
    if (!calls_.empty()) {
      m["tool_calls"] = std::move(calls_);
    }
    messages_.push_back(std::move(m));
    assistant_text_.clear();
    reasoning_.clear();
    calls_ = array{};
    has_assistant_ = false;
  }

  array messages_;
  std::string assistant_text_;
  std::string reasoning_;
  array calls_;
  bool has_assistant_ = false;
};

void add_item(Conversation& conv, const value& v, const std::string& p) {
  if (!v.is_object()) {
    invalid(fmt::format("'{}' must be an input item object", p), p);
  }
  const auto& item = v.as_object();
  auto type = string_field(item, "type");
  if (type.empty() && item.contains("role")) {
    type = "message";  // EasyInputMessage: {role, content}
  }
  if (type == "message") {
    const auto role = string_field(item, "role");
    if (role != "user" && role != "assistant" && role != "system" && role != "developer") {
      invalid(fmt::format("'{}.role' must be 'user', 'assistant', 'system' or 'developer'", p), p + ".role");
    }
    const auto* content = item.if_contains("content");
    if (content == nullptr) {
      invalid(fmt::format("'{}.content' is missing", p), p + ".content");
    }
    conv.message(role, content_parts(*content, p + ".content"));
  } else if (type == "function_call") {
    const auto call_id = string_field(item, "call_id");
    const auto name = string_field(item, "name");
    if (call_id.empty() || name.empty()) {
      invalid(fmt::format("'{}' needs a string 'call_id' and 'name'", p), p);
    }
    conv.call(call_id, name, string_field(item, "arguments"));
  } else if (type == "function_call_output") {
    const auto call_id = string_field(item, "call_id");
    const auto* output = item.if_contains("output");
    if (call_id.empty() || output == nullptr) {
      invalid(fmt::format("'{}' needs a string 'call_id' and an 'output'", p), p);
    }
    conv.output(call_id, content_parts(*output, p + ".output"));
  } else if (type == "reasoning") {
    // Raw reasoning text when the item has it (our own output), else the summary; an
    // encrypted_content blob only the issuing upstream can read is lost (docs/dialects.md).
    std::string text;
    for (const auto key : {"content", "summary"}) {
      if (const auto* parts = item.if_contains(key); text.empty() && parts != nullptr && parts->is_array()) {
        for (const auto& s : parts->as_array()) {
          if (s.is_object()) {
            text += string_field(s.as_object(), "text");
          }
        }
      }
    }
    conv.reasoning(text);
  } else {
    invalid(fmt::format("input item type '{}' has no chat-form equivalent", type.substr(0, 60)), p + ".type");
  }
}

void tools(const object& body, object& chat, std::vector<std::string>& ignored) {
  if (const auto* t = optional_field(body, "tools", &value::is_array, "an array", "tools")) {
    array out;
    std::size_t i = 0;
    for (const auto& v : t->as_array()) {
      const auto p = fmt::format("tools[{}]", i++);
      if (!v.is_object()) {
        invalid(fmt::format("'{}' must be an object", p), p);
      }
      const auto& tool = v.as_object();
      const auto type = string_field(tool, "type");
      if (type != "function") {
        ignored.push_back(fmt::format("{} (type '{}')", p, type.substr(0, 60)));  // hosted tools: no chat equivalent
        continue;
      }
      auto spec = chat_tool(tool, "parameters", p);
      if (const auto* s = tool.if_contains("strict"); s != nullptr && s->is_bool()) {
        spec["function"].as_object()["strict"] = *s;
      }
      out.push_back(std::move(spec));
    }
    if (!out.empty()) {
      chat["tools"] = std::move(out);
    }
  }
  if (const auto* c = body.if_contains("tool_choice"); c != nullptr && !c->is_null()) {
    if (c->is_string() && (c->as_string() == "auto" || c->as_string() == "none" || c->as_string() == "required")) {
      chat["tool_choice"] = *c;
    } else if (c->is_object() && string_field(c->as_object(), "type") == "function" &&
               !string_field(c->as_object(), "name").empty()) {
      chat["tool_choice"] = object{{"type", "function"}, {"function", object{{"name", string_field(c->as_object(), "name")}}}};
    } else {
      invalid("'tool_choice' must be 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":...}", "tool_choice");
    }
  }
}

void options(const object& body, object& chat) {
  if (const auto* m = optional_field(body, "max_output_tokens", &value::is_int64, "a whole number", "max_output_tokens")) {
    if (m->as_int64() <= 0) {
      invalid("'max_output_tokens' must be above zero", "max_output_tokens");
    }
    chat["max_tokens"] = *m;
  }
  copy_sampling_and_stream(body, chat);
  if (const auto* v = optional_field(body, "parallel_tool_calls", &value::is_bool, "a boolean", "parallel_tool_calls")) {
    chat["parallel_tool_calls"] = *v;
  }
  for (const auto key : {"user", "safety_identifier"}) {
    if (const auto* v = optional_field(body, key, &value::is_string, "a string", key)) {
      chat["user"] = *v;
    }
  }
  if (const auto* r = optional_field(body, "reasoning", &value::is_object, "an object", "reasoning")) {
    if (const auto effort = string_field(r->as_object(), "effort"); !effort.empty()) {
      chat["reasoning_effort"] = effort;
    }
  }
  if (const auto* t = optional_field(body, "text", &value::is_object, "an object", "text")) {
    if (const auto* f = object_field(t->as_object(), "format")) {
      const auto type = string_field(*f, "type");
      if (type == "json_schema") {
        object schema{{"name", string_field(*f, "name")}};
        for (const auto key : {"schema", "strict", "description"}) {
          if (const auto* v = f->if_contains(key)) {
            schema[key] = *v;
          }
        }
        chat["response_format"] = object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
      } else if (type == "json_object") {
        chat["response_format"] = object{{"type", "json_object"}};
      }
    }
  }
}

object responses_usage(const TokenUsage& u) {
  return object{{"input_tokens", u.prompt},
                {"input_tokens_details", object{{"cached_tokens", u.cached}}},
                {"output_tokens", u.completion},
                {"output_tokens_details", object{{"reasoning_tokens", u.reasoning}}},
                {"total_tokens", u.prompt + u.completion}};
}

// completed, or incomplete with the reason a chat finish_reason gives.
std::pair<std::string_view, value> status_of(std::string_view finish_reason) {
  if (finish_reason == "length") {
    return {"incomplete", object{{"reason", "max_output_tokens"}}};
  }
  if (finish_reason == "content_filter") {
    return {"incomplete", object{{"reason", "content_filter"}}};
  }
  return {"completed", nullptr};
}

std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index) {
  return fmt::format("{}_{}", derived_id(prefix, response_id), index);
}

object reasoning_item(std::string id, std::string_view text) {
  return object{{"id", std::move(id)},
                {"type", "reasoning"},
                {"summary", array{}},
                {"content", array{object{{"type", "reasoning_text"}, {"text", text}}}}};
}

object text_part(std::string_view text) {
  return object{{"type", "output_text"}, {"annotations", array{}}, {"logprobs", array{}}, {"text", text}};
}

object message_item(std::string id, std::string_view status, array content) {
  return object{{"id", std::move(id)}, {"type", "message"}, {"status", status}, {"role", "assistant"}, {"content", std::move(content)}};
}

object call_item(std::string id, std::string_view status, std::string_view call_id, std::string_view name,
                 std::string_view arguments) {
  return object{{"id", std::move(id)}, {"type", "function_call"}, {"status", status},
                {"arguments", arguments}, {"call_id", call_id}, {"name", name}};
}

std::string_view failure_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kRateLimited: return "rate_limit_exceeded";
    case ErrorCode::kInvalidArgument: return "invalid_prompt";
    default: return "server_error";
  }
}

}  // namespace

std::string response_id(std::int64_t request_id) { return "resp_" + core::format_request_id(request_id).substr(4); }

std::optional<std::int64_t> response_request_id(std::string_view response_id) {
  if (!response_id.starts_with("resp_") || response_id.size() != 5 + 16) {
    return std::nullopt;
  }
  return core::parse_request_id(response_id.substr(5));
}

array input_items(const object& body) {
  const auto* input = body.if_contains("input");
  if (input == nullptr || input->is_null() || !(input->is_string() || input->is_array())) {
    invalid("'input' must be a string or an array of input items", "input");
  }
  if (input->is_string()) {
    return array{object{{"type", "message"}, {"role", "user"}, {"content", *input}}};
  }
  return input->as_array();
}

ResponsesRequest responses_to_chat(const object& body, const ResolvePrevious& resolve) {
  ResponsesRequest out;
  auto& chat = out.ingress.chat;
  if (const auto* m = optional_field(body, "model", &value::is_string, "a string", "model")) {
    chat["model"] = *m;
  }
  if (const auto* p = optional_field(body, "previous_response_id", &value::is_string, "a string", "previous_response_id")) {
    out.previous_response_id = std::string(p->as_string());
    if (!resolve) {
      invalid("'previous_response_id' cannot be resolved here: send the whole conversation in 'input'",
              "previous_response_id");
    }
    out.input = resolve(out.previous_response_id);
  }
  if (const auto* s = optional_field(body, "store", &value::is_bool, "a boolean", "store")) {
    out.store = s->as_bool();
  }
  auto own = input_items(body);
  const std::size_t prior = out.input.size();
  for (auto& item : own) {
    out.input.push_back(std::move(item));
  }
  Conversation conv;
  if (const auto* i = optional_field(body, "instructions", &value::is_string, "a string", "instructions");
      i != nullptr && !i->as_string().empty()) {
    conv.message("system", *i);  // instructions are not carried over by previous_response_id
  }
  for (std::size_t i = 0; i < out.input.size(); ++i) {
    // Items of the request are named as the client sent them; resolved ones by their place.
    add_item(conv, out.input[i],
             i < prior ? fmt::format("previous_response_id item {}", i) : fmt::format("input[{}]", i - prior));
  }
  chat["messages"] = conv.take();
  if (chat["messages"].as_array().empty()) {
    invalid("'input' holds no message", "input");
  }
  options(body, chat);
  tools(body, chat, out.ingress.ignored);
  add_ignored(body, kTranslated, out.ingress.ignored);
  for (const auto& [key, fallback] : kEcho) {
    const auto* v = body.if_contains(key);
    out.echo[key] = v != nullptr && !v->is_null() ? *v : boost::json::parse(fallback);
  }
  out.echo["model"] = string_field(body, "model");
  return out;
}

ResponsesRequest parse_responses(std::string_view body, const ResolvePrevious& resolve) {
  const auto v = parse_body(body, "a JSON Responses request");
  return responses_to_chat(v, resolve);
}

ResponsesEgress::ResponsesEgress(std::string id, object echo, std::int64_t created_at)
    : echo_(std::move(echo)), created_at_(created_at), id_(std::move(id)), model_(string_field(echo_, "model")) {}

object ResponsesEgress::response(std::string_view status, array output, const std::optional<TokenUsage>& usage) const {
  object r{{"id", id_}, {"object", "response"}, {"created_at", created_at_}, {"status", status},
           {"error", nullptr}, {"incomplete_details", nullptr}, {"model", model_}, {"output", std::move(output)}};
  for (const auto& kv : echo_) {
    if (kv.key() != "model") {
      r[kv.key()] = kv.value();
    }
  }
  r["usage"] = usage ? value(responses_usage(*usage)) : value(nullptr);
  return r;
}

std::string ResponsesEgress::reply(const object& completion) {
  if (const auto model = string_field(completion, "model"); !model.empty()) {
    model_ = std::string(model);
  }
  array output;
  std::string_view finish = "stop";
  if (const auto* first = first_choice(completion)) {
    const auto& choice = *first;
    finish = string_field(choice, "finish_reason");
    if (const auto* message = object_field(choice, "message")) {
      if (const auto reasoning = string_field(*message, "reasoning_content"); !reasoning.empty()) {
        output.push_back(reasoning_item(item_id("rs_", id_, output.size()), reasoning));
      }
      array parts;
      if (auto text = providers::content_text(message->if_contains("content")); !text.empty()) {
        parts.push_back(text_part(text));
      }
      if (const auto refusal = string_field(*message, "refusal"); !refusal.empty()) {
        parts.push_back(object{{"type", "refusal"}, {"refusal", refusal}});
      }
      if (!parts.empty()) {
        output.push_back(message_item(item_id("msg_", id_, output.size()), "completed", std::move(parts)));
      }
      if (const auto* calls = message->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
        for (const auto& c : calls->as_array()) {
          const auto* fn = c.is_object() ? object_field(c.as_object(), "function") : nullptr;
          if (fn != nullptr) {
            output.push_back(call_item(item_id("fc_", id_, output.size()), "completed", string_field(c.as_object(), "id"),
                                       string_field(*fn, "name"), string_field(*fn, "arguments")));
          }
        }
      }
    }
  }
  const auto* usage = object_field(completion, "usage");
  auto [status, details] = status_of(finish);
  auto r = response(status, std::move(output), usage != nullptr ? std::optional(token_usage(*usage)) : std::nullopt);
  r["incomplete_details"] = std::move(details);
  return boost::json::serialize(r);
}

void ResponsesEgress::emit(std::string_view type, object&& data, std::string& out) {
  object event{{"type", type}, {"sequence_number", sequence_++}};
  for (auto& kv : data) {
    event[kv.key()] = std::move(kv.value());
  }
  append_event(out, type, event);
}

void ResponsesEgress::start(const object* chunk, std::string& out) {
  started_ = true;
  if (chunk != nullptr && !string_field(*chunk, "model").empty()) {
    model_ = std::string(string_field(*chunk, "model"));
  }
  emit("response.created", object{{"response", response("in_progress", array{}, std::nullopt)}}, out);
  emit("response.in_progress", object{{"response", response("in_progress", array{}, std::nullopt)}}, out);
}

object ResponsesEgress::item_json(bool done) const {
  const auto status = done ? "completed" : "in_progress";
  switch (open_) {
    case Item::kReasoning: return done ? reasoning_item(item_id_, text_) : object{{"id", item_id_}, {"type", "reasoning"}, {"summary", array{}}, {"content", array{}}};
    case Item::kMessage: return message_item(item_id_, status, done ? array{text_part(text_)} : array{});
    case Item::kCall: return call_item(item_id_, status, call_id_, name_, done ? std::string_view(text_) : std::string_view());
    case Item::kNone: break;
  }
  return {};
}

void ResponsesEgress::open(Item kind, std::string& out, std::string_view call_id, std::string_view name) {
  close(out);
  open_ = kind;
  text_.clear();
  call_id_ = std::string(call_id);
  name_ = std::string(name);
  const auto index = done_items_.size();
  item_id_ = item_id(kind == Item::kReasoning ? "rs_" : (kind == Item::kMessage ? "msg_" : "fc_"), id_, index);
  emit("response.output_item.added", object{{"output_index", index}, {"item", item_json(false)}}, out);
  if (kind == Item::kMessage) {
    emit("response.content_part.added",
         object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"part", text_part("")}}, out);
  } else if (kind == Item::kReasoning) {
    emit("response.content_part.added",
         object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0},
                {"part", object{{"type", "reasoning_text"}, {"text", ""}}}},
         out);
  }
}

void ResponsesEgress::close(std::string& out) {
  const auto index = done_items_.size();
  switch (open_) {
    case Item::kNone: return;
    case Item::kReasoning:
      emit("response.reasoning_text.done",
           object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"text", text_}}, out);
      emit("response.content_part.done",
           object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0},
                  {"part", object{{"type", "reasoning_text"}, {"text", text_}}}},
           out);
      break;
    case Item::kMessage:
      emit("response.output_text.done",
           object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"text", text_}, {"logprobs", array{}}},
           out);
      emit("response.content_part.done",
           object{{"item_id", item_id_}, {"output_index", index}, {"content_index", 0}, {"part", text_part(text_)}}, out);
      break;
    case Item::kCall:
      emit("response.function_call_arguments.done",
           object{{"item_id", item_id_}, {"output_index", index}, {"name", name_}, {"arguments", text_}}, out);
      break;
  }
  auto item = item_json(true);
  emit("response.output_item.done", object{{"output_index", index}, {"item", item}}, out);
  done_items_.push_back(std::move(item));
  open_ = Item::kNone;
  open_tool_ = -1;
}

void ResponsesEgress::chunk(const object& chunk, std::string& out) {
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
      if (open_ != Item::kReasoning) {
        open(Item::kReasoning, out);
      }
      text_ += text;
      emit("response.reasoning_text.delta",
           object{{"item_id", item_id_}, {"output_index", done_items_.size()}, {"content_index", 0}, {"delta", text}}, out);
    }
    if (const auto text = string_field(*d, "content"); !text.empty()) {
      if (open_ != Item::kMessage) {
        open(Item::kMessage, out);
      }
      text_ += text;
      emit("response.output_text.delta",
           object{{"item_id", item_id_}, {"output_index", done_items_.size()}, {"content_index", 0}, {"delta", text},
                  {"logprobs", array{}}},
           out);
    }
    if (const auto* calls = d->if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
      for (const auto& c : calls->as_array()) {
        if (!c.is_object()) {
          continue;
        }
        const auto& call = c.as_object();
        const auto tool = int_field(call, "index");
        const auto* fn = object_field(call, "function");
        if (const auto id = string_field(call, "id"); !id.empty() && (open_ != Item::kCall || open_tool_ != tool)) {
          open(Item::kCall, out, id, fn != nullptr ? string_field(*fn, "name") : std::string_view());
          open_tool_ = tool;
        }
        const auto arguments = fn != nullptr ? string_field(*fn, "arguments") : std::string_view();
        if (!arguments.empty() && open_ == Item::kCall && open_tool_ == tool) {
          text_ += arguments;
          emit("response.function_call_arguments.delta",
               object{{"item_id", item_id_}, {"output_index", done_items_.size()}, {"delta", arguments}}, out);
        }
      }
    }
  }
  if (const auto finish = string_field(choice, "finish_reason"); !finish.empty()) {
    close(out);
    finish_reason_ = std::string(finish);
  }
}

void ResponsesEgress::end(std::string& out) {
  if (!started_) {
    start(nullptr, out);
  }
  close(out);
  auto [status, details] = status_of(finish_reason_);
  auto r = response(status, done_items_, usage_);
  r["incomplete_details"] = std::move(details);
  emit(status == "completed" ? "response.completed" : "response.incomplete", object{{"response", std::move(r)}}, out);
}

void ResponsesEgress::fail(ErrorCode code, std::string_view message, std::string& out) {
  if (!started_) {
    // No response was announced: a bare error event, as OpenAI sends for a stream that fails early.
    emit("error",
         object{{"code", failure_code(code)}, {"message", core::to_valid_utf8(message)}, {"param", nullptr}}, out);
    return;
  }
  // The open item stays unfinished: no output_item.done, no response.completed.
  auto r = response("failed", done_items_, usage_);
  r["error"] = object{{"code", failure_code(code)}, {"message", core::to_valid_utf8(message)}};
  emit("response.failed", object{{"response", std::move(r)}}, out);
}

std::string ResponsesEgress::error_body(ErrorCode code, std::string_view message, std::string_view param) const {
  return core::error_json(code, message, param);
}

}  // namespace router::dialects
