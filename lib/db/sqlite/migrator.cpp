#include "db/sqlite/migrator.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <map>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/sqlite_error.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT)sql";

constexpr const char* kHasTable =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'";
constexpr const char* kSelectApplied = "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr const char* kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)";

struct Applied {
  std::string name;
  std::string checksum;
};

}  // namespace

Migrator::Migrator(Database& db, std::span<const Migration> migrations) : db_(db), migrations_(migrations) {}

std::string Migrator::checksum(const Migration& m) { return core::sha256_hex(m.sql); }

void Migrator::ensure_table() { db_.exec(kCreateTable); }

SchemaStatus Migrator::status() {
  std::map<int, Applied> applied;
  db_.read([&] {
    applied.clear();
    auto& sql = db_.sqlite();
    if (sql.execAndGet(kHasTable).getInt() == 0) {
      return;
    }
    SQLite::Statement q(sql, kSelectApplied);
    while (q.executeStep()) {
      applied[q.getColumn(0).getInt()] = Applied{q.getColumn(1).getString(), q.getColumn(2).getString()};
    }
  });

  SchemaStatus st;
  st.latest = migrations_.empty() ? 0 : migrations_.back().version;
  const std::string file = db_.path().filename().string();
  for (const auto& [version, row] : applied) {
    st.current = std::max(st.current, version);
    if (version > st.latest) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("database '{}' is at schema version {}, newer than this binary "
                              "supports ({}): upgrade router",
                              file, version, st.latest));
    }
    const auto it = std::find_if(migrations_.begin(), migrations_.end(),
                                 [v = version](const Migration& m) { return m.version == v; });
    if (it == migrations_.end()) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("database '{}' records migration {} ('{}') that this binary does not "
                              "know: the schema history was tampered with",
                              file, version, row.name));
    }
    if (checksum(*it) != row.checksum) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("migration {} of database '{}' was changed after it was applied "
                              "(checksum mismatch): refusing to run on a tampered schema history",
                              it->name, file));
    }
  }
  for (const auto& m : migrations_) {
    if (!applied.contains(m.version)) {
      if (m.version < st.current) {
        throw Error(ErrorCode::kUnavailable,
                    fmt::format("database '{}' skipped migration {} but has {}: the schema history "
                                "was tampered with",
                                file, m.name, st.current));
      }
      st.pending.push_back(&m);
    }
  }
  return st;
}

SchemaStatus Migrator::apply(const std::function<void(const Migration&)>& on_applied) {
  ensure_table();
  const SchemaStatus before = status();
  for (const Migration* m : before.pending) {
    try {
      db_.write([&] {
        db_.sqlite().exec(m->sql.data());
        SQLite::Statement ins(db_.sqlite(), kInsertApplied);
        ins.bind(1, m->version);
        ins.bind(2, std::string(m->name));
        ins.bind(3, checksum(*m));
        ins.bind(4, static_cast<std::int64_t>(core::now_ms()));
        ins.exec();
      });
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kUnavailable) {
        throw;
      }
      throw Error(ErrorCode::kInternal, fmt::format("migration {} failed: {}", m->name, e.what()));
    }
    if (on_applied) {
      on_applied(*m);
    }
  }
  return status();
}

}  // namespace router::db
