#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "db/migration.hpp"

namespace router::db {

class Database;

/// The schema state of one database against a list of migrations.
struct SchemaStatus {
  int current = 0;                         ///< highest applied version (0: none)
  int latest = 0;                          ///< highest embedded version
  std::vector<const Migration*> pending;   ///< in order
  [[nodiscard]] bool up_to_date() const noexcept { return pending.empty(); }
};

/// Applies embedded migrations (DESIGN.md §4). The list is injected so tests can pass their own.
/// Each applied migration is recorded in schema_migrations with a SHA-256 checksum of its text.
class Migrator {
 public:
  Migrator(Database& db, std::span<const Migration> migrations);

  /// Reads the applied versions and verifies them. Throws kUnavailable when an applied
  /// migration's checksum differs from the embedded one or is unknown (tampering), or when the
  /// database is newer than this binary.
  [[nodiscard]] SchemaStatus status();

  /// Applies every pending migration, each in its own IMMEDIATE transaction; `on_applied` is
  /// called after each commit. On failure the failing migration is rolled back and kInternal is
  /// thrown ("migration 0003_x failed: ..."); earlier ones stay applied. Returns the status after.
  SchemaStatus apply(const std::function<void(const Migration&)>& on_applied = {});

  /// The checksum recorded for a migration's text.
  [[nodiscard]] static std::string checksum(const Migration& m);

 private:
  void ensure_table();

  Database& db_;
  std::span<const Migration> migrations_;
};

}  // namespace router::db
