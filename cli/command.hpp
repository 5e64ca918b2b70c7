#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

namespace CLI {
class App;
}

namespace router::cli {

class Context;

/// Preconditions the dispatcher meets before a command runs (git's RUN_SETUP), so commands never
/// open databases themselves.
enum class Needs : std::uint8_t {
  kNothing,    ///< version, help
  kPaths,      ///< resolves paths; the command opens databases with its own schema policy
  kDatabases,  ///< both databases at the current schema (created on first run, said on stderr;
               ///< exit 6 if pending)
  kExisting,   ///< read-only commands: kDatabases, but a missing database is exit 6, never created
};

/// Runs a parsed command; returns the exit code. Throws core::Error for failures.
using Runner = std::function<int(Context&)>;

struct Command {
  std::string_view path;     ///< "provider add": group, then verb
  std::string_view summary;  ///< one line for the help listing
  Needs needs;
  Runner (*setup)(CLI::App& sub);  ///< declares arguments and options; returns the bound runner
};

/// Every command, sorted by path: the only list (dispatch, help, "did you mean").
[[nodiscard]] std::span<const Command> commands();

/// Group summaries for the two-word commands ("provider" → "Manage upstream providers").
[[nodiscard]] std::string_view group_summary(std::string_view group);

Runner setup_backup(CLI::App& sub);
Runner setup_config_get(CLI::App& sub);
Runner setup_config_list(CLI::App& sub);
Runner setup_config_schema(CLI::App& sub);
Runner setup_config_set(CLI::App& sub);
Runner setup_config_unset(CLI::App& sub);
Runner setup_help(CLI::App& sub);
Runner setup_history(CLI::App& sub);
Runner setup_key_create(CLI::App& sub);
Runner setup_key_list(CLI::App& sub);
Runner setup_key_revoke(CLI::App& sub);
Runner setup_list(CLI::App& sub);
Runner setup_log(CLI::App& sub);
Runner setup_migrate(CLI::App& sub);
Runner setup_model_add(CLI::App& sub);
Runner setup_model_default(CLI::App& sub);
Runner setup_model_link(CLI::App& sub);
Runner setup_model_list(CLI::App& sub);
Runner setup_model_remove(CLI::App& sub);
Runner setup_model_sync(CLI::App& sub);
Runner setup_model_unlink(CLI::App& sub);
Runner setup_provider_add(CLI::App& sub);
Runner setup_provider_disable(CLI::App& sub);
Runner setup_provider_edit(CLI::App& sub);
Runner setup_provider_enable(CLI::App& sub);
Runner setup_provider_list(CLI::App& sub);
Runner setup_provider_remove(CLI::App& sub);
Runner setup_provider_show(CLI::App& sub);
Runner setup_provider_test(CLI::App& sub);
Runner setup_provider_types(CLI::App& sub);
Runner setup_restore(CLI::App& sub);
Runner setup_revert(CLI::App& sub);
Runner setup_replay(CLI::App& sub);
Runner setup_route(CLI::App& sub);
Runner setup_secrets_rotate(CLI::App& sub);
Runner setup_serve(CLI::App& sub);
Runner setup_set(CLI::App& sub);
Runner setup_show(CLI::App& sub);
Runner setup_stats(CLI::App& sub);
Runner setup_status(CLI::App& sub);
Runner setup_test(CLI::App& sub);
Runner setup_version(CLI::App& sub);

/// Sub-verbs of `history` (show, prune), wired by setup_history as silent subcommands: the table
/// cannot hold a command that is also a group.
Runner setup_history_show(CLI::App& sub);
Runner setup_history_prune(CLI::App& sub);

}  // namespace router::cli
