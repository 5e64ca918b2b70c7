#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/error.hpp"

namespace router::dialects {

/// The client-facing side of one request: renders chat-form answers in the client's dialect.
/// One instance per request (a stream renderer keeps state: open content blocks, item ids).
/// Never throws: everything it is given was already validated by the provider's exchange.
class Egress {
 public:
  virtual ~Egress() = default;

  /// A complete chat.completion → the body the client receives; also what the log stores as
  /// the response (a Messages stream is logged as one `message` object, and so on).
  [[nodiscard]] virtual std::string reply(const boost::json::object& completion) = 0;
  /// One chat.completion.chunk → the SSE bytes the client receives, appended to `out`.
  virtual void chunk(const boost::json::object& chunk, std::string& out) = 0;
  /// The stream completed: its terminal events (`data: [DONE]`, `message_stop`,
  /// `response.completed`), appended to `out`.
  virtual void end(std::string& out) = 0;
  /// The stream failed after its head was sent: an honest error event in the dialect, never a
  /// fake terminal event.
  virtual void fail(core::ErrorCode code, std::string_view message, std::string& out) = 0;
  /// The body of an error answered before any byte was sent, in the dialect's error shape.
  [[nodiscard]] virtual std::string error_body(core::ErrorCode code, std::string_view message,
                                               std::string_view param) const = 0;
  /// An upstream's error answer, already in the OpenAI error shape the providers relay
  /// (providers::ErrorReply), in the dialect's error shape; its status stays. Empty stays empty.
  [[nodiscard]] virtual std::string upstream_error(int status, std::string_view openai_body) const;
};

}  // namespace router::dialects
