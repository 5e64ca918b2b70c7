#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "providers/assembler.hpp"
#include "providers/provider.hpp"

namespace router::providers {

/// The chat.completion.chunk objects of one translated stream (qwen-direct, anthropic): one id
/// and one created time for the whole stream, `role` on the first delta only, tool-call deltas
/// with stable indexes, and the closing chunks. Keeps what it emitted for the conversation state.
class ChunkWriter {
 public:
  /// `include_usage`: the client asked for stream_options.include_usage.
  ChunkWriter(std::string id, std::string model, std::int64_t created, bool include_usage);

  void set_id(std::string id) { id_ = std::move(id); }
  void set_model(std::string model) { model_ = std::move(model); }

  /// An empty delta that only carries the role (the start of an Anthropic message).
  void role(ChunkSink& sink);
  void content(ChunkSink& sink, std::string_view text);
  void reasoning(ChunkSink& sink, std::string_view text);
  /// The first chunk of a tool call: id, type and name, empty arguments.
  void tool_call_start(ChunkSink& sink, std::int64_t index, std::string_view id, std::string_view name);
  /// A fragment of a tool call's JSON arguments.
  void tool_call_arguments(ChunkSink& sink, std::int64_t index, std::string_view fragment);
  /// A delta of the chat form's extensions (docs/dialects.md: reasoning_signature,
  /// redacted_thinking).
  void extension(ChunkSink& sink, boost::json::object&& delta);
  /// The finish chunk (empty delta, `finish_reason`, and the matched `stop_sequence` extension
  /// when known). Usage, when known, rides on it; when the client asked for include_usage it
  /// comes as OpenAI's separate usage chunk (`choices: []`).
  void finish(ChunkSink& sink, std::string_view finish_reason, const std::optional<Usage>& usage,
              std::string_view stop_sequence = {});

  /// The answer text emitted so far.
  [[nodiscard]] const std::string& content_text() const noexcept { return content_; }

 private:
  [[nodiscard]] boost::json::object chunk(boost::json::object&& delta, boost::json::value finish_reason) const;
  void emit_delta(ChunkSink& sink, boost::json::object&& delta);

  std::string id_;
  std::string model_;
  std::int64_t created_;
  bool include_usage_;
  bool role_sent_ = false;
  std::string content_;
};

/// OpenAI's usage object.
[[nodiscard]] boost::json::object usage_json(const Usage& usage);

/// A chat.completion with one choice.
[[nodiscard]] boost::json::object completion_json(std::string_view id, std::string_view model, std::int64_t created,
                                                  boost::json::object&& message, std::string_view finish_reason,
                                                  const Usage& usage);

/// The text of an OpenAI message `content`: the string itself, or the `text` parts of an array
/// concatenated; "" for null and anything else.
[[nodiscard]] std::string content_text(const boost::json::value* content);
/// `obj[key]` when it is an object, else nullptr.
[[nodiscard]] const boost::json::object* object_field(const boost::json::object& obj, std::string_view key) noexcept;
/// `obj[key]` when it is a whole number (clamped to int64), else 0.
[[nodiscard]] std::int64_t int_field(const boost::json::object& obj, std::string_view key) noexcept;
/// `obj[key]` when it is a string, else "".
[[nodiscard]] std::string_view string_field(const boost::json::object& obj, std::string_view key) noexcept;

/// "chatcmpl-" and 24 random hex digits.
[[nodiscard]] std::string new_completion_id();
/// "call_" and 8 random hex digits.
[[nodiscard]] std::string new_call_id();

}  // namespace router::providers
