#include <catch2/catch.hpp>

#include <filesystem>

#include <boost/json.hpp>

#include "db/database.hpp"
#include "secrets/secrets.hpp"
#include "support/cli.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;

namespace {

constexpr const char* kSecret = "sk-rawbytes-Q7f3LmZ9vX2pT8kR";

// Every byte the configuration database has on disk: the main file, its WAL and shared memory.
std::string database_bytes(const std::string& db) {
  std::string bytes;
  for (const auto* suffix : {"", "-wal", "-shm"}) {
    bytes += router::test::read_file(db + suffix);
  }
  return bytes;
}

}  // namespace

TEST_CASE("cli secrets: the database file never holds a plaintext secret", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"migrate"}).exit_code == 0);  // read-only commands never create one (issue 19 item 2)
  REQUIRE(t.run({"list"}).exit_code == 0);
  // An open connection keeps the router processes from checkpointing and deleting the WAL on
  // exit, so the new pages are still in the -wal file when the bytes are read.
  router::db::Database holder(t.db);
  auto r = t.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=https://api.example.com/v1",
                  "--secret", std::string("apiKey=") + kSecret});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(kSecret) == std::string::npos);
  // Edits, reads and history all pass through the same files.
  REQUIRE(t.run({"provider", "edit", "oa", "--priority", "2"}).exit_code == 0);
  REQUIRE(t.run({"provider", "show", "oa", "--reveal"}).out.find(kSecret) != std::string::npos);
  REQUIRE(std::filesystem::file_size(t.db + "-wal") > 0);
  const auto bytes = database_bytes(t.db);
  REQUIRE(bytes.size() > 4096);
  CHECK(bytes.find(kSecret) == std::string::npos);
  CHECK(bytes.find("Q7f3LmZ9vX2p") == std::string::npos);
  CHECK(bytes.find("enc:v1:") != std::string::npos);  // it is there, sealed

  // A malformed --secret is refused without echoing what may be the secret.
  r = t.run({"provider", "edit", "oa", "--secret", "sk-forgot-the-key-name-01"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "error: --secret expects KEY=VALUE\n");

  // A secret read from stdin never appears in the arguments either.
  router::test::ProcessOptions in;
  in.stdin_data = std::string("sk-from-stdin-000000000001\n");
  r = t.run({"provider", "edit", "oa", "--secret", "apiKey=-"}, in);
  REQUIRE(r.exit_code == 0);
  CHECK(t.json({"provider", "show", "oa", "--reveal"}).at("config").as_array().at(1).at("value") ==
        "sk-from-stdin-000000000001");
  CHECK(database_bytes(t.db).find("sk-from-stdin") == std::string::npos);
}

TEST_CASE("cli secrets: the key file is 0600 and a missing or wrong key is a clear error", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "keeper", "--type", "anthropic", "--secret", "apiKey=sk-ant-0000000000001"}).exit_code == 0);
  const auto key_file = t.dir / "router.key";
  REQUIRE(std::filesystem::exists(key_file));
  CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  SECTION("missing key file") {
    std::filesystem::remove(key_file);
    auto r = t.run({"provider", "show", "keeper", "--reveal"});
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.err, Contains("master key missing") && Contains("'keeper'") && Contains("router.key"));
    r = t.run({"provider", "add", "other", "--type", "anthropic", "--secret", "apiKey=sk-ant-0000000000002"});
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.err, !Contains("sk-ant"));
    CHECK_FALSE(std::filesystem::exists(key_file));
    r = t.run({"provider", "show", "keeper"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("(sealed: master key unavailable)"));
  }
  SECTION("another key in ROUTER_MASTER_KEY") {
    router::test::ProcessOptions env;
    env.env["ROUTER_MASTER_KEY"] = router::secrets::MasterKey::generate().to_base64();
    const auto r = t.run({"provider", "show", "keeper", "--reveal"}, env);
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.err, Contains("wrong master key") && Contains("'keeper'"));
  }
}

TEST_CASE("cli secrets rotate: file key and ROUTER_MASTER_KEY", "[cli]") {
  CliDb t;
  auto r = t.run({"secrets", "rotate"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "no master key exists yet: nothing to rotate\n");
  REQUIRE(t.run({"provider", "add", "a", "--type", "anthropic", "--secret", "apiKey=sk-rotate-000000000001"}).exit_code == 0);
  const auto key_file = t.dir / "router.key";
  const auto before = router::test::read_file(key_file);
  const auto doc = t.json({"secrets", "rotate"});
  CHECK(doc.at("rotated") == true);
  CHECK(doc.at("configs_resealed") == 1);
  CHECK(doc.at("history_resealed") == 1);
  CHECK(doc.at("key_source") == "file");
  CHECK(doc.at("old_fingerprint") != doc.at("new_fingerprint"));
  CHECK(router::test::read_file(key_file) != before);
  CHECK(t.json({"provider", "show", "a", "--reveal"}).at("config").as_array().at(0).at("value") ==
        "sk-rotate-000000000001");
  REQUIRE(t.run({"revert", "1"}).exit_code == 0);  // history still matches the re-sealed value

  SECTION("with ROUTER_MASTER_KEY") {
    CliDb e;
    const auto current = router::secrets::MasterKey::generate();
    router::test::ProcessOptions env;
    env.env["ROUTER_MASTER_KEY"] = current.to_base64();
    REQUIRE(e.run({"provider", "add", "a", "--type", "anthropic", "--secret", "apiKey=sk-rotate-000000000002"}, env)
                .exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(e.dir / "router.key"));
    r = e.run({"secrets", "rotate"}, env);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("ROUTER_NEW_MASTER_KEY"));
    const auto next = router::secrets::MasterKey::generate();
    env.env["ROUTER_NEW_MASTER_KEY"] = next.to_base64();
    r = e.run({"secrets", "rotate"}, env);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("now set ROUTER_MASTER_KEY"));
    CHECK(e.run({"provider", "show", "a", "--reveal"}, env).exit_code == 6);  // the old variable no longer fits
    env.env["ROUTER_MASTER_KEY"] = next.to_base64();
    CHECK(e.json({"provider", "show", "a", "--reveal"}, env).at("config").as_array().at(0).at("value") ==
          "sk-rotate-000000000002");
  }
}
