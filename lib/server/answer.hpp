#pragma once

#include <optional>
#include <string>

#include "core/error.hpp"
#include "db/log_types.hpp"
#include "dialects/egress.hpp"
#include "http/server.hpp"
#include "providers/provider.hpp"

namespace router::server {

struct Call;
class LogRecord;

// Every answer a route gives in one go goes through here, with its log row.

/// An error answered before any byte of the response went out. Its status, `error.type` and
/// `error.code` come from the ErrorCode table (core/error.hpp) unless an upstream's own error
/// answer is relayed.
struct ErrorAnswer {
  core::ErrorCode code = core::ErrorCode::kInternal;
  std::string message;  ///< for the client and the log
  std::string param;    ///< the offending request field, if any
  /// An answer already rendered in the client's form (an upstream's error, its status and body).
  std::optional<providers::ErrorReply> reply;
  std::optional<int> upstream_status;  ///< what the upstream said, for the outcome
  std::string retry_after;
  std::string allow;  ///< 405: the verbs the path has
  std::optional<db::Outcome> outcome;  ///< what the log records, when not outcome_of()'s rule
  /// The provider whose attempt failed: names it (X-Router-Provider) and masks its credentials.
  const providers::Provider* provider = nullptr;
};

/// The response for `e`, its body rendered by the client's dialect.
[[nodiscard]] http::Response error_response(const Call& call, const dialects::Egress& egress, const ErrorAnswer& e);
/// The outcome a log row records for `e`.
[[nodiscard]] db::Outcome outcome_of(const ErrorAnswer& e) noexcept;
/// The one failure path: renders `e` through `egress`, answers it, and completes and queues
/// `record`.
void answer_error(Call& call, const dialects::Egress& egress, LogRecord&& record, const ErrorAnswer& e);
/// A 200 JSON answer of a simple route, logged.
void answer_ok(Call& call, std::string body);
/// The Egress of the chat dialect, for routes that have no other (admin, models).
[[nodiscard]] const dialects::Egress& chat_egress();
/// The Egress whose error shape a request to `path` expects, for answers given before its
/// handler ran (refusals, malformed requests): Anthropic's under /v1/messages, else OpenAI's.
[[nodiscard]] const dialects::Egress& error_egress(std::string_view path);

}  // namespace router::server
