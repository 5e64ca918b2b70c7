// Issue 19 item 12 (backup names the master key, --with-key, restore) and issue 12 item 8 (every
// backup 0600, a directory the router creates 0700).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <SQLiteCpp/Database.h>

#include <boost/json.hpp>
#include <fstream>

#include "support/cli.hpp"

using router::test::CliDb;

namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777U;
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool has_provider(const std::string& db, const std::string& id) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  SQLite::Statement q(d, "SELECT count(*) FROM providers WHERE id = ?");
  q.bind(1, id);
  q.executeStep();
  return q.getColumn(0).getInt() == 1;
}

}  // namespace

TEST_CASE("backup: files are 0600 in a new 0700 directory, whatever the umask", "[cli][backup][security]") {
  CliDb c;
  REQUIRE(c.run({"provider", "add", "p1", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--secret",
                 "apiKey=sk-test-1234"})
              .exit_code == 0);
  const auto old_mask = ::umask(0022);  // the children inherit it: files would be 0644
  const auto dir = c.dir / "snapshots" / "nested";
  const auto r = c.run({"backup", dir.string()});
  ::umask(old_mask);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto files = files_in(dir);
  REQUIRE(files.size() == 2);
  for (const auto& f : files) {
    CHECK(mode_of(f) == 0600);
  }
  CHECK(mode_of(dir) == 0700);
  // The master key is named as missing from the backup.
  CHECK(r.out.find("not included") != std::string::npos);
  CHECK(r.out.find("--with-key") != std::string::npos);

  SECTION("migration backups are 0600 too") {
    CliDb m;
    { SQLite::Database raw(m.db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); raw.exec("CREATE TABLE t (x)"); }
    ::umask(0022);
    const auto mr = m.run({"migrate"});
    ::umask(old_mask);
    REQUIRE(mr.exit_code == 0);
    const auto backups = files_in(m.dir / "backups");
    REQUIRE(backups.size() == 1);
    CHECK(mode_of(backups[0]) == 0600);
    CHECK(mode_of(m.dir / "backups") == 0700);
  }
}

TEST_CASE("backup --with-key: the master key beside the snapshots, 0600", "[cli][backup][security]") {
  CliDb c;
  REQUIRE(c.run({"provider", "add", "p1", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--secret",
                 "apiKey=sk-test-1234"})
              .exit_code == 0);
  const auto doc = c.json({"backup", "--with-key", (c.dir / "b").string()});
  REQUIRE(doc.at("master_key").at("included").as_bool());
  const std::filesystem::path key = std::string(doc.at("master_key").at("path").as_string());
  CHECK(mode_of(key) == 0600);
  CHECK(router::test::read_file(key) == router::test::read_file(c.dir / "router.key"));
  const auto without = c.json({"backup", (c.dir / "b2").string()});
  CHECK_FALSE(without.at("master_key").at("included").as_bool());
}

TEST_CASE("backup: with no secret sealed yet, no key file is named", "[cli][backup]") {
  CliDb c;
  REQUIRE(c.run({"provider", "add", "p1", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1"}).exit_code == 0);
  REQUIRE_FALSE(std::filesystem::exists(c.dir / "router.key"));
  const auto r = c.run({"backup", (c.dir / "b").string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("no secret was ever sealed") != std::string::npos);
  CHECK(r.out.find("router.key") == std::string::npos);
}

TEST_CASE("restore: puts a backup back, keeping what it replaced", "[cli][backup]") {
  CliDb c;
  REQUIRE(c.run({"provider", "add", "keep", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1"}).exit_code == 0);
  const auto doc = c.json({"backup", (c.dir / "b").string()});
  std::string config_backup;
  std::string logs_backup;
  for (const auto& b : doc.at("backups").as_array()) {
    (b.at("database").as_string() == "config" ? config_backup : logs_backup) = std::string(b.at("backup").as_string());
  }
  REQUIRE(c.run({"provider", "add", "later", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1"}).exit_code ==
          0);
  REQUIRE(has_provider(c.db, "later"));

  const auto r = c.run({"restore", config_backup, logs_backup});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has_provider(c.db, "keep"));
  CHECK_FALSE(has_provider(c.db, "later"));
  CHECK(r.out.find("integrity ok") != std::string::npos);
  // What it replaced is kept, 0600.
  std::filesystem::path before;
  for (const auto& f : files_in(c.dir / "backups")) {
    if (f.filename().string().starts_with("router-2") && f.filename().string().ends_with("-before-restore.db")) {
      before = f;
    }
  }
  REQUIRE(!before.empty());
  CHECK(mode_of(before) == 0600);
  CHECK(has_provider(before.string(), "later"));
  // The restored database works with every command.
  CHECK(c.run({"provider", "show", "keep"}).exit_code == 0);
  CHECK(c.run({"history"}).exit_code == 0);
}

TEST_CASE("restore: refuses a damaged, foreign or newer backup, and a served database", "[cli][backup]") {
  CliDb c;
  REQUIRE(c.run({"migrate"}).exit_code == 0);
  const auto snapshot = router::test::config_snapshot(c.db);

  SECTION("not a database") {
    const auto junk = c.dir / "junk.db";
    std::ofstream(junk) << std::string(8192, 'x');
    const auto r = c.run({"restore", junk.string()});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("error: ") == 0);
  }
  SECTION("not a router database") {
    const auto other = c.dir / "other.db";
    { SQLite::Database d(other.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); d.exec("CREATE TABLE t (x)"); }
    const auto r = c.run({"restore", other.string()});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("not a router backup") != std::string::npos);
  }
  SECTION("a newer schema") {
    const auto doc = c.json({"backup", (c.dir / "b").string()});
    const std::string b(doc.at("backups").as_array()[0].at("backup").as_string());
    {
      SQLite::Database d(b, SQLite::OPEN_READWRITE);
      d.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '0999_x', 'x', 0)");
    }
    const auto r = c.run({"restore", b});
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("newer than this binary") != std::string::npos);
  }
  SECTION("a missing file") {
    CHECK(c.run({"restore", (c.dir / "nope.db").string()}).exit_code == 3);
  }
  SECTION("while a server serves the database") {
    const auto doc = c.json({"backup", (c.dir / "b").string()});
    const std::string b(doc.at("backups").as_array()[0].at("backup").as_string());
    router::test::ServeProcess serve(c.db, c.dir / "serve.log");
    REQUIRE(serve.port() != 0);
    const auto r = c.run({"restore", b});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("a server serves this database (pid " + std::to_string(serve.pid())) != std::string::npos);
  }
  CHECK(router::test::config_snapshot(c.db) == snapshot);  // nothing changed
  CHECK_FALSE(std::filesystem::exists(c.dir / "backups"));  // and nothing was saved as replaced
}
