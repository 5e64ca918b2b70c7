#include <catch2/catch.hpp>

#include <set>

#include "core/error.hpp"

using router::core::ErrorCode;

namespace {
constexpr ErrorCode kAll[] = {
    ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
    ErrorCode::kNotFound,        ErrorCode::kConflict,        ErrorCode::kPayloadTooLarge,
    ErrorCode::kRateLimited,     ErrorCode::kUpstreamFailed,  ErrorCode::kUpstreamTimeout,
    ErrorCode::kNoProvider,      ErrorCode::kUnavailable,     ErrorCode::kInternal,
};
}

TEST_CASE("ErrorCode: every code maps to the documented HTTP status, type and exit code", "[core]") {
  using namespace router::core;
  struct Row {
    ErrorCode code;
    int status;
    const char* type;
    int exit;
  };
  // DESIGN.md §7 (types and statuses) and §8 (exit codes).
  const Row rows[] = {
      {ErrorCode::kInvalidArgument, 400, "invalid_request_error", 2},
      {ErrorCode::kUnauthenticated, 401, "authentication_error", 1},
      {ErrorCode::kPermissionDenied, 403, "permission_error", 1},
      {ErrorCode::kNotFound, 404, "not_found_error", 3},
      {ErrorCode::kConflict, 409, "conflict_error", 4},
      {ErrorCode::kPayloadTooLarge, 413, "request_too_large", 2},
      {ErrorCode::kRateLimited, 429, "rate_limit_error", 5},
      {ErrorCode::kUpstreamFailed, 502, "upstream_error", 5},
      {ErrorCode::kUpstreamTimeout, 504, "upstream_timeout", 5},
      {ErrorCode::kNoProvider, 503, "no_provider_available", 5},
      {ErrorCode::kUnavailable, 503, "service_unavailable", 6},
      {ErrorCode::kInternal, 500, "internal_error", 1},
  };
  REQUIRE(std::size(rows) == std::size(kAll));
  std::set<std::string_view> names;
  for (const auto& r : rows) {
    CAPTURE(error_name(r.code));
    CHECK(http_status(r.code) == r.status);
    CHECK(error_type(r.code) == r.type);
    CHECK(exit_code(r.code) == r.exit);
    names.insert(error_name(r.code));
  }
  CHECK(names.size() == std::size(kAll));
}

TEST_CASE("ErrorCode: upstream statuses map back to codes", "[core]") {
  using namespace router::core;
  CHECK(code_for_status(400) == ErrorCode::kInvalidArgument);
  CHECK(code_for_status(401) == ErrorCode::kUnauthenticated);
  CHECK(code_for_status(429) == ErrorCode::kRateLimited);
  CHECK(code_for_status(500) == ErrorCode::kUpstreamFailed);
  CHECK(code_for_status(529) == ErrorCode::kUpstreamFailed);
  CHECK(code_for_status(504) == ErrorCode::kUpstreamTimeout);
  CHECK(code_for_status(418) == ErrorCode::kInvalidArgument);
}
