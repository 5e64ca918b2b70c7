#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "db/sqlite/database.hpp"
#include "db/migration.hpp"
#include "db/sqlite/migrator.hpp"

#include <SQLiteCpp/Database.h>
#include "support/cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using router::test::run_router;

TEST_CASE("cli migrate: --dry-run on a fresh database exits 10 and lists every migration", "[cli]") {
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  const auto r = run_router(db, {"migrate", "--dry-run"});
  CHECK(r.exit_code == 10);
  for (const auto& m : router::db::config_migrations()) {
    CHECK(r.out.find(std::string(m.name)) != std::string::npos);
  }
  for (const auto& m : router::db::logs_migrations()) {
    CHECK(r.out.find(std::string(m.name)) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(db));  // a dry run creates nothing

  const auto j = run_router(db, {"--json", "migrate", "--dry-run", "--verbose"});
  CHECK(j.exit_code == 10);
  const auto doc = boost::json::parse(j.out).as_object();
  CHECK(doc.at("pending_count").as_int64() ==
        static_cast<std::int64_t>(router::db::config_migrations().size() + router::db::logs_migrations().size()));
  const auto& first = doc.at("databases").as_array().at(0).as_object();
  CHECK(first.at("database") == "config");
  CHECK(first.at("migrations").as_array().at(0).as_object().at("sql").as_string().size() > 100);
}

TEST_CASE("cli migrate: backs up a database with pending work, then --dry-run exits 0", "[cli]") {
  router::test::TempDir dir;
  const auto db = dir / "router.db";
  // An existing database without the schema: every migration is pending and a backup is due.
  {
    router::db::Database raw(db);
    raw.exec("CREATE TABLE keepme (x INTEGER); INSERT INTO keepme VALUES (42);");
  }
  const auto r = run_router(db.string(), {"migrate"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("applied 0001_init") != std::string::npos);
  std::vector<std::filesystem::path> backups;
  for (const auto& e : std::filesystem::directory_iterator(dir / "backups")) {
    backups.push_back(e.path());
  }
  REQUIRE(backups.size() == 1);  // the logs database was new: nothing to back up
  CHECK(backups[0].filename().string().starts_with("router-"));
  CHECK(backups[0].filename().string().ends_with("-v0.db"));
  {
    router::db::Database copy(backups[0]);
    CHECK(copy.sqlite().execAndGet("SELECT x FROM keepme").getInt() == 42);
    CHECK(copy.sqlite().execAndGet("SELECT count(*) FROM sqlite_schema WHERE name = 'providers'").getInt() == 0);
  }
  const auto again = run_router(db.string(), {"migrate", "--dry-run"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to migrate") != std::string::npos);

  SECTION("--no-backup skips the backup") {
    router::test::TempDir d2;
    { router::db::Database raw(d2 / "router.db"); }
    const auto nb = run_router((d2 / "router.db").string(), {"migrate", "--no-backup"});
    CHECK(nb.exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(d2 / "backups"));
  }
}

TEST_CASE("cli: unknown commands get 'did you mean' and exit 2, parse errors exit 2", "[cli]") {
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  // "stauts" became ambiguous once 'stats' existed (one edit from both); "statuss" is not.
  auto r = run_router(db, {"statuss"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("error: unknown command 'statuss' (did you mean 'status'?)") != std::string::npos);
  r = run_router(db, {"migrate", "--frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: ", 0) == 0);
  r = run_router(db, {"help", "migrate"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--dry-run") != std::string::npos);
  CHECK(r.out.find("Usage: router migrate ") != std::string::npos);
  r = run_router(db, {"help", "provider", "edit"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Usage: router provider edit ") != std::string::npos);  // the whole command path
  r = run_router(db, {"migrate", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--no-backup") != std::string::npos);
}

TEST_CASE("cli status: reports paths and schema state without creating anything", "[cli]") {
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  auto r = run_router(db, {"--json", "status"});
  REQUIRE(r.exit_code == 0);
  auto doc = boost::json::parse(r.out).as_object();
  CHECK(doc.at("paths").at("config_db").as_string() == db);
  CHECK(doc.at("paths").at("logs_db").as_string() == (dir / "router-logs.db").string());
  CHECK(doc.at("databases").as_array().at(0).at("exists") == false);
  CHECK_FALSE(std::filesystem::exists(db));

  REQUIRE(run_router(db, {"migrate"}).exit_code == 0);
  r = run_router(db, {"status"});
  CHECK(r.exit_code == 0);
  // The logs database is at v3 since its rollups are kept per endpoint (0003_endpoints).
  CHECK(r.out.find("router-logs.db\n              schema v3 (up to date)") != std::string::npos);

  // A database newer than the binary: status still reports it, then fails with exit 6 (issue 19
  // item 1; it exited 0); migrate refuses with exit 6.
  {
    router::db::Database raw(db);
    raw.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '0999_future', 'x', 0)");
  }
  r = run_router(db, {"status"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.find("newer than this binary") != std::string::npos);
  r = run_router(db, {"migrate"});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("newer than this binary") != std::string::npos);
}

TEST_CASE("cli migrate: a database that holds a client key keeps requiring one (auth.clients keys)", "[cli]") {
  // A configuration database at schema v1, from before auth.clients existed.
  auto at_v1 = [](const std::filesystem::path& path, const char* keys_sql) {
    router::db::Database d(path);
    router::db::Migrator(d, router::db::config_migrations().first(1)).apply();
    d.exec(keys_sql);
  };
  router::test::TempDir dir;
  const auto with_key = dir / "with-key.db";
  const auto revoked = dir / "revoked.db";
  const auto fresh = dir / "fresh.db";
  at_v1(with_key,
        "INSERT INTO api_keys (id, name, scope, prefix, hash, created_at) VALUES "
        "('1', 'ops', 'admin', 'rk-a', printf('%064d', 1), 0), ('2', 'app', 'client', 'rk-b', printf('%064d', 2), 0)");
  at_v1(revoked,
        "INSERT INTO api_keys (id, name, scope, prefix, hash, created_at, revoked_at) VALUES "
        "('2', 'app', 'client', 'rk-b', printf('%064d', 2), 0, 5)");

  auto r = run_router(with_key.string(), {"migrate", "--no-backup"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("0002_auth_clients") != std::string::npos);
  auto doc = router::test::router_json(with_key.string(), {"config", "get", "auth.clients"});
  CHECK(doc.at("value") == "keys");
  // The change is a revision of its own, so `router log` tells why the setting appeared.
  const auto log = router::test::router_json(with_key.string(), {"log"});
  INFO(boost::json::serialize(log));
  CHECK(boost::json::serialize(log).find("client keys existed before the setting") != std::string::npos);
  // Migrating again changes nothing.
  CHECK(run_router(with_key.string(), {"migrate", "--dry-run"}).exit_code == 0);

  // Only revoked client keys, or none: open, as the API was before the migration.
  REQUIRE(run_router(revoked.string(), {"migrate", "--no-backup"}).exit_code == 0);
  CHECK(router::test::router_json(revoked.string(), {"config", "get", "auth.clients"}).at("value") == "open");
  REQUIRE(run_router(fresh.string(), {"migrate"}).exit_code == 0);  // created at the latest schema
  CHECK(router::test::router_json(fresh.string(), {"config", "get", "auth.clients"}).at("value") == "open");
  CHECK(router::test::router_json(fresh.string(), {"config", "get", "auth.clients"}).at("is_default") == true);
}
