// Issue 19 item 14: the small operator frictions (the busy port is in serve_binary_test.cpp).
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fstream>

#include "support/cli.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"

using router::test::CliDb;

namespace {

// A POSIX TZ rule needs no tzdata: zone "XYZ", three hours east of UTC.
router::test::ProcessOptions in_zone() {
  router::test::ProcessOptions o;
  o.env.emplace("TZ", "XYZ-3");
  return o;
}

}  // namespace

TEST_CASE("log and history name their time zone, and take --utc", "[cli][small]") {
  CliDb c;
  REQUIRE(c.run({"config", "set", "routing.max_attempts", "2"}).exit_code == 0);
  auto r = c.run({"log"}, in_zone());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(" XYZ") != std::string::npos);
  r = c.run({"log", "--utc"}, in_zone());
  CHECK(r.out.find(" UTC") != std::string::npos);
  CHECK(r.out.find(" XYZ") == std::string::npos);

  {
    router::test::ServeProcess serve(c.db, c.dir / "serve.log");
    REQUIRE(serve.port() != 0);
    REQUIRE(router::test::http_request(serve.port(), "GET", "/v1/models", "").status == 200);
    REQUIRE(serve.stop() == 0);  // the log queue is written on the way out
  }
  r = c.run({"history"}, in_zone());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(" XYZ") != std::string::npos);
  r = c.run({"history", "--utc"}, in_zone());
  CHECK(r.out.find(" UTC") != std::string::npos);
  CHECK(r.out.find(" XYZ") == std::string::npos);
}

TEST_CASE("config set of a setting read at start says it needs a restart", "[cli][small]") {
  CliDb c;
  for (const auto& [key, value] : {std::pair{"server.listen", "127.0.0.1:4111"}, std::pair{"server.threads", "2"},
                                   std::pair{"log.level", "debug"}}) {
    const auto r = c.run({"config", "set", key, value});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find(std::string("note: ") + key + " takes effect when 'router serve' restarts") != std::string::npos);
  }
  const auto live = c.run({"config", "set", "routing.max_attempts", "2"});
  CHECK(live.err.find("restart") == std::string::npos);
  // The schema says which ones.
  const auto schema = c.json({"config", "schema"});
  for (const auto& s : schema.at("settings").as_array()) {
    const auto key = s.at("key").as_string();
    CHECK(s.at("restart_required").as_bool() == (key == "server.listen" || key == "server.threads" || key == "log.level"));
  }
}

TEST_CASE("migrate --from-env shows what it inferred", "[cli][small]") {
  CliDb c;
  const auto env = c.dir / "legacy.env";
  std::ofstream(env) << "QWEN_API_KEY=sk-dashscope-test\nDEFAULT_PROVIDER=qwen\n";
  const auto r = c.run({"migrate", "--from-env", env.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("inferred QWEN_API_KEY → provider 'qwen-dashscope' (Qwen DashScope, type openai), config apiKey") !=
        std::string::npos);
  CHECK(r.out.find("inferred provider 'qwen-dashscope' gets baseURL https://dashscope.aliyuncs.com/compatible-mode/v1") !=
        std::string::npos);
  CHECK(r.out.find("inferred DEFAULT_PROVIDER=qwen → active provider 'qwen-dashscope'") != std::string::npos);
  CHECK(r.out.find("sk-dashscope-test") == std::string::npos);
}

TEST_CASE("provider add --type lm-studio defaults to the first model LM Studio lists", "[cli][small]") {
  router::test::MockUpstream lm;
  lm.on("/v1/models", [](const router::test::MockRequest&, router::test::MockConn& conn) {
    conn.respond(200, R"({"object":"list","data":[{"id":"local-a","object":"model"},{"id":"local-b","object":"model"}]})");
  });
  CliDb c;
  auto r = c.run({"provider", "add", "lm", "--type", "lm-studio", "--set", "baseURL=" + lm.url("/v1")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("note: defaultModel: 'local-a', the first model LM Studio lists") != std::string::npos);
  const auto route = c.json({"route", "-p", "lm"});
  REQUIRE(route.at("candidates").as_array().size() == 1);
  CHECK(route.at("candidates").as_array()[0].at("model").as_string() == "local-a");

  // LM Studio not running: no default (never a cloud model name), and the user is told.
  r = c.run({"provider", "add", "lm2", "--type", "lm-studio", "--set", "baseURL=http://127.0.0.1:9/v1"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("note: no default model: LM Studio at http://127.0.0.1:9/v1 did not list one") != std::string::npos);
  const auto route2 = c.json({"route", "-p", "lm2"});
  CHECK(route2.at("candidates").as_array().empty());
  CHECK(boost::json::serialize(route2.at("skipped")).find("qwen3-max") == std::string::npos);
}
