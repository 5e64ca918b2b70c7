#pragma once

#include <cstdint>
#include <string>

#include "providers/provider.hpp"

namespace router::providers {

/// `anthropic`: the Messages API (PROTOCOLS.md §6). OpenAI chat requests are translated to
/// /v1/messages (system text, content blocks, images, tool_use/tool_result, merged roles,
/// tool_choice, max_tokens, stop sequences), answers and event streams back to chat.completion
/// objects and chunks, and Anthropic's error bodies to the router's OpenAI error types.
class Anthropic final : public Provider {
 public:
  Anthropic(std::string id, const ProviderType& type, boost::json::object config);

  /// Throws kInvalidArgument for a request that cannot be expressed (tool arguments that are not
  /// JSON, an image that is neither a data: nor an http(s) URL).
  /// Messages and count_tokens: a Messages client's bytes pass through.
  [[nodiscard]] bool speaks(Dialect d) const noexcept override;
  [[nodiscard]] std::unique_ptr<Exchange> chat(const ChatRequest& request, const std::string& model,
                                               const ChatContext& context) const override;
  [[nodiscard]] UpstreamRequest models_request() const override;
  [[nodiscard]] std::vector<UpstreamModel> parse_models(std::string_view body) const override;

  /// x-api-key, anthropic-version, JSON content type, configured extras. A client's own
  /// anthropic-version and anthropic-beta (`forward`) go instead of the configured version.
  [[nodiscard]] Headers request_headers(bool stream, const Headers& forward = {}) const;
  [[nodiscard]] std::int64_t max_tokens() const noexcept { return max_tokens_; }

 private:
  std::string api_key_;
  std::string version_ = "2023-06-01";
  std::int64_t max_tokens_ = 4096;
};

/// The Messages API request body for an OpenAI chat request (without the "stream" flag's
/// effect on the answer). `ignored` receives the names of OpenAI options it cannot express.
[[nodiscard]] boost::json::object anthropic_request(const boost::json::object& openai, std::string_view model,
                                                    std::int64_t default_max_tokens, std::vector<std::string>& ignored);

}  // namespace router::providers
