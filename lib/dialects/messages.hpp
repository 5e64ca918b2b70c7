#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "dialects/chat_form.hpp"
#include "dialects/egress.hpp"

namespace router::dialects {

/// Parses a client's POST /v1/messages body (Anthropic Messages) into the chat form
/// (docs/dialects.md "Messages → chat form"). Throws kInvalidArgument with `param` naming the
/// offending field for a body that is not a Messages request or that the chat form cannot
/// express (server tools, document blocks).
[[nodiscard]] Ingress parse_messages(std::string_view body);
[[nodiscard]] Ingress messages_to_chat(const boost::json::object& body);

/// The Anthropic `error.type` for a router error code.
[[nodiscard]] std::string_view anthropic_error_type(core::ErrorCode code) noexcept;
/// The Anthropic `stop_reason` for a chat `finish_reason`.
[[nodiscard]] std::string_view anthropic_stop_reason(std::string_view finish_reason) noexcept;

/// POST /v1/messages/count_tokens for providers that are not `anthropic`: an estimate without a
/// tokenizer (docs/dialects.md "count_tokens"). Validates the body as parse_messages does and
/// answers `{"input_tokens":N}`.
[[nodiscard]] std::string count_tokens_estimate(std::string_view body);
/// The estimate itself, for a validated Messages request.
[[nodiscard]] std::int64_t estimate_input_tokens(const boost::json::object& messages_request);

/// Renders chat-form answers as Anthropic Messages: a `message` object, or the event sequence
/// message_start, content_block_start/delta/stop per block, message_delta, message_stop.
class MessagesEgress final : public Egress {
 public:
  /// `model`: what the client asked for, named until the answer names its own.
  explicit MessagesEgress(std::string model = {});

  [[nodiscard]] std::string reply(const boost::json::object& completion) override;
  void chunk(const boost::json::object& chunk, std::string& out) override;
  void end(std::string& out) override;
  void fail(core::ErrorCode code, std::string_view message, std::string& out) override;
  [[nodiscard]] std::string error_body(core::ErrorCode code, std::string_view message,
                                       std::string_view param) const override;

 private:
  enum class Block : std::uint8_t { kNone, kText, kThinking, kTool };

  void start(const boost::json::object* chunk, std::string& out);
  void open(Block kind, boost::json::object&& content_block, std::string& out);
  void delta(boost::json::object&& delta, std::string& out);
  void close(std::string& out);
  void tool_calls(const boost::json::array& calls, std::string& out);

  std::string model_;
  std::string id_;
  bool started_ = false;
  Block open_ = Block::kNone;
  bool signed_ = false;           // the open thinking block got its signature
  std::int64_t next_index_ = 0;   // the next content block's index
  std::int64_t open_tool_ = -1;   // the chat tool_calls index of the open tool_use block
  std::string stop_reason_ = "end_turn";
  std::string stop_sequence_;
  std::optional<TokenUsage> usage_;
};

}  // namespace router::dialects
