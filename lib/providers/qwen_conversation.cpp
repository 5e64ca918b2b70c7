#include "providers/qwen_conversation.hpp"

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/text.hpp"
#include "providers/chunks.hpp"

namespace router::providers {

namespace {

constexpr std::string_view kEmptyToolResult = "(Command completed successfully with no output)";

const boost::json::object& as_object_or_empty(const boost::json::value& v) {
  static const boost::json::object empty;
  return v.is_object() ? v.as_object() : empty;
}

std::string_view role_of(const boost::json::object& m) {
  const auto role = string_field(m, "role");
  return role == "developer" ? std::string_view("system") : role;
}

const boost::json::array* tool_calls_of(const boost::json::object& m) {
  const auto* calls = m.if_contains("tool_calls");
  return calls != nullptr && calls->is_array() && !calls->as_array().empty() ? &calls->as_array() : nullptr;
}

void append_field(std::string& out, std::string_view field) { out += fmt::format("{}:{};", field.size(), field); }

// The name of the tool that `call_id` refers to, searching the assistants' tool_calls.
std::string tool_name_for(std::string_view call_id, std::span<const boost::json::value> history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    const auto* calls = tool_calls_of(as_object_or_empty(*it));
    if (calls == nullptr) {
      continue;
    }
    for (const auto& c : *calls) {
      const auto& call = as_object_or_empty(c);
      if (string_field(call, "id") == call_id) {
        const auto* fn = call.if_contains("function");
        return fn != nullptr && fn->is_object() ? std::string(string_field(fn->as_object(), "name")) : std::string();
      }
    }
  }
  return {};
}

std::string tool_result_text(const boost::json::object& m, std::span<const boost::json::value> history) {
  const auto name = tool_name_for(string_field(m, "tool_call_id"), history);
  std::string result = content_text(m.if_contains("content"));
  if (core::trim(result).empty()) {
    result = kEmptyToolResult;
  }
  return name.empty() ? fmt::format("Tool Result:\n{}", result) : fmt::format("Tool Result from {}:\n{}", name, result);
}

// An assistant message as the model would have written it: text, then its tool call in XML.
std::string assistant_text(const boost::json::object& m) {
  std::string out(core::trim(content_text(m.if_contains("content"))));
  if (const auto* calls = tool_calls_of(m)) {
    for (const auto& c : *calls) {
      const auto* fn = as_object_or_empty(c).if_contains("function");
      if (fn == nullptr || !fn->is_object()) {
        continue;
      }
      const auto& f = fn->as_object();
      if (!out.empty()) {
        out += "\n\n";
      }
      out += tool_call_xml(string_field(f, "name"), string_field(f, "arguments"));
    }
  }
  return out;
}

}  // namespace

std::string conversation_key(std::string_view provider_id, std::span<const boost::json::value> messages,
                             const boost::json::value* reply) {
  std::string canonical;
  append_field(canonical, provider_id);
  const auto add = [&canonical](const boost::json::value& v) {
    const auto& m = as_object_or_empty(v);
    const auto role = role_of(m);
    append_field(canonical, role);
    if (const auto* calls = tool_calls_of(m); calls != nullptr && role == "assistant") {
      for (const auto& c : *calls) {
        const auto& call = as_object_or_empty(c);
        const auto* fn = call.if_contains("function");
        append_field(canonical, string_field(call, "id"));
        append_field(canonical, fn != nullptr && fn->is_object() ? string_field(fn->as_object(), "name") : "");
      }
    } else {
      if (role == "tool") {
        append_field(canonical, string_field(m, "tool_call_id"));
      }
      append_field(canonical, core::trim(content_text(m.if_contains("content"))));
    }
    canonical += '|';
  };
  for (const auto& m : messages) {
    add(m);
  }
  if (reply != nullptr) {
    add(*reply);
  }
  return core::sha256_hex(canonical);
}

std::string fold_history(std::span<const boost::json::value> messages, std::span<const ToolSpec> tools) {
  std::vector<std::string> system;
  std::vector<std::size_t> rest;
  bool transcript = false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = as_object_or_empty(messages[i]);
    const auto role = role_of(m);
    if (role == "system") {
      if (auto text = content_text(m.if_contains("content")); !core::trim(text).empty()) {
        system.push_back(std::move(text));
      }
      continue;
    }
    transcript = transcript || role == "assistant" || role == "tool";
    rest.push_back(i);
  }
  std::string out = core::join(system, "\n\n");
  if (!tools.empty()) {
    out = (out.empty() ? std::string("You are a helpful AI assistant.") : out) + "\n\n" + tools_prompt(tools);
  }
  std::vector<std::string> parts;
  for (const auto i : rest) {
    const auto& m = as_object_or_empty(messages[i]);
    const auto role = role_of(m);
    if (!transcript) {
      parts.push_back(content_text(m.if_contains("content")));
    } else if (role == "assistant") {
      parts.push_back("Assistant: " + assistant_text(m));
    } else if (role == "tool") {
      parts.push_back(tool_result_text(m, messages.subspan(0, i)));
    } else {
      parts.push_back("User: " + content_text(m.if_contains("content")));
    }
  }
  std::string body = core::join(parts, "\n\n");
  if (transcript) {
    body = "The conversation so far (continue it as the assistant):\n\n" + body;
  }
  if (out.empty()) {
    return body;
  }
  return body.empty() ? out : out + "\n\n" + body;
}

std::string fold_continuation(std::span<const boost::json::value> earlier, std::span<const boost::json::value> newer) {
  std::vector<std::string> parts;
  for (const auto& v : newer) {
    const auto& m = as_object_or_empty(v);
    if (role_of(m) == "tool") {
      parts.push_back(tool_result_text(m, earlier));
    } else if (role_of(m) != "assistant") {
      parts.push_back(content_text(m.if_contains("content")));
    }
  }
  return core::join(parts, "\n\n");
}

}  // namespace router::providers
