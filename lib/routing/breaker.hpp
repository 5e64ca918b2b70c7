#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace router::routing {

/// One provider's circuit breaker (DESIGN.md §5, docs/reliability.md "Circuit breaking"):
/// routing.breaker.failures consecutive failed attempts open it for routing.breaker.cooldown;
/// while open the provider is skipped (tried only when no other candidate is left); after the
/// cooldown one request's attempt is the half-open trial, whose outcome closes or reopens it.
/// Shared by every worker thread of the process through atomics: no lock on the request path.
class Breaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  /// Where the breaker stands at `now_ms` (Unix ms), without changing anything.
  [[nodiscard]] State state(std::int64_t now_ms) const noexcept;
  /// Takes the half-open trial: true for exactly one caller per cooldown once it has passed (a
  /// trial that never reported, its client gone, is given up after another cooldown).
  [[nodiscard]] bool take_trial(std::int64_t now_ms, std::int64_t cooldown_ms) noexcept;
  /// An attempt got an answer: the breaker closes.
  void succeeded() noexcept;
  /// An attempt failed as the breaker counts failures (routing::counts_against). `threshold` 0
  /// never opens.
  void failed(std::int64_t now_ms, std::int64_t threshold, std::int64_t cooldown_ms) noexcept;

  /// When it stops being open (Unix ms), 0 when it is closed.
  [[nodiscard]] std::int64_t open_until() const noexcept { return open_until_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t consecutive_failures() const noexcept {
    return failures_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> failures_{0};
  std::atomic<std::int64_t> open_until_{0};
  std::atomic<std::int64_t> trial_at_{0};  // when the current half-open trial was taken, 0: none
};

[[nodiscard]] std::string_view state_name(Breaker::State s) noexcept;
/// {"state", "consecutive_failures", "open_until"} (RFC 3339, null when closed): the `circuit` of
/// GET /v1/providers/{id}.
[[nodiscard]] boost::json::object circuit_document(const Breaker& b, std::int64_t now_ms);

/// The breakers of one server process, by provider id; they outlive configuration snapshots (a
/// reload does not forget that a provider is failing). Looked up only while a snapshot loads.
class Breakers {
 public:
  [[nodiscard]] std::shared_ptr<Breaker> of(std::string_view provider_id);
  /// Calls fn(id, breaker) for each, in id order (/metrics).
  template <typename Fn>
  void each(Fn&& fn) const {
    std::lock_guard lock(mu_);
    for (const auto& [id, b] : by_id_) {
      fn(id, *b);
    }
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Breaker>, std::less<>> by_id_;
};

}  // namespace router::routing
