#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace router::providers {

/// Token counts in OpenAI's names.
struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total_tokens = 0;
  std::int64_t cached_tokens = 0;          ///< prompt_tokens_details.cached_tokens: cache reads
  std::int64_t cache_creation_tokens = 0;  ///< prompt_tokens_details.cache_creation_tokens (docs/dialects.md)
  std::int64_t reasoning_tokens = 0;       ///< completion_tokens_details.reasoning_tokens
};

/// The usage block of a chat.completion (or chunk) object, if it has one.
[[nodiscard]] std::optional<Usage> usage_of(const boost::json::object& completion);
/// What one pass over a JSON answer found: whether it is one well-formed JSON value, and the
/// usage block of a top-level object, if any.
struct CompletionScan {
  bool valid = false;
  std::optional<Usage> usage;
};
/// Validates `completion_json` and picks out its usage in a single streaming pass, without
/// building a document (the non-streaming answer is checked on the request path).
[[nodiscard]] CompletionScan scan_completion(std::string_view completion_json) noexcept;

/// Rebuilds the final chat.completion from a stream's chat.completion.chunk objects, for the
/// request log: content, reasoning_content, refusal and tool calls concatenated per choice,
/// finish reasons and usage kept; a /v1/completions stream becomes one text_completion. Text
/// beyond `max_bytes` is dropped and flagged.
class StreamAssembler {
 public:
  explicit StreamAssembler(std::size_t max_bytes) : budget_(max_bytes) {}

  void add(const boost::json::object& chunk);
  [[nodiscard]] boost::json::object result() const;
  [[nodiscard]] bool truncated() const noexcept { return truncated_; }
  [[nodiscard]] const std::optional<Usage>& usage() const noexcept { return usage_; }
  /// True once any chunk carried content, reasoning or a tool call (time to first token).
  [[nodiscard]] bool has_output() const noexcept { return has_output_; }

 private:
  struct ToolCall {
    std::string id;
    std::string type;
    std::string name;
    std::string arguments;
  };
  struct Choice {
    std::string role;
    std::string content;
    std::string reasoning;
    std::string refusal;
    bool has_refusal = false;
    std::map<std::int64_t, ToolCall> tool_calls;
    std::optional<std::string> finish_reason;
  };

  void append(std::string& to, std::string_view text);

  std::size_t budget_;
  bool truncated_ = false;
  bool has_output_ = false;
  bool completion_ = false;
  std::string id_;
  std::string model_;
  std::int64_t created_ = 0;
  std::string system_fingerprint_;
  std::map<std::int64_t, Choice> choices_;
  std::optional<Usage> usage_;
};

}  // namespace router::providers
