// Issue 19 item 1: `router status` describes the servers of *its* database, found through the
// server records, verified through /health's database_id; it fails (exit 6) on a refused database.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <SQLiteCpp/Database.h>

#include <boost/json.hpp>

#include "support/cli.hpp"
#include "support/http_client.hpp"

using router::test::CliDb;
using router::test::ServeProcess;

namespace {

std::string database_id(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet("SELECT value FROM meta WHERE key = 'database_id'").getString();
}

}  // namespace

TEST_CASE("status: a database gets a random identity at creation, and /health reports it", "[cli][status]") {
  CliDb a;
  CliDb b;
  REQUIRE(a.run({"migrate"}).exit_code == 0);
  REQUIRE(b.run({"migrate"}).exit_code == 0);
  const auto id = database_id(a.db);
  CHECK(id.size() == 32);
  CHECK(id != database_id(b.db));

  ServeProcess serve(a.db, a.dir / "serve.log");
  INFO(serve.log());
  REQUIRE(serve.port() != 0);
  const auto h = router::test::http_request(serve.port(), "GET", "/health", "");
  REQUIRE(h.status == 200);
  CHECK(boost::json::parse(h.body).at("database_id").as_string() == id);
}

TEST_CASE("status: reports the server recorded for this database, wherever it listens", "[cli][status]") {
  CliDb a;
  REQUIRE(a.run({"migrate"}).exit_code == 0);
  auto serve = std::make_unique<ServeProcess>(a.db, a.dir / "serve.log");
  INFO(serve->log());
  REQUIRE(serve->port() != 0);

  // The record: beside the database, owner-only.
  const auto record = a.dir / ("router.serve-" + std::to_string(serve->pid()) + ".json");
  struct stat st {};
  REQUIRE(::stat(record.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // server.listen still says 3001: status must not look there.
  const auto doc = a.json({"status"});
  const auto& server = doc.at("server").as_object();
  CHECK(server.at("running").as_bool());
  REQUIRE(server.at("servers").as_array().size() == 1);
  const auto& s = server.at("servers").as_array()[0].as_object();
  CHECK(s.at("listen").as_string() == serve->listen());
  CHECK(s.at("pid").as_int64() == serve->pid());
  CHECK(s.at("verified").as_bool());
  CHECK(s.at("version").as_string().size() > 0);
  CHECK(s.at("heartbeat_at").as_string().size() > 0);

  const auto human = a.run({"status"});
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("http://" + serve->listen() + "  running (pid " + std::to_string(serve->pid())) !=
        std::string::npos);

  // An unrelated database whose server.listen names the same port sees no server of its own.
  CliDb b;
  REQUIRE(b.run({"config", "set", "server.listen", serve->listen()}).exit_code == 0);
  const auto other = b.json({"status"});
  CHECK_FALSE(other.at("server").at("running").as_bool());
  CHECK(other.at("server").at("servers").as_array().empty());
  CHECK(b.run({"status"}).out.find("not running") != std::string::npos);

  // A stopped server removes its record.
  REQUIRE(serve->stop() == 0);
  CHECK_FALSE(std::filesystem::exists(record));
  CHECK_FALSE(a.json({"status"}).at("server").at("running").as_bool());
}

TEST_CASE("status: a record copied from another database is not verified", "[cli][status]") {
  CliDb a;
  CliDb b;
  REQUIRE(a.run({"migrate"}).exit_code == 0);
  REQUIRE(b.run({"migrate"}).exit_code == 0);
  ServeProcess serve(a.db, a.dir / "serve.log");
  REQUIRE(serve.port() != 0);
  // b's directory gets a's live record (same pid, fresh heartbeat): /health names a's id.
  const auto from = a.dir / ("router.serve-" + std::to_string(serve.pid()) + ".json");
  std::filesystem::copy_file(from, b.dir / from.filename().string());
  const auto doc = b.json({"status"});
  CHECK_FALSE(doc.at("server").at("running").as_bool());
  REQUIRE(doc.at("server").at("servers").as_array().size() == 1);
  CHECK_FALSE(doc.at("server").at("servers").as_array()[0].at("verified").as_bool());
  CHECK(b.run({"status"}).out.find("serves another database") != std::string::npos);
}

TEST_CASE("status: a refused database is exit 6 after the report", "[cli][status]") {
  CliDb a;
  REQUIRE(a.run({"migrate"}).exit_code == 0);
  {
    SQLite::Database raw(a.db, SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, '0999_future', 'x', 0)");
  }
  const auto r = a.run({"status"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.find("config db") != std::string::npos);  // the report is still printed
  CHECK(r.err.find("newer than this binary") != std::string::npos);
  CHECK(a.run({"--json", "status"}).exit_code == 6);
}
