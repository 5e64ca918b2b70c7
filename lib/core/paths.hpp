#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace router::core {

/// Every file the router uses, derived from one configuration database path (DESIGN.md §2).
struct Paths {
  std::filesystem::path config_db;    ///< router.db
  std::filesystem::path logs_db;      ///< <stem>-logs.db beside it
  std::filesystem::path key_file;     ///< <stem>.key beside it
  std::filesystem::path backups_dir;  ///< backups/ beside it
  std::string source;                 ///< where config_db came from: "--db", "ROUTER_DB" or "default"
};

/// Looks up an environment variable; injectable so the rules are testable without setenv.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment.
[[nodiscard]] std::optional<std::string> process_env(std::string_view name);

/// `--db PATH` > env ROUTER_DB > ${XDG_DATA_HOME:-$HOME/.local/share}/router/router.db.
/// Throws kInvalidArgument when no rule yields a path (no HOME) or a given path is empty.
[[nodiscard]] Paths resolve_paths(const std::optional<std::string>& db_flag, const EnvLookup& env);

/// The sibling files of a configuration database path.
[[nodiscard]] Paths paths_for(const std::filesystem::path& config_db, std::string source);

/// Creates the directory holding the databases (mode 0700 when new). Throws kUnavailable.
void ensure_parent_dir(const std::filesystem::path& file);

/// The one safety check of the files in `paths`, run before any command touches them (DESIGN.md
/// §9). Throws kUnavailable when the database directory exists and another user owns it (files
/// this process would create there would break that user's service) or group/others can write to
/// it without the sticky bit (anyone could swap the key file or the databases). Returns one
/// warning, with the chmod that fixes it, per key or database file readable by group/others.
[[nodiscard]] std::vector<std::string> check_storage(const Paths& paths);

}  // namespace router::core
