#include "providers/chunks.hpp"

#include <algorithm>
#include <cstdint>

#include "core/ids.hpp"

namespace router::providers {

ChunkWriter::ChunkWriter(std::string id, std::string model, std::int64_t created, bool include_usage)
    : id_(std::move(id)), model_(std::move(model)), created_(created), include_usage_(include_usage) {}

boost::json::object ChunkWriter::chunk(boost::json::object&& delta, boost::json::value finish_reason) const {
  boost::json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}};
  return boost::json::object{{"id", id_},
                             {"object", "chat.completion.chunk"},
                             {"created", created_},
                             {"model", model_},
                             {"choices", boost::json::array{std::move(choice)}}};
}

void ChunkWriter::emit_delta(ChunkSink& sink, boost::json::object&& delta) {
  if (!role_sent_) {
    // The role opens the first delta only; repeating it in every chunk confuses some clients.
    delta.emplace("role", "assistant");
    role_sent_ = true;
  }
  sink.chunk(chunk(std::move(delta), nullptr));
}

void ChunkWriter::role(ChunkSink& sink) {
  if (!role_sent_) {
    emit_delta(sink, boost::json::object{{"content", ""}});
  }
}

void ChunkWriter::content(ChunkSink& sink, std::string_view text) {
  if (text.empty()) {
    return;
  }
  content_.append(text);
  emit_delta(sink, boost::json::object{{"content", text}});
}

void ChunkWriter::reasoning(ChunkSink& sink, std::string_view text) {
  if (!text.empty()) {
    emit_delta(sink, boost::json::object{{"reasoning_content", text}});
  }
}

void ChunkWriter::tool_call_start(ChunkSink& sink, std::int64_t index, std::string_view id, std::string_view name) {
  boost::json::object call{{"index", index},
                           {"id", id},
                           {"type", "function"},
                           {"function", boost::json::object{{"name", name}, {"arguments", ""}}}};
  emit_delta(sink, boost::json::object{{"tool_calls", boost::json::array{std::move(call)}}});
}

void ChunkWriter::tool_call_arguments(ChunkSink& sink, std::int64_t index, std::string_view fragment) {
  if (fragment.empty()) {
    return;
  }
  boost::json::object call{{"index", index}, {"function", boost::json::object{{"arguments", fragment}}}};
  emit_delta(sink, boost::json::object{{"tool_calls", boost::json::array{std::move(call)}}});
}

void ChunkWriter::extension(ChunkSink& sink, boost::json::object&& delta) { emit_delta(sink, std::move(delta)); }

void ChunkWriter::finish(ChunkSink& sink, std::string_view finish_reason, const std::optional<Usage>& usage,
                         std::string_view stop_sequence) {
  role(sink);
  auto last = chunk(boost::json::object{}, boost::json::string(finish_reason));
  if (!stop_sequence.empty()) {
    last["choices"].as_array()[0].as_object()["stop_sequence"] = stop_sequence;
  }
  if (usage && !include_usage_) {
    last["usage"] = usage_json(*usage);
  }
  sink.chunk(std::move(last));
  if (usage && include_usage_) {
    auto u = chunk(boost::json::object{}, nullptr);
    u["choices"] = boost::json::array{};
    u["usage"] = usage_json(*usage);
    sink.chunk(std::move(u));
  }
}

boost::json::object usage_json(const Usage& u) {
  boost::json::object out{
      {"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.total_tokens}};
  if (u.cached_tokens > 0 || u.cache_creation_tokens > 0) {
    boost::json::object details{{"cached_tokens", u.cached_tokens}};
    if (u.cache_creation_tokens > 0) {
      details["cache_creation_tokens"] = u.cache_creation_tokens;
    }
    out["prompt_tokens_details"] = std::move(details);
  }
  if (u.reasoning_tokens > 0) {
    out["completion_tokens_details"] = boost::json::object{{"reasoning_tokens", u.reasoning_tokens}};
  }
  return out;
}

boost::json::object completion_json(std::string_view id, std::string_view model, std::int64_t created,
                                    boost::json::object&& message, std::string_view finish_reason, const Usage& usage) {
  boost::json::object choice{{"index", 0}, {"message", std::move(message)}, {"finish_reason", finish_reason}};
  return boost::json::object{{"id", id},
                             {"object", "chat.completion"},
                             {"created", created},
                             {"model", model},
                             {"choices", boost::json::array{std::move(choice)}},
                             {"usage", usage_json(usage)}};
}

std::string content_text(const boost::json::value* content) {
  if (content == nullptr) {
    return {};
  }
  if (content->is_string()) {
    return std::string(content->as_string());
  }
  std::string out;
  if (content->is_array()) {
    for (const auto& part : content->as_array()) {
      if (part.is_object() && string_field(part.as_object(), "type") == "text") {
        out += string_field(part.as_object(), "text");
      }
    }
  }
  return out;
}

const boost::json::object* object_field(const boost::json::object& obj, std::string_view key) noexcept {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

std::int64_t int_field(const boost::json::object& obj, std::string_view key) noexcept {
  const auto* v = obj.if_contains(key);
  if (v != nullptr && v->is_int64()) {
    return v->as_int64();
  }
  if (v != nullptr && v->is_uint64()) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), INT64_MAX));
  }
  return 0;
}

std::string_view string_field(const boost::json::object& obj, std::string_view key) noexcept {
  const auto* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

std::string new_completion_id() { return "chatcmpl-" + core::random_hex(24); }

std::string new_call_id() { return "call_" + core::random_hex(8); }

}  // namespace router::providers
