#pragma once

#include <span>
#include <string_view>

namespace router::db {

/// One embedded migration script. `sql.data()` is NUL-terminated.
struct Migration {
  int version;
  std::string_view name;  ///< "0001_init"
  std::string_view sql;
};

/// The two databases of DESIGN.md §2.
enum class DbKind { kConfig, kLogs };

/// Generated at build time from migrations/{config,logs}/NNNN_name.sql (router_migrations).
[[nodiscard]] std::span<const Migration> config_migrations();
[[nodiscard]] std::span<const Migration> logs_migrations();

}  // namespace router::db
