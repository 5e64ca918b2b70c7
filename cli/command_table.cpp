#include "command.hpp"

#include <algorithm>
#include <array>

namespace router::cli {

namespace {

constexpr Command kCommands[] = {
    {"backup", "Write a consistent online snapshot of both databases", Needs::kPaths, setup_backup},
    {"help", "Show help for a command", Needs::kNothing, setup_help},
    {"history", "Show proxied requests; 'history show ID', 'history prune --before T'", Needs::kDatabases,
     setup_history},
    {"migrate", "Apply pending schema migrations (backup first)", Needs::kPaths, setup_migrate},
    {"stats", "Requests, error rate and latency percentiles per provider, model, hour or day",
     Needs::kDatabases, setup_stats},
    {"status", "Show paths, schema versions and state", Needs::kPaths, setup_status},
    {"version", "Print the version", Needs::kNothing, setup_version},
};

struct Group {
  std::string_view name;
  std::string_view summary;
};
constexpr Group kGroups[] = {
    {"config", "Read and change typed settings"},
    {"history", "Audit proxied requests"},
    {"key", "Manage API keys"},
    {"model", "Manage models and provider links"},
    {"provider", "Manage upstream providers"},
    {"secrets", "Manage the master key"},
};

}  // namespace

std::span<const Command> commands() { return kCommands; }

std::string_view group_summary(std::string_view group) {
  for (const auto& g : kGroups) {
    if (g.name == group) {
      return g.summary;
    }
  }
  return {};
}

}  // namespace router::cli
