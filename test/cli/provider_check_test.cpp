#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

#include "support/cli.hpp"
#include "support/fixtures.hpp"
#include "support/mock_upstream.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;
using router::test::fixture;
using router::test::MockUpstream;

namespace {

void add_qwen(const CliDb& t, const MockUpstream& up, std::string_view extra = {}) {
  std::vector<std::string> args{"provider", "add",    "qw",         "--type", "qwen-direct", "--set",
                                "baseURL=" + up.url(), "--secret", "token=umid-1", "--secret", "cookies=bx-umidtoken=umid-1"};
  if (!extra.empty()) {
    args.insert(args.end(), {"--set", std::string(extra)});
  }
  const auto r = t.run(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("cli test: the active provider's latency and first models, exit 0 healthy, 1 not", "[cli]") {
  MockUpstream up;
  up.on("/api/models", MockUpstream::json(fixture("qwen/models.json")));
  CliDb t;
  add_qwen(t, up);
  auto r = t.run({"test"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("no active provider"));
  REQUIRE(t.run({"set", "qw"}).exit_code == 0);

  r = t.run({"test"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("provider 'qw' (qwen-direct, " + up.url() + "): healthy in"));
  CHECK_THAT(r.out, Contains("models (3): qwen3-max, qwen3-vl-plus, qwen3-coder-plus"));
  const auto req = up.requests().at(0);
  CHECK(req.method == "GET");
  CHECK(req.header("bx-umidtoken") == "umid-1");
  CHECK(req.header("cookie") == "bx-umidtoken=umid-1");

  const auto doc = t.json({"provider", "test", "qw"});
  CHECK(doc.at("healthy") == true);
  CHECK(doc.at("model_count") == 3);
  CHECK(doc.at("status") == 200);
  CHECK(doc.at("models").at(0) == "qwen3-max");

  SECTION("the WAF page is an authentication failure that says what to do") {
    up.on("/api/models", [](const router::test::MockRequest&, router::test::MockConn& c) {
      c.respond(200, fixture("qwen/waf.html"), "text/html");
    });
    r = t.run({"test", "qw"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("unhealthy"));
    CHECK_THAT(r.out, Contains("refresh them with 'router provider edit qw"));
  }
  SECTION("an upstream that refuses connections") {
    REQUIRE(t.run({"provider", "add", "dead", "--type", "openai", "--set", "baseURL=http://127.0.0.1:1/v1"}).exit_code == 0);
    r = t.run({"provider", "test", "dead"});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("connection refused"));
    CHECK(t.run({"provider", "test", "deaf"}).exit_code == 3);
  }
}

TEST_CASE("cli test: credentials about to expire are warned about", "[cli]") {
  MockUpstream up;
  up.on("/api/models", MockUpstream::json(fixture("qwen/models.json")));
  CliDb t;
  add_qwen(t, up, "expiresAt=" + std::to_string(std::time(nullptr) + 6000));
  const auto r = t.run({"provider", "test", "qw"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("warning: credentials of provider 'qw' expire in 1 h"));
}

TEST_CASE("cli test: anthropic and openai-compatible providers are checked through their model lists", "[cli]") {
  MockUpstream up;
  up.on("/v1/models", [](const router::test::MockRequest& req, router::test::MockConn& c) {
    if (req.header("x-api-key") == "sk-ant-1") {
      c.respond(200, fixture("anthropic/models.json"));
    } else {
      c.respond(401, fixture("anthropic/error_auth.json"));
    }
  });
  CliDb t;
  REQUIRE(t.run({"provider", "add", "an", "--type", "anthropic", "--set", "baseURL=" + up.url(), "--secret",
                 "apiKey=sk-ant-1"})
              .exit_code == 0);
  REQUIRE(t.run({"provider", "add", "bad", "--type", "anthropic", "--set", "baseURL=" + up.url(), "--secret",
                 "apiKey=sk-ant-wrong"})
              .exit_code == 0);
  auto r = t.run({"provider", "test", "an"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("models (2): claude-sonnet-4-5, claude-haiku-4-5"));
  r = t.run({"provider", "test", "bad"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Contains("HTTP 401: invalid x-api-key"));
}

TEST_CASE("cli model sync: upstream models become one revision of models and links", "[cli]") {
  MockUpstream up;
  up.on("/api/models", MockUpstream::json(fixture("qwen/models.json")));
  CliDb t;
  add_qwen(t, up);
  REQUIRE(t.run({"model", "add", "qwen3-max", "--name", "My Max"}).exit_code == 0);
  REQUIRE(t.run({"model", "link", "qw", "old-model"}).exit_code == 0);

  auto r = t.run({"model", "sync", "qw", "--dry-run"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("would sync 3 upstream model(s)"));
  CHECK(t.json({"model", "list", "--provider", "qw"}).at("models").as_array().size() == 1);

  const auto doc = t.json({"model", "sync", "qw", "-m", "import from qwen"});
  const auto rev = doc.at("revision").as_int64();
  // qwen3-vl-plus and qwen3-coder-plus are created; all three are linked; the inactive model is not.
  CHECK(doc.at("changes").as_array().size() == 5);
  const auto log = t.json({"log", "-n", "1"});
  CHECK(log.at("revisions").at(0).at("rev") == rev);
  CHECK(log.at("revisions").at(0).at("message") == "import from qwen");
  const auto models = t.json({"model", "list", "--provider", "qw"}).at("models").as_array();
  REQUIRE(models.size() == 4);  // old-model stays linked without --prune
  for (const auto& m : models) {
    if (m.at("id") == "qwen3-max") {
      CHECK(m.at("name") == "My Max");  // an existing model is left as it is
    }
    if (m.at("id") == "qwen3-vl-plus") {
      CHECK(m.at("name") == "Qwen3-VL-Plus");
      CHECK(m.at("capabilities") == boost::json::parse(R"(["vision"])"));
    }
  }
  r = t.run({"model", "sync", "qw"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("nothing changed"));
  r = t.run({"model", "sync", "qw", "--prune"});
  CHECK(r.exit_code == 0);
  CHECK(t.json({"model", "list", "--provider", "qw"}).at("models").as_array().size() == 3);

  up.on("/api/models", MockUpstream::json(R"({"detail":"nope"})", 403));
  r = t.run({"model", "sync", "qw"});
  CHECK(r.exit_code == 5);
  CHECK_THAT(r.err, Contains("credentials are invalid or expired"));
}

TEST_CASE("cli model sync --prune: an alias link stays while the upstream still lists its upstream model", "[cli]") {
  MockUpstream up;
  up.on("/api/models", MockUpstream::json(fixture("qwen/models.json")));
  CliDb t;
  add_qwen(t, up);
  // "max" is an alias: requests for it send qwen3-max, which the upstream lists.
  REQUIRE(t.run({"model", "link", "qw", "max", "--upstream", "qwen3-max"}).exit_code == 0);
  REQUIRE(t.run({"model", "link", "qw", "gone", "--upstream", "qwen2-old"}).exit_code == 0);
  const auto r = t.run({"model", "sync", "qw", "--prune"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::set<std::string> linked;
  const auto doc = t.json({"model", "list", "--provider", "qw"});
  for (const auto& m : doc.at("models").as_array()) {
    linked.insert(std::string(m.at("id").as_string()));
  }
  CHECK(linked.contains("max"));
  CHECK_FALSE(linked.contains("gone"));  // its upstream name is no longer listed
  CHECK(linked.contains("qwen3-max"));
}
