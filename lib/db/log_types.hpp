#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace router::db {

struct PreparedBodies;

/// Outcome of one client request (request_logs.outcome).
enum class Outcome : std::uint8_t {
  kOk,
  kClientError,    ///< the client's request was invalid (4xx from us or a non-retryable upstream 4xx)
  kUpstreamError,  ///< every attempt failed (connect, 5xx, malformed reply)
  kTimeout,        ///< a deadline expired before the upstream answered
  kTruncated,      ///< the stream broke after the first byte reached the client
  kCancelled,      ///< the client went away
  kNoProvider,     ///< no enabled candidate
};

[[nodiscard]] std::string_view outcome_name(Outcome o) noexcept;
/// nullopt for an unknown name.
[[nodiscard]] std::optional<Outcome> parse_outcome(std::string_view name) noexcept;


/// One upstream attempt of a request (request_attempts).
struct RequestAttempt {
  std::string provider_id;
  std::string provider_type;
  std::string model_sent;
  std::optional<int> status;  ///< nullopt when no response arrived
  std::string error;          ///< empty on success
  std::int64_t duration_us = 0;
};

/// One client request as the log writer stores it (request_logs + request_attempts + rollups).
/// Built by the server after the response is complete; owned by the writer queue afterwards.
struct RequestLog {
  std::int64_t request_id = 0;  ///< core/ids.hpp time-ordered id
  std::int64_t created_at = 0;  ///< Unix ms
  std::string endpoint;         ///< "/v1/chat/completions"
  std::string method;
  std::string client_addr;
  std::string api_key_name;     ///< empty when none
  std::string model_requested;
  std::string model_sent;
  std::string provider_id;      ///< the provider that answered (or the last tried)
  std::string provider_type;
  bool stream = false;
  int status = 0;
  Outcome outcome = Outcome::kOk;
  std::string error;
  std::int64_t duration_us = 0;
  std::optional<std::int64_t> ttfb_us;      ///< first byte to the client
  std::optional<std::int64_t> ttft_us;      ///< first content token to the client (streams)
  std::optional<std::int64_t> upstream_us;  ///< the answering attempt's upstream time
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  std::int64_t request_bytes = 0;
  std::int64_t response_bytes = 0;
  std::optional<std::string> request_body;   ///< nullopt when bodies are not logged
  std::optional<std::string> response_body;  ///< for streams: the reassembled chat.completion
  bool body_truncated = false;
  /// The bodies split, hashed and packed off the writer thread (db::prepare_bodies); when set,
  /// the store uses it instead of request_body/response_body.
  std::shared_ptr<const PreparedBodies> prepared;
  std::optional<std::int64_t> replay_of;  ///< `router replay`: the request this one re-sent
  std::vector<RequestAttempt> attempts;
};

}  // namespace router::db
