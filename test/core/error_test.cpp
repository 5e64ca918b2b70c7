#include <catch2/catch.hpp>

#include <set>

#include <boost/json.hpp>

#include "core/error.hpp"

using router::core::ErrorCode;

namespace {
constexpr ErrorCode kAll[] = {
    ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated,  ErrorCode::kPermissionDenied,
    ErrorCode::kNotFound,        ErrorCode::kMethodNotAllowed, ErrorCode::kConflict,
    ErrorCode::kPayloadTooLarge, ErrorCode::kRateLimited,      ErrorCode::kHeadersTooLarge,
    ErrorCode::kClientClosed,    ErrorCode::kUpstreamFailed,   ErrorCode::kUpstreamTimeout,
    ErrorCode::kNoProvider,      ErrorCode::kUnavailable,      ErrorCode::kInternal,
};
}

TEST_CASE("ErrorCode: every code maps to the documented HTTP status, type and exit code", "[core]") {
  using namespace router::core;
  struct Row {
    ErrorCode code;
    int status;
    const char* type;
    int exit;
    const char* name;
  };
  // DESIGN.md §7 (types and statuses) and §8 (exit codes).
  const Row rows[] = {
      {ErrorCode::kInvalidArgument, 400, "invalid_request_error", 2, "invalid_argument"},
      {ErrorCode::kUnauthenticated, 401, "authentication_error", 1, "unauthenticated"},
      {ErrorCode::kPermissionDenied, 403, "permission_error", 1, "permission_denied"},
      {ErrorCode::kNotFound, 404, "not_found_error", 3, "not_found"},
      {ErrorCode::kMethodNotAllowed, 405, "invalid_request_error", 2, "method_not_allowed"},
      {ErrorCode::kConflict, 409, "conflict_error", 4, "conflict"},
      {ErrorCode::kPayloadTooLarge, 413, "request_too_large", 2, "payload_too_large"},
      {ErrorCode::kRateLimited, 429, "rate_limit_error", 5, "rate_limited"},
      {ErrorCode::kHeadersTooLarge, 431, "request_too_large", 2, "headers_too_large"},
      {ErrorCode::kClientClosed, 499, "client_closed_request", 1, "client_closed"},
      {ErrorCode::kUpstreamFailed, 502, "upstream_error", 5, "upstream_failed"},
      {ErrorCode::kUpstreamTimeout, 504, "upstream_timeout", 5, "upstream_timeout"},
      {ErrorCode::kNoProvider, 503, "no_provider_available", 5, "no_provider"},
      {ErrorCode::kUnavailable, 503, "service_unavailable", 6, "unavailable"},
      {ErrorCode::kInternal, 500, "internal_error", 1, "internal"},
  };
  REQUIRE(std::size(rows) == std::size(kAll));
  std::set<std::string_view> names;
  for (const auto& r : rows) {
    CAPTURE(error_name(r.code));
    CHECK(http_status(r.code) == r.status);
    CHECK(error_type(r.code) == r.type);
    CHECK(exit_code(r.code) == r.exit);
    CHECK(error_name(r.code) == r.name);
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
  CHECK(code_for_status(405) == ErrorCode::kMethodNotAllowed);
  CHECK(code_for_status(431) == ErrorCode::kHeadersTooLarge);
  for (const auto code : kAll) {
    if (code != ErrorCode::kNoProvider && code != ErrorCode::kUnavailable && code != ErrorCode::kInternal) {
      CAPTURE(error_name(code));
      CHECK(code_for_status(http_status(code)) == code);  // 503 and 500 read back as upstream failures
    }
  }
}

TEST_CASE("error_json: the one OpenAI error document", "[core]") {
  using namespace router::core;
  const auto doc = boost::json::parse(error_json(ErrorCode::kMethodNotAllowed, "no \xff here", "model"));
  const auto& err = doc.at("error").as_object();
  CHECK(err.at("message").as_string() == "no \xEF\xBF\xBD here");  // invalid UTF-8 replaced
  CHECK(err.at("type").as_string() == "invalid_request_error");
  CHECK(err.at("param").as_string() == "model");
  CHECK(err.at("code").as_string() == "method_not_allowed");

  const auto upstream = boost::json::parse(error_json(ErrorCode::kUpstreamFailed, "boom", {}, "upstream_status_503"));
  CHECK(upstream.at("error").at("param").is_null());
  CHECK(upstream.at("error").at("code").as_string() == "upstream_status_503");
  CHECK(upstream.at("error").at("type").as_string() == "upstream_error");
}
