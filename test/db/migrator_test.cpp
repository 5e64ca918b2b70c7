#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/migrator.hpp"
#include "db/sqlite/schema.hpp"
#include "support/temp_dir.hpp"

using router::core::Error;
using router::core::ErrorCode;
using router::db::Database;
using router::db::Migration;
using router::db::Migrator;

namespace {

constexpr Migration kV1[] = {
    {1, "0001_init", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"},
};
constexpr Migration kV2[] = {
    {1, "0001_init", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"},
    {2, "0002_add_w", "ALTER TABLE t ADD COLUMN w INTEGER NOT NULL DEFAULT 7; INSERT INTO t (v) VALUES ('x');"},
};

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("expected an Error");
  return ErrorCode::kInternal;
}

}  // namespace

TEST_CASE("Migrator: a later migration shows as pending, then applied", "[db]") {
  router::test::TempDir dir;
  Database db(dir / "m.db");
  {
    Migrator m(db, kV1);
    CHECK(m.status().pending.size() == 1);
    const auto st = m.apply();
    CHECK(st.current == 1);
    CHECK(st.up_to_date());
  }
  Migrator m2(db, kV2);
  const auto before = m2.status();
  REQUIRE(before.pending.size() == 1);
  CHECK(before.pending[0]->name == "0002_add_w");
  CHECK(before.current == 1);
  CHECK(before.latest == 2);
  std::vector<std::string> applied;
  const auto after = m2.apply([&](const Migration& mig) { applied.emplace_back(mig.name); });
  CHECK(applied == std::vector<std::string>{"0002_add_w"});
  CHECK(after.current == 2);
  CHECK(after.up_to_date());
  CHECK(db.sqlite().execAndGet("SELECT w FROM t").getInt() == 7);
}

TEST_CASE("Migrator: an edited applied migration is refused as tampering", "[db]") {
  router::test::TempDir dir;
  Database db(dir / "m.db");
  Migrator(db, kV1).apply();
  SECTION("the recorded checksum no longer matches") {
    db.exec("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1");
    CHECK(code_of([&] { (void)Migrator(db, kV1).status(); }) == ErrorCode::kUnavailable);
    CHECK(code_of([&] { Migrator(db, kV2).apply(); }) == ErrorCode::kUnavailable);
    // nothing ran: version 2 was not applied
    CHECK(db.sqlite().execAndGet("SELECT count(*) FROM schema_migrations").getInt() == 1);
  }
  SECTION("the embedded text differs from what was applied") {
    constexpr Migration kEdited[] = {{1, "0001_init", "CREATE TABLE t (id INTEGER PRIMARY KEY);"}};
    try {
      (void)Migrator(db, kEdited).status();
      FAIL("expected tampering to be detected");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("checksum mismatch") != std::string::npos);
    }
  }
}

TEST_CASE("Migrator: a database newer than the binary is refused", "[db]") {
  router::test::TempDir dir;
  Database db(dir / "m.db");
  Migrator(db, kV2).apply();
  try {
    (void)Migrator(db, kV1).status();
    FAIL("expected a newer database to be refused");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kUnavailable);
    CHECK(std::string(e.what()).find("newer than this binary") != std::string::npos);
  }
}

TEST_CASE("Migrator: a failing migration rolls back and names itself", "[db]") {
  router::test::TempDir dir;
  Database db(dir / "m.db");
  constexpr Migration kBroken[] = {
      {1, "0001_init", "CREATE TABLE t (id INTEGER PRIMARY KEY);"},
      {2, "0002_broken", "CREATE TABLE u (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  try {
    Migrator(db, kBroken).apply();
    FAIL("expected failure");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInternal);
    CHECK(std::string(e.what()).find("migration 0002_broken failed") != std::string::npos);
  }
  CHECK(db.sqlite().execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'u'").getInt() == 0);
  CHECK(Migrator(db, kBroken).status().current == 1);
}

TEST_CASE("open_current: creates a fresh database at the latest schema, refuses pending ones", "[db]") {
  router::test::TempDir dir;
  const auto path = dir / "sub" / "router.db";
  {
    Database db = router::db::open_current(path, router::db::DbKind::kConfig);
    CHECK(db.sqlite().execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.sqlite().execAndGet("PRAGMA foreign_keys").getInt() == 1);
    CHECK(db.sqlite().execAndGet("PRAGMA synchronous").getInt() == 1);  // NORMAL
    CHECK(db.sqlite().execAndGet("PRAGMA busy_timeout").getInt() >= 5000);
    CHECK(db.sqlite().execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'providers'").getInt() == 1);
  }
  {
    Database logs = router::db::open_current(dir / "sub" / "router-logs.db", router::db::DbKind::kLogs);
    CHECK(logs.sqlite().execAndGet("PRAGMA auto_vacuum").getInt() == 2);  // INCREMENTAL
  }
  // An existing database that lacks migrations: refused with the migrate hint.
  const auto empty = dir / "empty.db";
  { Database raw(empty); }
  try {
    (void)router::db::open_current(empty, router::db::DbKind::kConfig);
    FAIL("expected pending migrations to be refused");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kUnavailable);
    CHECK(std::string(e.what()).find("run 'router migrate'") != std::string::npos);
  }
}

TEST_CASE("Database: data_version changes only when another connection commits", "[db]") {
  router::test::TempDir dir;
  Database a = router::db::open_current(dir / "r.db", router::db::DbKind::kConfig);
  Database b(dir / "r.db");
  const auto v0 = a.data_version();
  CHECK(a.data_version() == v0);
  b.write([&] { b.sqlite().exec("INSERT INTO meta (key, value) VALUES ('k', 'v')"); });
  const auto v1 = a.data_version();
  CHECK(v1 != v0);
  CHECK(a.data_version() == v1);
}

TEST_CASE("Database: constraint failures surface as kConflict and roll back", "[db]") {
  router::test::TempDir dir;
  Database db = router::db::open_current(dir / "r.db", router::db::DbKind::kConfig);
  db.write([&] { db.sqlite().exec("INSERT INTO meta (key, value) VALUES ('k', 'v')"); });
  CHECK(code_of([&] {
          db.write([&] {
            db.sqlite().exec("INSERT INTO meta (key, value) VALUES ('k2', 'v')");
            db.sqlite().exec("INSERT INTO meta (key, value) VALUES ('k', 'dup')");
          });
        }) == ErrorCode::kConflict);
  // 'k' and the database_id row made at creation (config migration 0002); 'k2' rolled back.
  CHECK(db.sqlite().execAndGet("SELECT count(*) FROM meta WHERE key <> 'database_id'").getInt() == 1);
}
