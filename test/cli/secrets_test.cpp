#include <catch2/catch.hpp>

#include <filesystem>

#include <boost/json.hpp>

#include <unistd.h>

#include "core/clock.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "secrets/secrets.hpp"
#include "support/cli.hpp"
#include "support/mock_upstream.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using router::test::CliDb;
using router::test::MockUpstream;

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

namespace {


constexpr const char* kModels = R"({"object":"list","data":[{"id":"m-1","object":"model"}]})";

}  // namespace

// Issue 12 item 6: env: could name any variable of the process, the master key included.
TEST_CASE("cli secrets: env: references must match secrets.env_allow and never name ROUTER_*", "[cli][security]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModels));
  CliDb t;
  const std::string base = "baseURL=" + up.url("/v1");
  auto r = t.run({"provider", "add", "oa", "--type", "openai", "--set", base, "--secret", "apiKey=env:ROUTER_MASTER_KEY"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("'apiKey' cannot refer to environment variable ROUTER_MASTER_KEY") &&
                        Contains("never allowed"));
  r = t.run({"provider", "add", "oa", "--type", "openai", "--set", base, "--secret", "apiKey=env:HOME"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("HOME, which setting secrets.env_allow does not allow (patterns: "
                             "*_API_KEY,*_TOKEN,*_COOKIES,*_SECRET)"));
  REQUIRE(t.json({"provider", "list"}).at("providers").as_array().empty());

  r = t.run({"provider", "add", "oa", "--type", "openai", "--set", base, "--secret", "apiKey=env:UPSTREAM_API_KEY"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  router::test::ProcessOptions env;
  env.env["UPSTREAM_API_KEY"] = "sk-from-env-000000000001";
  r = t.run({"test", "oa"}, env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests().back().header("authorization") == "Bearer sk-from-env-000000000001");

  // The setting: validated, and narrowing it refuses stored references at use time.
  r = t.run({"config", "set", "secrets.env_allow", "*_KEY,bad-pattern"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("a pattern is 1 to 128 letters, digits, '_' and the wildcards"));
  REQUIRE(t.run({"config", "set", "secrets.env_allow", "QWEN_?OKEN"}).exit_code == 0);
  r = t.run({"test", "oa"}, env);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.out + r.err, Contains("'apiKey' refers to environment variable UPSTREAM_API_KEY, which setting "
                                     "secrets.env_allow does not allow (patterns: QWEN_?OKEN)"));
  CHECK(up.requests().size() == 1);
  REQUIRE(t.run({"config", "unset", "secrets.env_allow"}).exit_code == 0);

  // A reference to the master key planted before this rule existed: `router test` and
  // `model sync` refuse it and never send anything upstream.
  router::test::put_config_row(t.db, "oa", "apiKey", boost::json::string("env:ROUTER_MASTER_KEY"), true);
  router::test::ProcessOptions with_master;
  with_master.env["ROUTER_MASTER_KEY"] = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  r = t.run({"test", "oa"}, with_master);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.out + r.err, Contains("environment variable ROUTER_MASTER_KEY (ROUTER_* variables are the router's own"));
  r = t.run({"model", "sync", "oa"}, with_master);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Contains("ROUTER_MASTER_KEY"));
  CHECK(up.requests().size() == 1);
}

// Issue 12 item 7 on the CLI: `headers` is a secret; it cannot break the request head or
// duplicate a credential; credentials with line breaks are refused instead of dropped.
TEST_CASE("cli secrets: headers are sealed and masked, and refuse what would break the request head",
          "[cli][security]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModels));
  CliDb t;
  REQUIRE(t.run({"migrate"}).exit_code == 0);
  router::db::Database holder(t.db);  // keeps the WAL on disk for database_bytes()
  const std::string base = "baseURL=" + up.url("/v1");
  const std::string secret = "team-header-secret-7Q2W9E4R";
  const std::string headers = R"(headers={"X-Team":")" + secret + "\"}";

  auto r = t.run({"provider", "add", "oa", "--type", "openai", "--set", base, "--set", headers});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("'headers' is sensitive: give it with --secret headers=JSON"));
  r = t.run({"provider", "add", "oa", "--type", "openai", "--set", base, "--secret", headers});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(secret) == std::string::npos);
  auto shown = t.run({"provider", "show", "oa"});
  CHECK(shown.out.find(secret) == std::string::npos);
  CHECK_THAT(shown.out, Contains("X-Team") && Contains("…9E4R"));
  const auto revealed = t.json({"provider", "show", "oa", "--reveal"});
  for (const auto& c : revealed.at("config").as_array()) {
    if (c.at("key") == "headers") {
      CHECK(c.at("value").at("X-Team").as_string() == secret);
    }
  }
  CHECK(t.run({"log", "-n", "10"}).out.find(secret) == std::string::npos);
  CHECK(t.run({"--json", "show", "r1"}).out.find(secret) == std::string::npos);
  REQUIRE(t.run({"test", "oa"}).exit_code == 0);
  CHECK(up.requests().back().header("x-team") == secret);
  CHECK(database_bytes(t.db).find(secret) == std::string::npos);

  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"({"Host":"evil.example"})", "the header 'Host' is set by the router itself"},
      {R"({"CONTENT-LENGTH":"0"})", "the header 'CONTENT-LENGTH' is set by the router itself"},
      {R"({"transfer-encoding":"chunked"})", "the header 'transfer-encoding' is set by the router itself"},
      {R"({"Connection":"close"})", "the header 'Connection' is set by the router itself"},
      {R"({"X-A":"1\r\nX-Injected: 1"})", "header values must be strings without NUL, CR or LF"},
      {R"({"X-A":"1\u0000"})", "header values must be strings without NUL, CR or LF"},
      {R"({"X-A\nB":"1"})", "header names must be HTTP tokens"},
  };
  for (const auto& [json, why] : refused) {
    INFO(json);
    r = t.run({"provider", "edit", "oa", "--secret", "headers=" + json});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(why));
  }
  r = t.run({"provider", "edit", "oa", "--secret", "apiKey=sk-with-break-00001\r\nX-Injected: 1"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("a credential cannot contain NUL, CR or LF"));
  CHECK(r.err.find("sk-with-break") == std::string::npos);

  // Authorization from headers and from apiKey: refused in either order.
  REQUIRE(t.run({"provider", "edit", "oa", "--secret", R"(headers={"Authorization":"Bearer hdr-000000000001"})"})
              .exit_code == 0);
  r = t.run({"provider", "edit", "oa", "--secret", "apiKey=sk-second-credential-01"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("'headers' sets 'Authorization', which 'apiKey' already sends for type 'openai'"));
  REQUIRE(t.run({"provider", "add", "an", "--type", "anthropic", "--secret", "apiKey=sk-ant-000000000001"}).exit_code == 0);
  r = t.run({"provider", "edit", "an", "--secret", R"(headers={"X-Api-Key":"sk-ant-other-0001"})"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("'headers' sets 'X-Api-Key', which 'apiKey' already sends for type 'anthropic'"));
}

// `headers` rows stored in plain text before it became sensitive keep working, are masked on
// every output, are sealed by the next configuration write, and meet the header rules on use.
TEST_CASE("cli secrets: plain headers stored by an older version are masked, used, then sealed", "[cli][security]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModels));
  CliDb t;
  REQUIRE(t.run({"migrate"}).exit_code == 0);  // creates the database; no configuration write yet
  const std::string secret = "legacy-header-secret-KQ81Z";
  const boost::json::object legacy_doc{
      {"provider_id", "oa"}, {"key", "headers"}, {"sensitive", false}, {"value", boost::json::object{{"X-Legacy", secret}}}};
  {
    // What an older version left: a plain row and the revision that recorded it.
    router::db::Database d(t.db);
    d.write([&] {
      const auto now = router::core::now_ms();
      router::db::ProviderRepository(d).insert(router::db::Provider{"oa", "oa", "openai", true, 0, "", now, now});
      router::db::ProviderRepository(d).put_config(router::db::ProviderConfigValue{
          "oa", "baseURL", boost::json::serialize(boost::json::value(up.url("/v1"))), false, now, now});
      router::db::RevisionRepository revisions(d);
      const auto rev = revisions.insert(router::db::Revision{0, now, "old", "cli", "edit provider oa", 0});
      revisions.insert_change(router::db::Change{rev, 1, "provider_config", "oa/headers", "create", std::nullopt,
                                                 boost::json::serialize(legacy_doc)});
    });
  }
  router::test::put_config_row(t.db, "oa", "headers", legacy_doc.at("value"), false);

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"provider", "show", "oa"}, {"--json", "provider", "show", "oa"}, {"--json", "show", "r1"}, {"log"}}) {
    const auto r = t.run(args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(secret) == std::string::npos);
  }
  CHECK_THAT(t.run({"--json", "show", "r1"}).out, Contains("X-Legacy") && Contains("\u2026Q81Z"));
  REQUIRE(t.run({"test", "oa"}).exit_code == 0);
  CHECK(up.requests().back().header("x-legacy") == secret);

  // Any write seals it in place: the live row and the revision documents.
  const auto r = t.run({"provider", "edit", "oa", "--priority", "3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  {
    router::db::Database d(t.db);
    const auto row = router::db::ProviderRepository(d).find_config("oa", "headers");
    REQUIRE(row);
    CHECK(row->sensitive);
    CHECK(row->value_json.starts_with("\"enc:v1:"));
    const auto changes = router::db::RevisionRepository(d).changes_of("provider_config");
    REQUIRE(changes.size() == 1);
    REQUIRE(changes[0].after_json);
    CHECK(changes[0].after_json->find(secret) == std::string::npos);
    CHECK(changes[0].after_json->find("enc:v1:") != std::string::npos);
  }
  REQUIRE(t.run({"test", "oa"}).exit_code == 0);
  CHECK(up.requests().back().header("x-legacy") == secret);
  CHECK(t.run({"provider", "show", "oa", "--reveal"}).out.find(secret) != std::string::npos);

  // A stored framing header is refused on use, with the provider named.
  router::test::put_config_row(t.db, "oa", "headers", boost::json::object{{"Host", "evil.example"}}, false);
  const auto bad = t.run({"test", "oa"});
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.out + bad.err,
             Contains("provider 'oa': invalid value for 'headers': the header 'Host' is set by the router itself"));
  CHECK(up.requests().size() == 2);
}

// Issue 12 items 9 and 10, issue 19 item 13: the database directory and its files.
TEST_CASE("cli secrets: an unsafe or foreign database directory is refused, loose files are warned about",
          "[cli][security]") {
  namespace fs = std::filesystem;
  CliDb t;
  REQUIRE(t.run({"provider", "add", "an", "--type", "anthropic", "--secret", "apiKey=sk-ant-000000000001"}).exit_code == 0);
  const auto dir = t.dir.path();

  SECTION("group- or other-writable without the sticky bit") {
    for (const auto mode : {fs::perms::group_write, fs::perms::others_write}) {
      fs::permissions(dir, fs::perms::owner_all | mode);
      const auto r = t.run({"list"});
      CHECK(r.exit_code == 6);
      CHECK_THAT(r.err, StartsWith("error: the database directory '" + dir.string() + "' is writable by group or others") &&
                            Contains("fix it with: chmod 700 '" + dir.string() + "'"));
      CHECK(r.out.empty());
    }
    fs::permissions(dir, fs::perms::owner_all | fs::perms::others_all | fs::perms::sticky_bit);
    CHECK(t.run({"list"}).exit_code == 0);  // a sticky directory stops others replacing our files
  }

  SECTION("a key or database file readable by group or others: one warning each, every command") {
    fs::permissions(dir / "router.key", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    fs::permissions(t.db, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    for (int i = 0; i < 2; ++i) {
      const auto r = t.run({"--json", "provider", "list"});
      INFO(r.err);
      CHECK(r.exit_code == 0);
      CHECK(boost::json::parse(r.out).is_object());  // stdout stays a clean document
      const auto key_warning = "warning: '" + (dir / "router.key").string() + "' is readable by group or others (mode "
                                                                              "0604); fix it with: chmod 600 '" +
                               (dir / "router.key").string() + "'\n";
      CHECK_THAT(r.err, Contains(key_warning));
      CHECK_THAT(r.err, Contains("warning: '" + t.db + "' is readable by group or others (mode 0640)"));
      CHECK(r.err.find(key_warning) == r.err.rfind(key_warning));
    }
    fs::permissions(dir / "router.key", fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(t.db, fs::perms::owner_read | fs::perms::owner_write);
    CHECK(t.run({"list"}).err.empty());
  }

  SECTION("a directory another user owns: nothing is created in it") {
    router::test::TempDir other;
    REQUIRE(::chown(other.path().c_str(), 65534, 65534) == 0);
    const auto db = (other.path() / "router.db").string();
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"list"}, {"provider", "add", "an", "--type", "anthropic", "--secret", "apiKey=sk-ant-000000000002"}}) {
      const auto r = router::test::run_router(db, args);
      CHECK(r.exit_code == 6);
      CHECK_THAT(r.err, Contains("the database directory '" + other.path().string() + "' belongs to uid 65534") &&
                            Contains("run the command as that user"));
    }
    CHECK(fs::is_empty(other.path()));
  }
}
