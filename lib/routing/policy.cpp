#include "routing/policy.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace router::routing {

Plan plan(const Snapshot& s, std::string_view model, const std::optional<std::string>& pinned,
          providers::Dialect dialect) {
  // Without explain, decide leaves the reasons out unless nothing matched: one pass either way.
  Decision d = decide(s, model, pinned, dialect, false);
  if (!d.candidates.empty()) {
    return {std::move(d.candidates), std::nullopt};
  }
  const bool missing_pin = pinned && s.find(*pinned) == nullptr;
  std::string msg = missing_pin
                        ? fmt::format("provider '{}' (X-Router-Provider) does not exist", *pinned)
                        : dialect == providers::Dialect::kChat
                              ? fmt::format("no provider can serve model '{}'", is_default_model(model) ? "default" : model)
                              : fmt::format("no provider can serve model '{}' on {}", is_default_model(model) ? "default" : model,
                                            providers::dialect_info(dialect).path);
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

}  // namespace router::routing
