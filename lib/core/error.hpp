#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace router::core {

/// The one error vocabulary of the project. HTTP status, OpenAI error type, name and CLI exit code
/// come from one table in error.cpp, a switch without default so -Wswitch catches omissions.
enum class ErrorCode : std::uint8_t {
  kInvalidArgument,   ///< bad input: 400, exit 2
  kUnauthenticated,   ///< missing or wrong key: 401, exit 1
  kPermissionDenied,  ///< key lacks the scope, or no admin key exists: 403, exit 1
  kNotFound,          ///< 404, exit 3
  kMethodNotAllowed,  ///< the path exists, the verb does not: 405 (with Allow), exit 2
  kConflict,          ///< duplicate, or state changed underneath: 409, exit 4
  kPayloadTooLarge,   ///< 413, exit 2
  kRateLimited,       ///< upstream said 429 and nothing else could serve: 429, exit 5
  kHeadersTooLarge,   ///< request head over the limit: 431, exit 2
  kClientClosed,      ///< the client left before the answer was complete: 499 (logged only), exit 1
  kUpstreamFailed,    ///< connect/read failure or upstream 5xx: 502, exit 5
  kUpstreamTimeout,   ///< deadline before the upstream answered: 504, exit 5
  kNoProvider,        ///< no enabled candidate for the request: 503, exit 5
  kUnavailable,       ///< database unavailable or migration needed: 503, exit 6
  kInternal,          ///< a bug or an unexpected failure: 500, exit 1
};

/// An error that carries its code. The message is user-facing: lowercase, no trailing period,
/// names quoted ('x'), never a secret. `param` names the offending request field, if any.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string param = {})
      : std::runtime_error(std::move(message)), code_(code), param_(std::move(param)) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& param() const noexcept { return param_; }

 private:
  ErrorCode code_;
  std::string param_;
};

[[nodiscard]] int http_status(ErrorCode code) noexcept;
[[nodiscard]] int exit_code(ErrorCode code) noexcept;
/// The OpenAI-style `error.type` string for the code (DESIGN.md §7).
[[nodiscard]] std::string_view error_type(ErrorCode code) noexcept;
/// A stable snake_case name of the code, used as `error.code` and in logs.
[[nodiscard]] std::string_view error_name(ErrorCode code) noexcept;
/// The code a plain HTTP status maps back to (upstream statuses, tests).
[[nodiscard]] ErrorCode code_for_status(int status) noexcept;
/// The one OpenAI-shaped error document, `{"error":{"message","type","param","code"}}`: type from
/// the table, `code` its name unless `code_name` says otherwise (an upstream's own code), `param`
/// null when empty. Bytes of `message` and `param` that are not UTF-8 become U+FFFD.
[[nodiscard]] std::string error_json(ErrorCode code, std::string_view message, std::string_view param = {},
                                     std::string_view code_name = {});

/// Exit codes that are not tied to an ErrorCode.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPending = 10;  ///< `migrate --dry-run` found pending work

}  // namespace router::core
