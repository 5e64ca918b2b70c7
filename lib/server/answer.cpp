#include "server/answer.hpp"

#include <boost/beast/http/field.hpp>

#include "dialects/chat.hpp"
#include "dialects/messages.hpp"
#include "server/dispatcher.hpp"
#include "server/log_record.hpp"

namespace router::server {

namespace bhttp = boost::beast::http;
using core::ErrorCode;

const dialects::Egress& chat_egress() {
  static const dialects::ChatEgress egress;
  return egress;
}

const dialects::Egress& error_egress(std::string_view path) {
  static const dialects::MessagesEgress messages;
  return path == "/v1/messages" || path.starts_with("/v1/messages/") ? static_cast<const dialects::Egress&>(messages)
                                                                     : chat_egress();
}

http::Response error_response(const Call& call, const dialects::Egress& egress, const ErrorAnswer& e) {
  const int status = e.reply ? e.reply->status : core::http_status(e.code);
  std::string body = e.reply ? egress.upstream_error(e.reply->status, e.reply->body) : egress.error_body(e.code, e.message, e.param);
  if (e.provider != nullptr) {
    // Built from scrubbed text; this is the last line of defence for what translators add.
    e.provider->scrub_secrets(body);
  }
  auto res = json_response(call, status, std::move(body));
  if (http::bodyless_status(res.result_int())) {
    res.erase(bhttp::field::content_type);
    res.body().clear();
  }
  if (e.provider != nullptr) {
    res.set(kPinHeader, e.provider->id());
  }
  if (!e.retry_after.empty()) {
    res.set(bhttp::field::retry_after, e.retry_after);
  }
  if (!e.allow.empty()) {
    res.set(bhttp::field::allow, e.allow);
  }
  return res;
}

db::Outcome outcome_of(const ErrorAnswer& e) noexcept {
  if (e.outcome) {
    return *e.outcome;
  }
  if (const auto s = e.upstream_status; s && *s >= 400) {  // a 2xx that could not be used is judged by the code
    if (*s == 408 || *s == 504) return db::Outcome::kTimeout;
    if (*s == 429 || *s >= 500) return db::Outcome::kUpstreamError;
    return db::Outcome::kClientError;
  }
  switch (e.code) {
    case ErrorCode::kUpstreamTimeout: return db::Outcome::kTimeout;
    case ErrorCode::kNoProvider: return db::Outcome::kNoProvider;
    case ErrorCode::kClientClosed: return db::Outcome::kCancelled;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kNotFound:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kHeadersTooLarge:
      return db::Outcome::kClientError;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kConflict:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      // The router's own refusals are the client's; a provider's (expired credentials, a
      // block page read as a 200) are the upstream's.
      return e.provider != nullptr ? db::Outcome::kUpstreamError : db::Outcome::kClientError;
    case ErrorCode::kRateLimited:
    case ErrorCode::kUpstreamFailed:
      return db::Outcome::kUpstreamError;
  }
  return db::Outcome::kUpstreamError;
}

void answer_error(Call& call, const dialects::Egress& egress, LogRecord&& record, const ErrorAnswer& e) {
  auto res = error_response(call, egress, e);
  const int status = static_cast<int>(res.result_int());
  record.answered(call, res.body().size());
  if (!res.body().empty()) {
    record.row.response_body = res.body();
  }
  auto session = call.session;  // the call may not outlive its answer's write
  session->respond(std::move(res));
  std::move(record).submit(call, status, outcome_of(e), e.message);
}

void answer_ok(Call& call, std::string body) {
  LogRecord record(call);
  record.answered(call, body.size());
  record.row.response_body = body;
  auto session = call.session;
  session->respond(json_response(call, 200, std::move(body)));
  std::move(record).submit(call, 200, db::Outcome::kOk, {});
}

}  // namespace router::server
