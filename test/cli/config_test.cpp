#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "config/settings.hpp"
#include "support/cli.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;

TEST_CASE("cli config: list, get, set, unset and schema", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"migrate"}).exit_code == 0);  // read-only commands never create one (issue 19 item 2)
  auto r = t.run({"config", "get", "server.request_timeout"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "10m\n");

  r = t.run({"config", "set", "server.request_timeout", "90s"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // The headline, then the change as old → new (every mutation prints its change lines).
  CHECK_THAT(r.out, Catch::StartsWith("set server.request_timeout (r1)\n") && Contains("10m (default) → 90s"));
  CHECK(t.run({"config", "get", "server.request_timeout"}).out == "90s\n");
  auto doc = t.json({"config", "get", "server.request_timeout"});
  CHECK(doc == boost::json::parse(R"({"key":"server.request_timeout","value":90000,"default":600000,
      "is_default":false,"type":"duration","description":"Upper bound on one client request, streams included"})"));
  CHECK(t.json({"config", "set", "routing.retry_on", "429,5xx"}).at("changes").as_array().at(0).at("after") ==
        boost::json::parse(R"({"key":"routing.retry_on","value":["429","5xx"]})"));

  doc = t.json({"config", "list"});
  const auto& settings = doc.at("settings").as_array();
  CHECK(settings.size() == router::config::setting_decls().size());
  r = t.run({"config", "list"});
  CHECK_THAT(r.out, Contains("server.request_timeout") && Contains("90s") && Contains("default"));

  r = t.run({"config", "set", "routing.fallbak", "true"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("unknown setting 'routing.fallbak' (did you mean 'routing.fallback'?)"));
  r = t.run({"config", "set", "routing.max_attempts", "0"});
  CHECK(r.exit_code == 2);
  CHECK(t.run({"config", "get", "nope"}).exit_code == 2);
  r = t.run({"config", "set", "active_provider", "ghost"});
  CHECK(r.exit_code == 3);

  r = t.run({"config", "unset", "server.request_timeout"});
  CHECK(r.exit_code == 0);
  CHECK(t.run({"config", "get", "server.request_timeout"}).out == "10m\n");
  CHECK(t.run({"config", "unset", "server.request_timeout"}).out ==
        "unset server.request_timeout (back to its default): nothing changed\n");

  doc = t.json({"config", "schema"});
  const auto& first = doc.at("settings").as_array().at(0).as_object();
  CHECK(first.at("key") == "active_provider");
  for (const auto* field : {"key", "type", "default", "description"}) {
    CHECK(first.contains(field));
  }
  r = t.run({"config", "schema"});
  CHECK_THAT(r.out, Contains("full|metadata|off"));
}
