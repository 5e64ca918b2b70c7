#include "core/error.hpp"

namespace router::core {

int http_status(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kUpstreamFailed: return 502;
    case ErrorCode::kUpstreamTimeout: return 504;
    case ErrorCode::kNoProvider: return 503;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

int exit_code(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 2;
    case ErrorCode::kUnauthenticated: return 1;
    case ErrorCode::kPermissionDenied: return 1;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kConflict: return 4;
    case ErrorCode::kPayloadTooLarge: return 2;
    case ErrorCode::kRateLimited: return 5;
    case ErrorCode::kUpstreamFailed: return 5;
    case ErrorCode::kUpstreamTimeout: return 5;
    case ErrorCode::kNoProvider: return 5;
    case ErrorCode::kUnavailable: return 6;
    case ErrorCode::kInternal: return 1;
  }
  return 1;
}

std::string_view error_type(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_request_error";
    case ErrorCode::kUnauthenticated: return "authentication_error";
    case ErrorCode::kPermissionDenied: return "permission_error";
    case ErrorCode::kNotFound: return "not_found_error";
    case ErrorCode::kConflict: return "conflict_error";
    case ErrorCode::kPayloadTooLarge: return "request_too_large";
    case ErrorCode::kRateLimited: return "rate_limit_error";
    case ErrorCode::kUpstreamFailed: return "upstream_error";
    case ErrorCode::kUpstreamTimeout: return "upstream_timeout";
    case ErrorCode::kNoProvider: return "no_provider_available";
    case ErrorCode::kUnavailable: return "service_unavailable";
    case ErrorCode::kInternal: return "internal_error";
  }
  return "internal_error";
}

std::string_view error_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kUpstreamFailed: return "upstream_failed";
    case ErrorCode::kUpstreamTimeout: return "upstream_timeout";
    case ErrorCode::kNoProvider: return "no_provider";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

ErrorCode code_for_status(int status) noexcept {
  switch (status) {
    case 400: return ErrorCode::kInvalidArgument;
    case 401: return ErrorCode::kUnauthenticated;
    case 403: return ErrorCode::kPermissionDenied;
    case 404: return ErrorCode::kNotFound;
    case 409: return ErrorCode::kConflict;
    case 413: return ErrorCode::kPayloadTooLarge;
    case 429: return ErrorCode::kRateLimited;
    case 504: return ErrorCode::kUpstreamTimeout;
    default: break;
  }
  if (status >= 500) {
    return ErrorCode::kUpstreamFailed;
  }
  return status >= 400 ? ErrorCode::kInvalidArgument : ErrorCode::kInternal;
}

}  // namespace router::core
