#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using router::test::CliDb;

TEST_CASE("cli log/show/revert: a revert restores the earlier configuration exactly", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=https://a.example/v1", "--secret",
                 "apiKey=sk-history-0000000000aaaa", "-m", "first provider"})
              .exit_code == 0);
  REQUIRE(t.run({"set", "oa"}).exit_code == 0);
  const auto earlier = router::test::config_snapshot(t.db);

  // r3 changes several entities at once, including the secret.
  REQUIRE(t.run({"provider", "edit", "oa", "--name", "Renamed", "--set", "baseURL=https://b.example/v1", "--secret",
                 "apiKey=sk-history-0000000000bbbb", "--set", "timeout=5s"})
              .exit_code == 0);
  REQUIRE(router::test::config_snapshot(t.db) != earlier);

  auto r = t.run({"log"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("REV") && Contains("r3") && Contains("first provider"));
  auto log = t.json({"log", "-n", "2"});
  REQUIRE(log.at("revisions").as_array().size() == 2);
  const auto& newest = log.at("revisions").as_array().at(0).as_object();
  CHECK(newest.at("rev") == 3);
  CHECK(newest.at("change_count") == 4);
  for (const auto* field : {"rev", "at", "actor", "source", "message", "change_count"}) {
    CHECK(newest.contains(field));
  }

  const auto show = t.json({"show", "r3"});
  CHECK(show.at("message") == "edit provider oa");
  const auto& changes = show.at("changes").as_array();
  REQUIRE(changes.size() == 4);
  CHECK(changes.at(0).at("seq") == 1);
  const auto text = boost::json::serialize(show);
  CHECK_THAT(text, Contains("sk-…aaaa") && Contains("sk-…bbbb") && !Contains("enc:v1:") && !Contains("sealed") &&
                       !Contains("0000000000"));
  r = t.run({"show", "3"});
  CHECK_THAT(r.out, StartsWith("r3") && Contains("update provider_config oa/apiKey") && Contains("sk-…bbbb"));

  r = t.run({"revert", "r3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("reverted r3 (r4)"));
  CHECK(router::test::config_snapshot(t.db) == earlier);
  CHECK(t.json({"show", "4"}).at("message") == "revert r3: edit provider oa");
  CHECK(t.json({"provider", "show", "oa", "--reveal"}).at("config").as_array().at(1).at("value") ==
        "sk-history-0000000000aaaa");

  // Reverting the revert is a redo.
  REQUIRE(t.run({"revert", "4"}).exit_code == 0);
  CHECK(t.json({"provider", "show", "oa"}).at("name") == "Renamed");
}

TEST_CASE("cli revert: conflicts, unknown revisions and bad numbers", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "p", "--type", "lm-studio"}).exit_code == 0);
  REQUIRE(t.run({"provider", "edit", "p", "--priority", "3"}).exit_code == 0);
  auto r = t.run({"revert", "1"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "error: cannot revert r1: r2 changed provider 'p' since; revert r2 first\n");
  r = t.run({"revert", "9"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("revision r9 not found (revisions run from r1 to r2)"));
  CHECK(t.run({"show", "9"}).exit_code == 3);
  CHECK(t.run({"show", "x9"}).exit_code == 2);
  REQUIRE(t.run({"revert", "2"}).exit_code == 0);
  REQUIRE(t.run({"revert", "1"}).exit_code == 0);
  CHECK(t.json({"provider", "list"}).at("providers").as_array().empty());
  CHECK(router::test::config_snapshot(t.db).empty());
}
