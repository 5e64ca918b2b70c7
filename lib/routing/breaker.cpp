#include "routing/breaker.hpp"

#include "core/clock.hpp"

namespace router::routing {

Breaker::State Breaker::state(std::int64_t now_ms) const noexcept {
  const auto until = open_until();
  if (until == 0) {
    return State::kClosed;
  }
  return now_ms < until ? State::kOpen : State::kHalfOpen;
}

bool Breaker::take_trial(std::int64_t now_ms, std::int64_t cooldown_ms) noexcept {
  auto taken = trial_at_.load(std::memory_order_relaxed);
  if (taken != 0 && now_ms - taken < cooldown_ms) {
    return false;
  }
  return trial_at_.compare_exchange_strong(taken, now_ms, std::memory_order_relaxed);
}

void Breaker::succeeded() noexcept {
  // Loads first: the common case (closed, no failures) writes nothing, so workers do not bounce
  // the cache line between them.
  if (failures_.load(std::memory_order_relaxed) != 0) {
    failures_.store(0, std::memory_order_relaxed);
  }
  if (open_until_.load(std::memory_order_relaxed) != 0) {
    open_until_.store(0, std::memory_order_relaxed);
    trial_at_.store(0, std::memory_order_relaxed);
  }
}

void Breaker::failed(std::int64_t now_ms, std::int64_t threshold, std::int64_t cooldown_ms) noexcept {
  const auto n = failures_.fetch_add(1, std::memory_order_relaxed) + 1;
  const bool trial_failed = open_until() != 0 && now_ms >= open_until();
  if (threshold > 0 && (n >= threshold || trial_failed)) {
    open_until_.store(now_ms + cooldown_ms, std::memory_order_relaxed);
    trial_at_.store(0, std::memory_order_relaxed);
  }
}

std::string_view state_name(Breaker::State s) noexcept {
  switch (s) {
    case Breaker::State::kClosed: return "closed";
    case Breaker::State::kOpen: return "open";
    case Breaker::State::kHalfOpen: return "half-open";
  }
  return "closed";
}

boost::json::object circuit_document(const Breaker& b, std::int64_t now_ms) {
  const auto until = b.open_until();
  return {{"state", state_name(b.state(now_ms))},
          {"consecutive_failures", b.consecutive_failures()},
          {"open_until", until == 0 ? boost::json::value(nullptr) : boost::json::value(core::format_utc(until))}};
}

std::shared_ptr<Breaker> Breakers::of(std::string_view provider_id) {
  std::lock_guard lock(mu_);
  auto it = by_id_.find(provider_id);
  if (it == by_id_.end()) {
    it = by_id_.emplace(std::string(provider_id), std::make_shared<Breaker>()).first;
  }
  return it->second;
}

}  // namespace router::routing
