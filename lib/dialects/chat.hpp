#pragma once

#include "dialects/egress.hpp"

namespace router::dialects {

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
  /// Relayed as the provider wrote it: every detail an OpenAI client can read survives.
  [[nodiscard]] std::string upstream_error(int status, std::string_view openai_body) const override;
};

}  // namespace router::dialects
