#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace SQLite {
class Database;
}

namespace router::db {

struct DatabaseOptions {
  bool create = true;                ///< create the file when missing (else kUnavailable)
  bool incremental_vacuum = false;   ///< new files only: auto_vacuum=INCREMENTAL (logs database)
  int page_size = 0;                 ///< new files only; 0 keeps SQLite's default
  std::chrono::milliseconds busy_timeout{5000};
};

/// One SQLite connection with the project's pragmas: WAL, synchronous=NORMAL, foreign_keys=ON,
/// busy_timeout. Not thread-safe: one connection per thread. Only lib/db sees the SQLiteCpp
/// handle; everything above uses repositories.
class Database {
 public:
  /// Throws kUnavailable when the file cannot be opened or is not a database.
  Database(const std::filesystem::path& path, const DatabaseOptions& options = {});
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  /// Runs `fn` inside one IMMEDIATE transaction and commits. SQLITE_BUSY that the busy handler
  /// does not absorb (recovery, snapshot upgrades) is retried until busy_timeout, rolling back
  /// and re-running `fn`, so `fn` must keep its in-memory effects idempotent. SQLite errors
  /// leave as core::Error: constraint violations kConflict, lock exhaustion kUnavailable.
  void write(const std::function<void()>& fn);
  /// Runs `fn` inside one read transaction (a consistent snapshot), retrying SQLITE_BUSY.
  void read(const std::function<void()>& fn);
  /// Runs SQL text outside any explicit transaction (pragmas, scripts), retrying SQLITE_BUSY.
  void exec(const std::string& sql);

  /// The changes counter of other connections' commits (PRAGMA data_version): it changes
  /// whenever another connection commits, so a cache keyed on it is never stale.
  [[nodiscard]] std::int64_t data_version();

  /// Consistent online copy through the SQLite backup API (one read transaction, so writers
  /// are never blocked). The destination is replaced atomically. Throws kUnavailable.
  void backup_to(const std::filesystem::path& destination);
  /// backup_to() of the database file `source`, opened read-only (it is never modified).
  static void copy_file(const std::filesystem::path& source, const std::filesystem::path& destination);
  /// Replaces this database's whole content with the database file `source` through the backup
  /// API, under one write lock: other connections see the old content or the new, never a mix.
  void restore_from(const std::filesystem::path& source);

  /// lib/db only.
  [[nodiscard]] SQLite::Database& sqlite() noexcept { return *db_; }

 private:
  void retry_busy(const std::function<void()>& attempt);

  std::filesystem::path path_;
  std::chrono::milliseconds busy_timeout_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<struct DataVersionStmt> data_version_;
};

}  // namespace router::db
