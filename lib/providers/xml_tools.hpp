#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace router::providers {

/// An OpenAI function tool as the XML convention needs it (PROTOCOLS.md §2.2).
struct ToolSpec {
  std::string name;
  std::string description;
  boost::json::object parameters;  ///< JSON Schema of the arguments ({} when none)
};

/// The function tools of a request body (`tools[].function` with a name); others are skipped.
[[nodiscard]] std::vector<ToolSpec> function_tools(const boost::json::object& body);

/// The "TOOL USE" section for the system text: the rules, then each tool as a markdown block
/// with its parameters and an XML usage skeleton, inside <tools> … </tools>.
[[nodiscard]] std::string tools_prompt(std::span<const ToolSpec> tools);

/// A tool call read from XML: the tool's name and its arguments as JSON text.
struct XmlToolCall {
  std::string name;
  std::string arguments;
};

/// A tool call rendered back as the XML the model writes (for folding history into text).
[[nodiscard]] std::string tool_call_xml(std::string_view name, std::string_view arguments_json);

/// Finds the first tool call in streamed answer text, letting every other byte through as soon
/// as it cannot start one. A tool call is a balanced `<name>…</name>` element whose name is one
/// of the request's tools; children `<p>v</p>` are its arguments, typed by the tool's schema
/// (untyped: true/false → boolean, -?\d+(\.\d+)? → number, else string). Restricting names to the
/// declared tools keeps ordinary markup (`<b>x</b>`) in the text. Only the first call counts
/// (one tool per message): text after it is dropped. A suspected element is buffered up to
/// kMaxElement bytes; past that, or unclosed at the end, it is text after all.
class ToolCallFilter {
 public:
  static constexpr std::size_t kMaxElement = 1024 * 1024;

  /// `tools` must outlive the filter.
  explicit ToolCallFilter(std::span<const ToolSpec> tools) : tools_(tools) {}

  /// Feeds answer text (valid UTF-8, as JSON strings are); returns the text that can be shown
  /// now. Text is only ever cut before a '<', so characters stay whole.
  [[nodiscard]] std::string feed(std::string_view text);
  /// The end of the answer: returns buffered text that turned out not to be a tool call.
  [[nodiscard]] std::string finish();
  /// The call, once a complete element was seen.
  [[nodiscard]] const std::optional<XmlToolCall>& call() const noexcept { return call_; }

 private:
  // The tool whose opening tag `text` (starting with '<') is or may become; nullptr when none.
  // `complete` tells whether the whole tag is there.
  [[nodiscard]] const ToolSpec* match_open_tag(std::string_view text, bool& complete) const;
  void take_element(const ToolSpec& tool, std::string_view inner);

  std::span<const ToolSpec> tools_;
  std::string pending_;                  // undecided text, starting with '<'
  const ToolSpec* open_ = nullptr;       // the tool whose element pending_ holds
  std::size_t searched_ = 0;             // bytes of that element already searched for its end
  bool given_up_ = false;                // an element outgrew kMaxElement: everything is text
  std::optional<XmlToolCall> call_;
};

/// The text before the first tool call (trimmed) and the call, for a complete answer.
struct XmlReply {
  std::string content;
  std::optional<XmlToolCall> call;
};
[[nodiscard]] XmlReply parse_tool_reply(std::string_view text, std::span<const ToolSpec> tools);

}  // namespace router::providers
