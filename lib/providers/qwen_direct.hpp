#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "providers/provider.hpp"

namespace router::providers {

/// `qwen-direct`: the chat.qwen.ai web API (PROTOCOLS.md §1, §4, §5). Each OpenAI conversation
/// maps to one web chat, found through the conversation state in a ConversationStore; only the new
/// message goes upstream, chained to the stored parent. A request whose history the store does
/// not know starts a new chat (a setup request) and sends the whole history folded into one
/// message. Answers, streams, think-phase text and XML tool calls are translated to OpenAI's
/// shapes. Credentials are the `token` (bx-umidtoken) and `cookies` config keys; they expire at
/// `expiresAt`, or at the `exp` of the JWT in the `token=` cookie.
class QwenDirect final : public Provider {
 public:
  QwenDirect(std::string id, const ProviderType& type, boost::json::object config);

  /// Throws kUnauthenticated "credentials expired" once the credentials have expired.
  [[nodiscard]] std::unique_ptr<Exchange> chat(const ChatRequest& request, const std::string& model,
                                               const ChatContext& context) const override;
  [[nodiscard]] UpstreamRequest models_request() const override;
  /// Active models only; an HTML page (the WAF) is kUnauthenticated.
  [[nodiscard]] std::vector<UpstreamModel> parse_models(std::string_view body) const override;
  [[nodiscard]] core::Error models_error(int status, std::string_view content_type, std::string_view body) const override;
  [[nodiscard]] std::vector<std::string> warnings(std::int64_t now_ms) const override;

  /// The headers of every call: token, cookies, Bearer JWT when the cookies hold one, a browser
  /// User-Agent (the WAF answers clients without one with an HTML challenge).
  [[nodiscard]] Headers request_headers(bool stream) const;
  /// Credential expiry in Unix seconds, when known.
  [[nodiscard]] const std::optional<std::int64_t>& expires_at() const noexcept { return expires_at_; }
  [[nodiscard]] std::int64_t session_ttl_ms() const noexcept { return session_ttl_ms_; }
  [[nodiscard]] bool thinking() const noexcept { return thinking_; }
  /// kUnauthenticated naming the provider and how to refresh the credentials; `why` says what
  /// the upstream did ("answered HTTP 403").
  [[nodiscard]] core::Error credentials_error(std::string_view why) const;
  /// The credentials error for an answer that is a login/WAF rejection (401, 403, an HTML page,
  /// {"ret":["FAIL_SYS_USER_VALIDATE…"]}), nullopt for any other answer.
  [[nodiscard]] std::optional<core::Error> rejection(int status, std::string_view content_type,
                                                    std::string_view body) const;

 private:
  std::string token_;
  std::string cookies_;
  std::string bearer_;  ///< "Bearer <jwt>" from the token= cookie, or ""
  std::optional<std::int64_t> expires_at_;
  std::int64_t session_ttl_ms_ = 86'400'000;
  bool thinking_ = false;
};

/// The `exp` claim (Unix seconds) of a JWT, nullopt when `jwt` is not one or has none.
[[nodiscard]] std::optional<std::int64_t> jwt_expiry(std::string_view jwt);
/// The value of cookie `name` in a Cookie header string, nullopt when absent.
[[nodiscard]] std::optional<std::string> cookie_value(std::string_view cookies, std::string_view name);

}  // namespace router::providers
