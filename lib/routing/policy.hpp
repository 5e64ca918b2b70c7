#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "routing/routing.hpp"
#include "routing/snapshot.hpp"

// The attempt policy of DESIGN.md §5 as pure functions of a snapshot: which providers a request
// tries, in which order, with which model, and whether a failed attempt moves on to the next one.
// The request path only runs the loop; every rule lives here.
namespace router::routing {

/// The providers to try, or why there is none.
struct Plan {
  std::vector<Candidate> candidates;
  /// Set iff `candidates` is empty: kNotFound "provider 'x' (X-Router-Provider) does not exist"
  /// for a pinned provider that does not exist, else kNoProvider "no provider can serve model
  /// 'm' (p1: reason; p2: reason)".
  std::optional<core::Error> refusal;
};

/// Plans a request for `model` (empty or "default" for the provider's default), optionally
/// pinned to one provider (X-Router-Provider). Runs `decide` once; reasons are formatted only
/// when the request will be refused.
[[nodiscard]] Plan plan(const Snapshot& snapshot, std::string_view model, const std::optional<std::string>& pinned,
                        core::Dialect dialect = core::Dialect::kChat);

/// How one attempt failed, as far as the policy cares.
struct AttemptFailure {
  core::ErrorCode code;
  /// The upstream's HTTP status once a response head arrived (2xx included: an unusable success);
  /// nullopt when the attempt failed before any response (connect, send, our own translation).
  std::optional<int> status;
  /// A status the upstream's error body says it means (Anthropic's 529 "overloaded" reads as 503).
  std::optional<int> retry_like;
  /// True once any byte of the response reached the client.
  bool output_started = false;
};

/// Whether a failed attempt counts against its provider's circuit breaker: no answer, a timeout,
/// an unusable 2xx, 408, 429 or a 5xx (or what an error body says it means). Other 4xx are the
/// request's fault, not the provider's.
[[nodiscard]] bool counts_against(const AttemptFailure& failure) noexcept;

enum class Next { kRetry, kAnswer };

/// Whether to try the next candidate after `attempts_made` attempts of `candidates` failed, the
/// last one as `failure`. Never after the first byte reached the client; never beyond
/// routing.max_attempts or the candidates; never with routing.fallback off. Then:
/// - a request we could not translate for the provider (kInvalidArgument, no status) answers:
///   it is the client's input;
/// - a timeout while reading a 2xx answer (status 2xx, kUpstreamTimeout: the body or stream
///   stalled after the head) answers: the upstream was working on it;
/// - another unusable 2xx (malformed, empty, a block page) retries;
/// - another status retries when routing.retry_on lists it or its `retry_like`;
/// - a failure before any response (refused, reset, timeout, DNS, TLS) retries.
[[nodiscard]] Next after_failure(const Snapshot& snapshot, const AttemptFailure& failure, std::size_t attempts_made,
                                 std::size_t candidates);

}  // namespace router::routing
