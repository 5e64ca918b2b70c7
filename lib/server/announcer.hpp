#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "routing/snapshot.hpp"

namespace router::server {

/// Says in the server log what changed in the configuration, once per change: every worker
/// reloads its own snapshot (and a key's last-use write alone makes them reload), so logging at
/// each reload repeated the same warning for every worker, every few seconds. Lines: a problem
/// that appeared or cleared, the active provider, a provider added, removed, enabled, disabled,
/// or becoming (un)usable. Thread-safe; called on reloads only, never per request.
class ConfigAnnouncer {
 public:
  void on_snapshot(const routing::Snapshot& snap);

 private:
  std::mutex mu_;
  bool first_ = true;
  std::set<std::string> problems_;
  std::string active_;
  std::map<std::string, std::string> states_;  ///< provider id → "enabled" | "disabled" | "unusable"
};

}  // namespace router::server
