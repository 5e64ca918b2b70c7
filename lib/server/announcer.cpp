#include "server/announcer.hpp"

#include "core/log.hpp"

namespace router::server {

namespace {

std::string state_of(const routing::ProviderEntry& p) {
  if (!p.row.enabled) {
    return "disabled";
  }
  return p.impl ? "enabled" : "unusable";
}

std::string named(const std::string& id) { return id.empty() ? "(none)" : "'" + id + "'"; }

}  // namespace

void ConfigAnnouncer::on_snapshot(const routing::Snapshot& snap) {
  std::set<std::string> problems(snap.problems.begin(), snap.problems.end());
  std::map<std::string, std::string> states;
  std::set<std::string> disabled;
  for (const auto& p : snap.providers) {
    states[p.row.id] = state_of(p);
    if (!p.row.enabled && !p.problem.empty()) {
      disabled.insert(p.problem);
    }
  }
  const std::lock_guard lock(mu_);
  for (const auto& p : problems) {
    if (!problems_.contains(p)) {
      // A disabled provider's problem stops nothing: said, but not as a warning.
      if (disabled.contains(p)) {
        core::log::info("configuration: {} (the provider is disabled)", p);
      } else {
        core::log::warn("configuration: {}", p);
      }
    }
  }
  for (const auto& p : problems_) {
    if (!problems.contains(p)) {
      core::log::info("configuration: resolved: {}", p);
    }
  }
  if (first_) {
    core::log::info("active provider: {}", named(snap.active_provider()));
  } else {
    if (snap.active_provider() != active_) {
      core::log::info("active provider changed: {} → {}", named(active_), named(snap.active_provider()));
    }
    for (const auto& [id, state] : states) {
      const auto it = states_.find(id);
      if (it == states_.end()) {
        core::log::info("provider '{}' added ({})", id, state);
      } else if (it->second != state) {
        core::log::info("provider '{}': {} → {}", id, it->second, state);
      }
    }
    for (const auto& [id, state] : states_) {
      if (!states.contains(id)) {
        core::log::info("provider '{}' removed", id);
      }
    }
  }
  first_ = false;
  problems_ = std::move(problems);
  active_ = snap.active_provider();
  states_ = std::move(states);
}

}  // namespace router::server
