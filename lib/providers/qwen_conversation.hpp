#pragma once

#include <span>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "providers/xml_tools.hpp"

namespace router::providers {

/// The conversation key of PROTOCOLS.md §5: hex SHA-256 over the provider id and a canonical,
/// length-prefixed serialisation of each message's role and text. Text is trimmed, so an answer
/// keys the same whether the client echoes it as streamed or as returned whole. An assistant
/// message with tool calls is keyed by its calls' ids and names (ids are unique, and clients echo
/// them exactly, while some drop or rewrite the text beside a call); a tool result by its
/// tool_call_id and text. System and developer messages count as system.
/// `reply`, when given, is keyed as one more message after `messages` (the answer just given).
[[nodiscard]] std::string conversation_key(std::string_view provider_id, std::span<const boost::json::value> messages,
                                           const boost::json::value* reply = nullptr);

/// The first message of a new chat: the whole history in one text, so that a first turn, an
/// edited or regenerated history or expired state never loses context. System text (and, when
/// `tools` is not empty, the tool instructions) come first; a history with assistant or tool
/// messages becomes a plain transcript ending with the newest message.
[[nodiscard]] std::string fold_history(std::span<const boost::json::value> messages, std::span<const ToolSpec> tools);

/// The message that continues a chat: the messages after the last assistant message, tool
/// results as "Tool Result from <name>:\n<content>" (names found through the assistant's
/// tool_calls), joined by blank lines.
[[nodiscard]] std::string fold_continuation(std::span<const boost::json::value> earlier,
                                            std::span<const boost::json::value> newer);

}  // namespace router::providers
