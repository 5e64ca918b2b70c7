#include "command.hpp"

#include <algorithm>
#include <array>

namespace router::cli {

namespace {

constexpr Needs kDb = Needs::kDatabases;
constexpr Needs kRead = Needs::kExisting;  // read-only: a typo in --db must not create a database

constexpr Command kCommands[] = {
    {"backup", "Write a consistent online snapshot of both databases", Needs::kPaths, setup_backup},
    {"config get", "Print the effective value of a setting", kRead, setup_config_get},
    {"config list", "List every setting with its effective value", kRead, setup_config_list},
    {"config schema", "Describe every setting: type, default, meaning", Needs::kNothing, setup_config_schema},
    {"config set", "Change a setting", kDb, setup_config_set},
    {"config unset", "Return a setting to its default", kDb, setup_config_unset},
    {"help", "Show help for a command", Needs::kNothing, setup_help},
    {"history", "Show proxied requests; 'history show ID', 'history prune --before T'", kRead,
     setup_history},
    {"key create", "Create an API key (printed once)", kDb, setup_key_create},
    {"key list", "List API keys (never the keys themselves)", kRead, setup_key_list},
    {"key revoke", "Revoke an API key", kDb, setup_key_revoke},
    {"list", "List providers, the active one marked", kRead, setup_list},
    {"log", "Show configuration revisions, newest first", kRead, setup_log},
    {"migrate", "Apply pending schema migrations (backup first)", Needs::kPaths, setup_migrate},
    {"model add", "Add a model", kDb, setup_model_add},
    {"model default", "Make a linked model the provider's default", kDb, setup_model_default},
    {"model link", "Link a model to a provider", kDb, setup_model_link},
    {"model list", "List models and the providers they are linked to", kRead, setup_model_list},
    {"model remove", "Remove a model and its links", kDb, setup_model_remove},
    {"model sync", "Import a provider's upstream models as one revision", kDb, setup_model_sync},
    {"model unlink", "Unlink a model from a provider", kDb, setup_model_unlink},
    {"provider add", "Register an upstream provider", kDb, setup_provider_add},
    {"provider disable", "Stop routing to a provider", kDb, setup_provider_disable},
    {"provider edit", "Change a provider's fields and config", kDb, setup_provider_edit},
    {"provider enable", "Route to a provider again", kDb, setup_provider_enable},
    {"provider list", "List providers", kRead, setup_provider_list},
    {"provider remove", "Remove a provider, its config and links", kDb, setup_provider_remove},
    {"provider show", "Show a provider, its config (secrets masked) and models", kRead, setup_provider_show},
    {"provider test", "Check a provider: latency and its first models; exit 0 healthy, 1 not", kRead,
     setup_provider_test},
    {"provider types", "Describe the provider types and their config keys", Needs::kNothing, setup_provider_types},
    {"replay", "Send a logged request again through the running server; prints both ids", kRead, setup_replay},
    {"restore", "Put a backup back (refused while a server serves the database)", Needs::kPaths, setup_restore},
    {"revert", "Undo a revision with a new revision", kDb, setup_revert},
    {"route", "Explain which providers a request would go to, and why", kRead, setup_route},
    {"secrets rotate", "Re-seal every secret under a new master key", kDb, setup_secrets_rotate},
    {"serve", "Run the OpenAI-compatible server", Needs::kPaths, setup_serve},
    {"set", "Switch the active provider", kDb, setup_set},
    {"show", "Show one revision and its changes", kRead, setup_show},
    {"stats", "Requests, error rate and latency percentiles per provider, model, hour or day",
     kRead, setup_stats},
    {"status", "Show paths, schema versions and state", Needs::kPaths, setup_status},
    {"test", "Check the active (or a named) provider; exit 0 healthy, 1 not", kRead, setup_test},
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
