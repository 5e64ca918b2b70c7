#include "dialects/chat_form.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/json.hpp"
#include "core/text.hpp"
#include "providers/chunks.hpp"

namespace router::dialects {

using core::Error;
using core::ErrorCode;
using providers::int_field;
using providers::object_field;
using providers::string_field;

providers::ChatRequest chat_request(Ingress&& ingress, std::string& raw) {
  raw = boost::json::serialize(ingress.chat);
  providers::ChatRequest r;
  r.body = std::move(ingress.chat);
  r.raw = raw;
  r.extended = true;
  r.model = std::string(string_field(r.body, "model"));
  if (const auto* s = r.body.if_contains("stream"); s != nullptr && s->is_bool()) {
    r.stream = s->as_bool();
  }
  if (const auto* so = object_field(r.body, "stream_options")) {
    const auto* iu = so->if_contains("include_usage");
    r.include_usage = iu != nullptr && iu->is_bool() && iu->as_bool();
  }
  return r;
}

TokenUsage token_usage(const boost::json::object& usage) noexcept {
  TokenUsage u;
  u.prompt = int_field(usage, "prompt_tokens");
  u.completion = int_field(usage, "completion_tokens");
  if (const auto* d = object_field(usage, "prompt_tokens_details")) {
    u.cached = int_field(*d, "cached_tokens");
    u.cache_creation = int_field(*d, "cache_creation_tokens");
  }
  if (const auto* d = object_field(usage, "completion_tokens_details")) {
    u.reasoning = int_field(*d, "reasoning_tokens");
  }
  return u;
}

void append_event(std::string& out, std::string_view type, const boost::json::object& data) {
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += boost::json::serialize(data);
  out += "\n\n";
}

std::string derived_id(std::string_view prefix, std::string_view completion_id) {
  auto rest = completion_id;
  for (const std::string_view known : {"chatcmpl-", "msg_", "resp_"}) {
    if (rest.starts_with(known)) {
      rest.remove_prefix(known.size());
      break;
    }
  }
  if (rest.empty()) {
    return std::string(prefix) + providers::new_completion_id().substr(9);
  }
  return std::string(prefix) + std::string(rest);
}

boost::json::object arguments_object(std::string_view arguments) {
  if (core::trim(arguments).empty()) {
    return {};
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(arguments, ec);
  if (ec || !v.is_object()) {
    return {};
  }
  return std::move(v.as_object());
}

boost::json::object parse_body(std::string_view body, std::string_view dialect) {
  if (body.empty()) {
    invalid(fmt::format("request body is empty: send {}", dialect), "");
  }
  auto v = core::parse_json(body, "JSON body");
  if (!v.is_object()) {
    invalid("request body must be a JSON object", "");
  }
  return std::move(v.as_object());
}

void add_ignored(const boost::json::object& body, std::span<const std::string_view> translated,
                 std::vector<std::string>& ignored) {
  for (const auto& kv : body) {
    if (std::find(translated.begin(), translated.end(), kv.key()) == translated.end() && !kv.value().is_null()) {
      ignored.emplace_back(kv.key());
    }
  }
}

boost::json::object chat_tool(const boost::json::object& tool, std::string_view schema_key, const std::string& param) {
  const auto name = string_field(tool, "name");
  if (name.empty()) {
    invalid(fmt::format("'{}.name' must be a non-empty string", param), param + ".name");
  }
  boost::json::object fn{{"name", name}};
  if (const auto d = string_field(tool, "description"); !d.empty()) {
    fn["description"] = d;
  }
  const auto* schema = object_field(tool, schema_key);
  fn["parameters"] = schema != nullptr ? *schema
                                       : boost::json::object{{"type", "object"}, {"properties", boost::json::object{}}};
  return boost::json::object{{"type", "function"}, {"function", std::move(fn)}};
}

void copy_sampling_and_stream(const boost::json::object& body, boost::json::object& chat) {
  for (const auto key : {"temperature", "top_p"}) {
    if (const auto* v = optional_field(body, key, &boost::json::value::is_number, "a number", key)) {
      chat[key] = *v;
    }
  }
  if (const auto* s = optional_field(body, "stream", &boost::json::value::is_bool, "a boolean", "stream")) {
    chat["stream"] = *s;
    if (s->as_bool()) {
      chat["stream_options"] = boost::json::object{{"include_usage", true}};
    }
  }
}

const boost::json::object* first_choice(const boost::json::object& completion) noexcept {
  const auto* choices = completion.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() || !choices->as_array()[0].is_object()) {
    return nullptr;
  }
  return &choices->as_array()[0].as_object();
}

void invalid(std::string message, std::string param) {
  throw Error(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

const boost::json::value* optional_field(const boost::json::object& obj, std::string_view key,
                                         bool (boost::json::value::*is)() const noexcept, std::string_view kind,
                                         std::string_view param) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return nullptr;
  }
  if (!((*v).*is)()) {
    invalid(fmt::format("'{}' must be {}", param, kind), std::string(param));
  }
  return v;
}

}  // namespace router::dialects
