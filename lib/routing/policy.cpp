#include "routing/policy.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/text.hpp"

#include <algorithm>

namespace router::routing {

namespace {

// A half-open breaker lets one request through per cooldown: the others leave that provider out,
// unless it is all they have.
void take_trials(const Snapshot& s, std::vector<Candidate>& candidates) {
  const auto now = core::now_ms();
  auto waits = [&](const Candidate& c) {
    auto* b = c.provider->breaker.get();
    return b != nullptr && b->state(now) == Breaker::State::kHalfOpen && !b->take_trial(now, s.hot.breaker_cooldown_ms);
  };
  const auto first_waiting = std::find_if(candidates.begin(), candidates.end(), waits);
  if (first_waiting == candidates.end()) {
    return;  // the common case: nothing to move, nothing allocated
  }
  std::vector<Candidate> kept(std::make_move_iterator(candidates.begin()), std::make_move_iterator(first_waiting));
  std::vector<Candidate> waiting;
  waiting.push_back(std::move(*first_waiting));
  for (auto it = first_waiting + 1; it != candidates.end(); ++it) {
    (waits(*it) ? waiting : kept).push_back(std::move(*it));
  }
  candidates = kept.empty() ? std::move(waiting) : std::move(kept);
}

}  // namespace

Plan plan(const Snapshot& s, std::string_view model, const std::optional<std::string>& pinned,
          core::Dialect dialect) {
  // Without explain, decide leaves the reasons out unless nothing matched: one pass either way.
  Decision d = decide(s, model, pinned, dialect, false);
  if (!d.candidates.empty()) {
    take_trials(s, d.candidates);
    return {std::move(d.candidates), std::nullopt};
  }
  const bool missing_pin = pinned && s.find(*pinned) == nullptr;
  std::string msg = missing_pin
                        ? fmt::format("provider '{}' (X-Router-Provider) does not exist", *pinned)
                        : dialect == core::Dialect::kChat
                              ? fmt::format("no provider can serve model '{}'", is_default_model(model) ? "default" : model)
                              : fmt::format("no provider can serve model '{}' on {}", is_default_model(model) ? "default" : model,
                                            core::dialect_info(dialect).path);
  if (!d.skipped.empty()) {
    std::vector<std::string> why;
    why.reserve(d.skipped.size());
    for (const auto& skipped : d.skipped) {
      why.push_back(fmt::format("{}: {}", skipped.provider_id, skipped.reason));
    }
    msg += " (" + core::join(why, "; ") + ")";
  }
  return {{}, core::Error(missing_pin ? core::ErrorCode::kNotFound : core::ErrorCode::kNoProvider, std::move(msg))};
}

Next after_failure(const Snapshot& s, const AttemptFailure& f, std::size_t attempts_made, std::size_t candidates) {
  const auto& hot = s.hot;
  if (f.output_started || !hot.fallback || attempts_made >= candidates || attempts_made >= hot.max_attempts) {
    return Next::kAnswer;
  }
  if (!f.status) {
    return f.code == core::ErrorCode::kInvalidArgument ? Next::kAnswer : Next::kRetry;
  }
  if (*f.status >= 200 && *f.status < 300) {
    // The upstream was answering: a stall now is its answer; anything else made it unusable.
    return f.code == core::ErrorCode::kUpstreamTimeout ? Next::kAnswer : Next::kRetry;
  }
  const bool retry = hot.retry_on(*f.status) || (f.retry_like && hot.retry_on(*f.retry_like));
  return retry ? Next::kRetry : Next::kAnswer;
}

bool counts_against(const AttemptFailure& f) noexcept {
  if (!f.status) {
    // No answer at all (refused, reset, timeout, TLS), except a request we could not translate
    // or a client that left: those say nothing about the provider.
    return f.code != core::ErrorCode::kInvalidArgument && f.code != core::ErrorCode::kClientClosed;
  }
  const int status = f.retry_like.value_or(*f.status);
  return (status >= 200 && status < 300) || status == 408 || status == 429 || status >= 500;
}

}  // namespace router::routing
