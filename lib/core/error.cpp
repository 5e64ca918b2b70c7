#include "core/error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/text.hpp"

namespace router::core {

namespace {

struct Row {
  int status;
  int exit;
  std::string_view type;
  std::string_view name;
};

// The one table: DESIGN.md §7 (statuses and types) and §8 (exit codes). A switch without
// default, so -Wswitch catches a code added without its row.
constexpr Row row(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return {400, 2, "invalid_request_error", "invalid_argument"};
    case ErrorCode::kUnauthenticated: return {401, 1, "authentication_error", "unauthenticated"};
    case ErrorCode::kPermissionDenied: return {403, 1, "permission_error", "permission_denied"};
    case ErrorCode::kNotFound: return {404, 3, "not_found_error", "not_found"};
    case ErrorCode::kMethodNotAllowed: return {405, 2, "invalid_request_error", "method_not_allowed"};
    case ErrorCode::kConflict: return {409, 4, "conflict_error", "conflict"};
    case ErrorCode::kPayloadTooLarge: return {413, 2, "request_too_large", "payload_too_large"};
    case ErrorCode::kRateLimited: return {429, 5, "rate_limit_error", "rate_limited"};
    case ErrorCode::kHeadersTooLarge: return {431, 2, "request_too_large", "headers_too_large"};
    case ErrorCode::kClientClosed: return {499, 1, "client_closed_request", "client_closed"};
    case ErrorCode::kUpstreamFailed: return {502, 5, "upstream_error", "upstream_failed"};
    case ErrorCode::kUpstreamTimeout: return {504, 5, "upstream_timeout", "upstream_timeout"};
    case ErrorCode::kNoProvider: return {503, 5, "no_provider_available", "no_provider"};
    case ErrorCode::kUnavailable: return {503, 6, "service_unavailable", "unavailable"};
    case ErrorCode::kInternal: return {500, 1, "internal_error", "internal"};
  }
  return {500, 1, "internal_error", "internal"};
}

}  // namespace

int http_status(ErrorCode code) noexcept { return row(code).status; }

int exit_code(ErrorCode code) noexcept { return row(code).exit; }

std::string_view error_type(ErrorCode code) noexcept { return row(code).type; }

std::string_view error_name(ErrorCode code) noexcept { return row(code).name; }

ErrorCode code_for_status(int status) noexcept {
  switch (status) {
    case 400: return ErrorCode::kInvalidArgument;
    case 401: return ErrorCode::kUnauthenticated;
    case 403: return ErrorCode::kPermissionDenied;
    case 404: return ErrorCode::kNotFound;
    case 405: return ErrorCode::kMethodNotAllowed;
    case 409: return ErrorCode::kConflict;
    case 413: return ErrorCode::kPayloadTooLarge;
    case 429: return ErrorCode::kRateLimited;
    case 431: return ErrorCode::kHeadersTooLarge;
    case 499: return ErrorCode::kClientClosed;
    case 504: return ErrorCode::kUpstreamTimeout;
    default: break;
  }
  if (status >= 500) {
    return ErrorCode::kUpstreamFailed;
  }
  return status >= 400 ? ErrorCode::kInvalidArgument : ErrorCode::kInternal;
}

std::string error_json(ErrorCode code, std::string_view message, std::string_view param, std::string_view code_name) {
  boost::json::object err{
      {"message", to_valid_utf8(message)},
      {"type", error_type(code)},
      {"param", param.empty() ? boost::json::value(nullptr) : boost::json::value(to_valid_utf8(param))},
      {"code", code_name.empty() ? error_name(code) : code_name}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

}  // namespace router::core
