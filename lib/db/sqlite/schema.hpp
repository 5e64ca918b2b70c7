#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "db/sqlite/database.hpp"
#include "db/migration.hpp"
#include "db/sqlite/migrator.hpp"

namespace router::db {

[[nodiscard]] std::span<const Migration> migrations_for(DbKind kind);
[[nodiscard]] DatabaseOptions options_for(DbKind kind);
[[nodiscard]] std::string_view kind_name(DbKind kind);  ///< "config" | "logs"

/// Opens a database for a command that needs the current schema. A missing file is created at
/// the latest schema (first run). Throws kUnavailable "... run 'router migrate'" when an existing
/// database has pending migrations, and the Migrator's errors for tampered or newer databases.
[[nodiscard]] Database open_current(const std::filesystem::path& path, DbKind kind);

/// What `router migrate` would do, or did, for one database.
struct MigrationPlan {
  DbKind kind;
  std::filesystem::path path;
  bool exists = false;         ///< the file existed before
  SchemaStatus status;         ///< before applying
  std::optional<std::filesystem::path> backup;  ///< taken before applying
};

/// Reads the plan for one database without changing anything (a missing file plans every
/// migration and is not created).
[[nodiscard]] MigrationPlan plan_migrations(const std::filesystem::path& path, DbKind kind);

/// Applies a plan: takes an online backup into `backups_dir` first (unless `backup` is false, or
/// the database is new or already current), then each migration in its own transaction.
void apply_migrations(MigrationPlan& plan, const std::filesystem::path& backups_dir, bool backup,
                      const std::function<void(const Migration&)>& on_applied);

/// What a backup file holds, checked without modifying it.
struct BackupInfo {
  DbKind kind;          ///< told by its tables
  SchemaStatus status;  ///< against this binary's migrations
};

/// Copies `backup` to `staging` (a scratch file the caller removes) and checks the copy: SQLite's
/// integrity_check, which database it is, and a schema this binary accepts (not newer, history not
/// tampered). Throws kUnavailable naming what is wrong.
[[nodiscard]] BackupInfo inspect_backup(const std::filesystem::path& backup, const std::filesystem::path& staging);

/// Removes a database file and its -wal and -shm companions (scratch files only).
void remove_database_files(const std::filesystem::path& path);

}  // namespace router::db
