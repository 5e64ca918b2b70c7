#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;

TEST_CASE("cli set: prints from → to, unknown and disabled providers are refused", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "lm-studio", "--type", "lm-studio"}).exit_code == 0);
  REQUIRE(t.run({"provider", "add", "qwen-proxy", "--type", "qwen-proxy"}).exit_code == 0);
  REQUIRE(t.run({"provider", "add", "off", "--type", "lm-studio", "--disabled"}).exit_code == 0);

  auto r = t.run({"set", "lm-studio"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "active provider: (none) → lm-studio\n");
  r = t.run({"set", "qwen-proxy", "-m", "switch for the demo"});
  CHECK(r.out == "active provider: lm-studio → qwen-proxy\n");
  r = t.run({"set", "qwen-proxy"});
  CHECK(r.out == "active provider: qwen-proxy (unchanged)\n");

  r = t.run({"set", "qwen-prxy"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: provider 'qwen-prxy' not found (did you mean 'qwen-proxy'?)\n");
  r = t.run({"set", "off"});
  CHECK(r.exit_code == 4);
  CHECK(r.err == "error: provider 'off' is disabled; enable it first with 'router provider enable off'\n");
  CHECK(t.json({"config", "get", "active_provider"}).at("value") == "qwen-proxy");

  const auto doc = t.json({"set", "lm-studio"});
  CHECK(doc.at("from") == "qwen-proxy");
  CHECK(doc.at("to") == "lm-studio");
  CHECK(doc.at("revision").is_int64());
  CHECK(doc.at("changes").as_array().at(0).at("key") == "active_provider");
}

TEST_CASE("cli list: providers with the active one marked", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"migrate"}).exit_code == 0);  // read-only commands never create one (issue 19 item 2)
  auto r = t.run({"list"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("no providers"));
  REQUIRE(t.run({"provider", "add", "a", "--type", "lm-studio", "--priority", "1"}).exit_code == 0);
  REQUIRE(t.run({"provider", "add", "b", "--type", "lm-studio", "--priority", "2"}).exit_code == 0);
  REQUIRE(t.run({"set", "a"}).exit_code == 0);
  r = t.run({"list"});
  CHECK_THAT(r.out, Contains("*  a ") && Contains("   b "));
  CHECK(r.out.find(" b ") < r.out.find(" a "));  // priority order, high first
  const auto doc = t.json({"list"});
  CHECK(doc.at("active_provider") == "a");
  CHECK(doc.at("providers").as_array().at(1).at("active") == true);
}
