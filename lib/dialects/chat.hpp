#pragma once

#include "dialects/egress.hpp"

namespace router::dialects {

/// The OpenAI error document, `{"error":{"message","type","param","code"}}`: type and code from
/// the ErrorCode table unless `code_name` says otherwise, `param` null when empty. Bytes of
/// `message` and `param` that are not UTF-8 become U+FFFD.
[[nodiscard]] std::string openai_error_json(core::ErrorCode code, std::string_view message, std::string_view param = {},
                                            std::string_view code_name = {});

/// The chat dialect (OpenAI chat completions), the router's internal form: answers pass as they
/// are, chunks become `data: {json}` events ended by `data: [DONE]`. An OpenAI-SSE upstream's
/// events are relayed byte for byte without passing through here (the dialect's native
/// pass-through).
class ChatEgress final : public Egress {
 public:
  [[nodiscard]] std::string reply(const boost::json::object& completion) override;
  void chunk(const boost::json::object& chunk, std::string& out) override;
  void end(std::string& out) override;
  void fail(core::ErrorCode code, std::string_view message, std::string& out) override;
  [[nodiscard]] std::string error_body(core::ErrorCode code, std::string_view message,
                                       std::string_view param) const override;
};

}  // namespace router::dialects
