#pragma once

#include "providers/provider.hpp"

namespace router::providers {

/// The OpenAI-compatible types: `openai` (baseURL includes /v1), `lm-studio` (the same, plus tool
/// normalisation, PROTOCOLS.md §3) and `qwen-proxy` (baseURL without /v1, PROTOCOLS.md §2.1).
/// Requests pass through with the model rewritten when needed; answers and streams are relayed
/// unchanged.
class OpenAiCompatible final : public Provider {
 public:
  OpenAiCompatible(std::string id, const ProviderType& type, boost::json::object config);

  /// Chat completions; `openai` and `lm-studio` also embeddings and completions; Responses when
  /// configured `nativeResponses`.
  [[nodiscard]] bool speaks(Dialect d) const noexcept override;
  [[nodiscard]] std::unique_ptr<Exchange> chat(const ChatRequest& request, const std::string& model,
                                               const ChatContext& context) const override;
  [[nodiscard]] UpstreamRequest models_request() const override;
  [[nodiscard]] std::vector<UpstreamModel> parse_models(std::string_view body) const override;

  /// Headers for every request: JSON content type, bearer key, configured extras.
  [[nodiscard]] Headers request_headers(bool stream) const;
  [[nodiscard]] bool normalises_tools() const noexcept { return normalise_tools_; }
  [[nodiscard]] bool stream_usage() const noexcept { return stream_usage_; }

 private:
  bool normalise_tools_ = false;
  bool speaks_extras_ = false;
  bool native_responses_ = false;
  bool stream_usage_ = true;
  std::string authorization_;  ///< "Bearer <key>" or ""
};

/// LM Studio's fixes for AI-SDK tool definitions (PROTOCOLS.md §3), applied in place.
void normalise_tools(boost::json::object& body);

/// Removes the chat form's extensions (docs/dialects.md) that an OpenAI-compatible upstream does
/// not define and refuses ("Unrecognized request argument supplied: thinking"): `thinking`,
/// `top_k`, `thinking_blocks`, `is_error`, `cache_control` on messages, parts and tools; a tool
/// message's non-text parts (OpenAI tool messages take text only). `reasoning_content` stays:
/// reasoning upstreams read it.
void strip_extensions(boost::json::object& chat);

}  // namespace router::providers
