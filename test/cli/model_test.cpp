#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using router::test::CliDb;

TEST_CASE("cli model add, list and remove", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "p", "--type", "lm-studio"}).exit_code == 0);
  auto r = t.run({"model", "add", "gpt-4o", "--name", "GPT-4o", "--description", "omni", "--capability", "vision",
                  "--capability", "tools", "--capability", "vision"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("added model 'gpt-4o' (r2)"));
  CHECK(t.run({"model", "add", "gpt-4o"}).exit_code == 4);
  r = t.run({"model", "add", "bad model"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("invalid model id"));
  CHECK(t.run({"model", "add", "m", "--capability", "Vision!"}).exit_code == 2);
  REQUIRE(t.run({"model", "link", "p", "gpt-4o"}).exit_code == 0);
  REQUIRE(t.run({"model", "add", "other", "--capability", "tools"}).exit_code == 0);

  auto doc = t.json({"model", "list"});
  REQUIRE(doc.at("models").as_array().size() == 2);
  CHECK(doc.at("models").as_array().at(0) == boost::json::parse(R"({"id":"gpt-4o","name":"GPT-4o","description":"omni",
      "capabilities":["vision","tools"],"providers":[{"provider_id":"p","default":false,"upstream_model":null}]})"));
  CHECK(t.json({"model", "list", "--provider", "p"}).at("models").as_array().size() == 1);
  CHECK(t.json({"model", "list", "--capability", "tools"}).at("models").as_array().size() == 2);
  CHECK(t.json({"model", "list", "--capability", "vision"}).at("models").as_array().size() == 1);
  r = t.run({"model", "list", "--provider", "q"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("provider 'q' not found (did you mean 'p'?)"));
  r = t.run({"model", "list"});
  CHECK_THAT(r.out, Contains("gpt-4o") && Contains("vision,tools"));

  r = t.run({"model", "remove", "gpt-4o"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("p/gpt-4o"));
  CHECK(t.run({"model", "remove", "gpt4o", "--yes"}).exit_code == 3);
  doc = t.json({"model", "remove", "gpt-4o", "--yes"});
  CHECK(doc.at("changes").as_array().size() == 2);  // the link, then the model
  CHECK(t.json({"model", "list"}).at("models").as_array().size() == 1);
}

TEST_CASE("cli model link, unlink and default", "[cli]") {
  CliDb t;
  REQUIRE(t.run({"provider", "add", "p", "--type", "lm-studio"}).exit_code == 0);
  auto r = t.run({"model", "link", "p", "qwen3-max", "--default", "--upstream", "qwen3-max-2025"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("linked model 'qwen3-max' to provider 'p' (r2)") && Contains("create  model"));
  auto doc = t.json({"model", "link", "p", "coder", "--default"});
  const auto& changes = doc.at("changes").as_array();
  REQUIRE(changes.size() == 3);
  CHECK(changes.at(1).at("key") == "p/qwen3-max");
  CHECK(changes.at(1).at("after").at("default") == false);
  CHECK(changes.at(2).at("after") == boost::json::parse(
      R"({"provider_id":"p","model_id":"coder","default":true,"upstream_model":null,"config":{}})"));
  CHECK(t.run({"model", "link", "nope", "m"}).exit_code == 3);
  CHECK(t.run({"model", "link", "p", "bad model"}).exit_code == 2);

  r = t.run({"model", "default", "p", "qwen3-max"});
  CHECK(r.exit_code == 0);
  doc = t.json({"provider", "show", "p"});
  CHECK(doc.at("models").as_array().at(1) ==
        boost::json::parse(R"({"model_id":"qwen3-max","default":true,"upstream_model":"qwen3-max-2025"})"));
  r = t.run({"model", "default", "p", "unlinked"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("link it with 'router model link p unlinked --default'"));

  r = t.run({"model", "unlink", "p", "coder"});
  CHECK(r.exit_code == 0);
  r = t.run({"model", "unlink", "p", "coder"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("model 'coder' is not linked to provider 'p'"));
  CHECK(t.json({"model", "list"}).at("models").as_array().size() == 2);  // unlinking keeps the model
}
