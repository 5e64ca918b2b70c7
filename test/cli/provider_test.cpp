#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using router::test::CliDb;

namespace {

const std::vector<std::string> kOpenAi{"provider", "add",   "oa",
                                       "--type",   "openai", "--set",
                                       "baseURL=https://api.example.com/v1", "--secret", "apiKey=sk-test-abcdefgh12345678"};

}  // namespace

TEST_CASE("cli provider types: lists every type and its keys", "[cli]") {
  CliDb t;
  const auto r = t.run({"provider", "types"});
  REQUIRE(r.exit_code == 0);
  for (const auto* type : {"openai", "lm-studio", "qwen-proxy", "qwen-direct", "anthropic"}) {
    CHECK_THAT(r.out, Contains(type));
  }
  const auto doc = t.json({"provider", "types"});
  const auto& types = doc.at("types").as_array();
  CHECK(types.size() == 5);
  const auto& first = types.at(0).as_object();
  CHECK(first.at("name") == "anthropic");
  const auto& key = first.at("keys").as_array().at(0).as_object();
  for (const auto* field : {"name", "type", "required", "sensitive", "default", "description"}) {
    CHECK(key.contains(field));
  }
  CHECK(key.at("name") == "apiKey");
  CHECK(key.at("sensitive") == true);
}

TEST_CASE("cli provider add: happy path, --json outcome, and every refusal with its exit code", "[cli]") {
  CliDb t;
  auto r = t.run(kOpenAi);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("added provider 'oa' (r1)"));
  CHECK_THAT(r.out, Contains("sk-…5678"));
  CHECK_THAT(r.out, !Contains("abcdefgh"));

  const auto doc = t.json({"provider", "add", "lm", "--type", "lm-studio", "--name", "LM box", "--priority", "5",
                           "--description", "the GPU box", "--disabled", "-m", "add the box", "--actor", "ci"});
  CHECK(doc.at("revision") == 2);
  CHECK(doc.at("dry_run") == false);
  const auto& change = doc.at("changes").as_array().at(0).as_object();
  CHECK(change.at("entity") == "provider");
  CHECK(change.at("key") == "lm");
  CHECK(change.at("op") == "create");
  CHECK(change.at("before").is_null());
  CHECK(change.at("after") == boost::json::parse(R"({"id":"lm","name":"LM box","type":"lm-studio","enabled":false,
                                                    "priority":5,"description":"the GPU box"})"));
  const auto log = t.json({"log", "-n", "1"}).at("revisions").as_array().at(0).as_object();
  CHECK(log.at("actor") == "ci");
  CHECK(log.at("message") == "add the box");

  struct Refusal {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Refusal> refusals{
      {{"provider", "add", "x", "--type", "opnai"}, 2, "unknown provider type 'opnai' (did you mean 'openai'?)"},
      {{"provider", "add", "Bad_Id", "--type", "lm-studio"}, 2, "invalid provider id 'Bad_Id'"},
      {{"provider", "add", "oa", "--type", "lm-studio"}, 4, "provider 'oa' already exists"},
      {{"provider", "add", "x", "--type", "lm-studio", "--name", "LM box"}, 4, "name 'LM box' is already used by provider 'lm'"},
      {{"provider", "add", "x", "--type", "openai"}, 2, "provider 'x' (type 'openai') requires config 'baseURL'"},
      {{"provider", "add", "x", "--type", "openai", "--set", "baseURL=https://a.example/v1", "--set", "apiKey=sk-123456789012"},
       2, "'apiKey' is sensitive: give it with --secret apiKey=VALUE"},
      {{"provider", "add", "x", "--type", "lm-studio", "--secret", "baseURL=http://h:1/v1"}, 2,
       "'baseURL' is not sensitive: give it with --set baseURL=VALUE"},
      {{"provider", "add", "x", "--type", "lm-studio", "--set", "baseUrl=http://h:1/v1"}, 2,
       "unknown config key 'baseUrl' for type 'lm-studio' (did you mean 'baseURL'?)"},
      {{"provider", "add", "x", "--type", "lm-studio", "--set", "baseURL"}, 2, "--set expects KEY=VALUE"},
      {{"provider", "add", "x", "--type", "lm-studio", "--set", "timeout=soon"}, 2, "invalid"},
      {{"provider", "add", "x", "--type", "lm-studio", "--priority", "high"}, 2, "priority"},
  };
  for (const auto& f : refusals) {
    INFO(f.args.at(2) << " " << (f.args.size() > 4 ? f.args.back() : ""));
    const auto res = t.run(f.args);
    CHECK(res.exit_code == f.code);
    CHECK_THAT(res.err, StartsWith("error: ") && Contains(f.message));
    CHECK(res.out.empty());
  }
  CHECK(t.json({"log"}).at("revisions").as_array().size() == 2);  // refusals recorded nothing
}

TEST_CASE("cli provider list and show: filters, masks, --reveal and --json documents", "[cli]") {
  CliDb t;
  REQUIRE(t.run(kOpenAi).exit_code == 0);
  REQUIRE(t.run({"provider", "add", "lm", "--type", "lm-studio", "--disabled"}).exit_code == 0);

  auto doc = t.json({"provider", "list"});
  CHECK(doc.at("active_provider").is_null());
  REQUIRE(doc.at("providers").as_array().size() == 2);
  const auto& p = doc.at("providers").as_array().at(0).as_object();
  for (const auto* field : {"id", "name", "type", "enabled", "priority", "description", "active"}) {
    CHECK(p.contains(field));
  }
  CHECK(t.json({"provider", "list", "--type", "lm-studio"}).at("providers").as_array().size() == 1);
  CHECK(t.json({"provider", "list", "--enabled"}).at("providers").as_array().at(0).at("id") == "oa");
  CHECK(t.json({"provider", "list", "--disabled"}).at("providers").as_array().at(0).at("id") == "lm");
  auto r = t.run({"provider", "list", "--type", "nope"});
  CHECK(r.exit_code == 2);
  r = t.run({"provider", "list"});
  CHECK_THAT(r.out, Contains("oa") && Contains("lm-studio") && Contains("no active provider"));

  doc = t.json({"provider", "show", "oa"});
  CHECK(doc.at("id") == "oa");
  CHECK(doc.at("active") == false);
  CHECK(doc.at("models").as_array().empty());
  const auto& config = doc.at("config").as_array();
  const auto key_of = [&](std::string_view k) {
    for (const auto& c : config) {
      if (c.at("key").as_string() == k) {
        return c.as_object();
      }
    }
    FAIL("config key missing: " << k);
    return boost::json::object{};
  };
  CHECK(key_of("apiKey") == boost::json::parse(R"({"key":"apiKey","sensitive":true,"value":"sk-…5678","source":"set"})"));
  CHECK(key_of("timeout").at("source") == "default");
  CHECK(key_of("baseURL").at("value") == "https://api.example.com/v1");

  r = t.run({"provider", "show", "oa"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("sk-…5678") && !Contains("abcdefgh"));
  r = t.run({"provider", "show", "oa", "--reveal"});
  CHECK_THAT(r.out, Contains("sk-test-abcdefgh12345678"));
  CHECK(t.json({"provider", "show", "oa", "--reveal"}).at("config").as_array().at(1).at("value") ==
        "sk-test-abcdefgh12345678");
  r = t.run({"provider", "show", "ao"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "error: provider 'ao' not found (did you mean 'oa'?)\n");
}

TEST_CASE("cli provider edit, enable and disable", "[cli]") {
  CliDb t;
  REQUIRE(t.run(kOpenAi).exit_code == 0);
  REQUIRE(t.run({"provider", "add", "lm", "--type", "lm-studio"}).exit_code == 0);

  auto r = t.run({"provider", "edit", "oa", "--name", "Open", "--priority", "9", "--set", "timeout=30s", "--secret",
                  "apiKey=env:OPENAI_API_KEY"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("edited provider 'oa' (r3)"));
  auto doc = t.json({"provider", "show", "oa"});
  CHECK(doc.at("name") == "Open");
  CHECK(doc.at("priority") == 9);
  CHECK(doc.at("config").as_array().at(1).at("value") == "env:OPENAI_API_KEY");
  r = t.run({"provider", "edit", "oa", "--unset", "timeout"});
  CHECK(r.exit_code == 0);
  r = t.run({"provider", "edit", "oa", "--priority", "9"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "edited provider 'oa': nothing changed\n");

  CHECK(t.run({"provider", "edit", "oa"}).exit_code == 2);
  CHECK(t.run({"provider", "edit", "nope", "--priority", "1"}).exit_code == 3);
  r = t.run({"provider", "edit", "lm", "--name", "Open"});
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Contains("name 'Open' is already used by provider 'oa'"));
  r = t.run({"provider", "edit", "oa", "--unset", "baseURL"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("'baseURL' is required by type 'openai' and cannot be unset"));

  r = t.run({"provider", "disable", "lm"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, StartsWith("disabled provider 'lm' (r"));
  CHECK(t.json({"provider", "enable", "lm"}).at("changes").as_array().at(0).at("after").at("enabled") == true);
  CHECK(t.run({"provider", "enable", "lm"}).out == "enabled provider 'lm': nothing changed\n");
  CHECK(t.run({"provider", "enable", "nope"}).exit_code == 3);
  REQUIRE(t.run({"set", "lm"}).exit_code == 0);
  r = t.run({"provider", "disable", "lm"});
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Contains("'router set <provider>'"));
}

TEST_CASE("cli provider remove: shows the cascade and needs --yes without a terminal", "[cli]") {
  CliDb t;
  REQUIRE(t.run(kOpenAi).exit_code == 0);
  REQUIRE(t.run({"model", "link", "oa", "gpt-x", "--default"}).exit_code == 0);

  auto r = t.run({"provider", "remove", "oa"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("removing provider 'oa' deletes:") && Contains("oa/apiKey") && Contains("oa/gpt-x"));
  CHECK_THAT(r.err, Contains("refusing to remove provider 'oa' without --yes (stdin is not a terminal)"));
  CHECK(t.json({"provider", "list"}).at("providers").as_array().size() == 1);

  REQUIRE(t.run({"provider", "add", "lm", "--type", "lm-studio"}).exit_code == 0);
  REQUIRE(t.run({"set", "lm"}).exit_code == 0);
  r = t.run({"provider", "remove", "lm", "--yes"});
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.err, Contains("is the active provider"));
  CHECK(t.run({"provider", "remove", "nope", "--yes"}).exit_code == 3);

  const auto doc = t.json({"provider", "remove", "oa", "--yes"});
  const auto& changes = doc.at("changes").as_array();
  REQUIRE(changes.size() == 4);  // baseURL, apiKey, the link, then the provider
  CHECK(changes.at(3).at("entity") == "provider");
  for (const auto& c : changes) {
    CHECK(c.at("op") == "delete");
  }
  CHECK(t.json({"model", "list"}).at("models").as_array().size() == 1);  // the model itself stays
}
