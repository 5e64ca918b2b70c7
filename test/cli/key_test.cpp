#include <catch2/catch.hpp>

#include <regex>

#include <boost/json.hpp>

#include "core/hash.hpp"
#include "support/cli.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;

TEST_CASE("cli key create/list/revoke: the key is shown once and only its hash is stored", "[cli]") {
  CliDb t;
  auto r = t.run({"key", "create", "ci-bot"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("rk-[A-Za-z0-9_-]{43}\\b")));
  const std::string key = m.str();
  CHECK_THAT(r.out, Contains("created client key 'ci-bot' (r1)") && Contains("not shown again"));

  const auto admin = t.json({"key", "create", "ops", "--admin"});
  CHECK(admin.at("scope") == "admin");
  CHECK(admin.at("key").as_string().size() == 46);
  CHECK(admin.at("prefix") == admin.at("key").as_string().subview(0, 10));
  CHECK(admin.at("revision") == 2);
  CHECK_FALSE(admin.at("changes").as_array().at(0).at("after").as_object().contains("hash"));

  const auto bytes = router::test::read_file(t.db) + router::test::read_file(t.db + "-wal");
  CHECK(bytes.find(key) == std::string::npos);
  CHECK(bytes.find(router::core::sha256_hex(key)) != std::string::npos);

  const auto list = t.json({"key", "list"});
  const auto text = boost::json::serialize(list);
  CHECK(text.find(key) == std::string::npos);
  CHECK(text.find(router::core::sha256_hex(key)) == std::string::npos);
  const auto& first = list.at("keys").as_array().at(0).as_object();
  CHECK(first.at("name") == "ci-bot");
  CHECK(first.at("scope") == "client");
  CHECK(first.at("prefix").as_string() == key.substr(0, 10));
  CHECK(first.at("revoked") == false);
  CHECK(first.at("last_used_at").is_null());
  r = t.run({"key", "list"});
  CHECK_THAT(r.out, Contains("ci-bot") && Contains("admin") && !Contains(key));

  CHECK(t.run({"key", "create", "ci-bot"}).exit_code == 4);
  CHECK(t.run({"key", "create", "bad name"}).exit_code == 2);
  r = t.run({"key", "revoke", "ci-bto"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("did you mean 'ci-bot'?"));
  r = t.run({"key", "revoke", "ci-bot"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("revoked key 'ci-bot' (r3)\n") && Contains("revoked: false → true"));
  CHECK(t.run({"key", "revoke", "ci-bot"}).out == "revoked key 'ci-bot': nothing changed\n");
  CHECK(t.json({"key", "list"}).at("keys").as_array().at(0).at("revoked") == true);
  CHECK(t.json({"show", "3"}).at("changes").as_array().at(0).at("entity") == "api_key");
}

TEST_CASE("cli key create: a client key says what auth.clients makes of it, status shows the setting", "[cli]") {
  CliDb t;
  auto r = t.run({"key", "create", "ci-bot"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("auth.clients is open") && Contains("'router config set auth.clients keys'"));
  CHECK(t.json({"key", "create", "bot2"}).at("auth_clients") == "open");
  CHECK(t.json({"status"}).at("auth_clients") == "open");
  CHECK_THAT(t.run({"status"}).out, Contains("auth.clients  open"));

  REQUIRE(t.run({"config", "set", "auth.clients", "keys"}).exit_code == 0);
  r = t.run({"key", "create", "bot3"});
  CHECK_THAT(r.out, Contains("auth.clients is keys") && !Contains("auth.clients is open"));
  // Admin keys are required on admin routes whatever the setting.
  CHECK_THAT(t.run({"key", "create", "ops", "--admin"}).out, !Contains("auth.clients"));
  CHECK_FALSE(t.json({"key", "create", "ops2", "--admin"}).contains("auth_clients"));
  CHECK(t.json({"status"}).at("auth_clients") == "keys");
  CHECK_THAT(t.run({"status"}).out, Contains("auth.clients  keys"));
  CHECK(t.run({"config", "set", "auth.clients", "closed"}).exit_code == 2);
}
