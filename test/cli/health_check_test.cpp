#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "support/admin_api.hpp"
#include "support/cli.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"

// Issue 13: `router test` and POST /v1/providers/{id}/test worded the same failure differently.
// Both run server::check_health now and render its one document.

using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using router::test::AdminFixture;
using router::test::MockUpstream;

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The API's document and the CLI's (text and --json) for provider `id`, compared.
void check_same(AdminFixture& f, const std::string& id, const std::string& label) {
  const auto api = f.call("POST", "/v1/providers/" + id + "/test");
  REQUIRE(api.status() == 200);
  const auto& doc = api.json.as_object();
  CHECK(doc.at("healthy") == false);
  REQUIRE(doc.at("error").is_string());
  const std::string error(doc.at("error").as_string());

  const auto json = router::test::run_router(f.db(), {"--json", "test", id});
  CHECK(json.exit_code == 1);
  const auto cli = boost::json::parse(json.out).as_object();
  for (const auto* field : {"provider", "type", "enabled", "base_url", "healthy", "status", "model_count", "error"}) {
    CAPTURE(field);
    CHECK(cli.at(field) == doc.at(field));
  }

  const auto text = router::test::run_router(f.db(), {"test", id});
  CHECK(text.exit_code == 1);
  const auto line = first_line(text.out);
  CHECK_THAT(line, StartsWith(label + ": unhealthy"));
  CHECK_THAT(line, EndsWith(": " + error));
  if (doc.at("latency_ms").is_null()) {
    CHECK(line == label + ": unhealthy: " + error);  // no call was made: no latency to report
  }
}

}  // namespace

TEST_CASE("health check: the CLI and the API say the same about the same failing provider", "[cli]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}})", 401));
  AdminFixture f;
  f.add_provider("denied", "openai", boost::json::object{{"baseURL", up.url("/v1")}, {"apiKey", "sk-wrong"}});
  f.add_provider("dead", "openai", boost::json::object{{"baseURL", "http://127.0.0.1:1/v1"}});
  f.add_provider("unset", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  router::test::put_config_row(f.db(), "unset", "apiKey", boost::json::string("env:HEALTH_TEST_UNSET_API_KEY"), true);
  f.start();

  SECTION("an upstream that refuses the credential") {
    check_same(f, "denied", "provider 'denied' (openai, " + up.url("/v1") + ")");
  }
  SECTION("an upstream that refuses connections") {
    check_same(f, "dead", "provider 'dead' (openai, http://127.0.0.1:1/v1)");
  }
  SECTION("a configuration that cannot work: no call, the same reason") {
    check_same(f, "unset", "provider 'unset' (openai)");  // no instance, so no base URL
    CHECK(up.hits("/v1/models") == 0);
  }
  SECTION("an unknown provider: the same not-found, did-you-mean") {
    const auto api = f.call("POST", "/v1/providers/deaf/test");
    CHECK(api.status() == 404);
    CHECK(api.error_message() == "provider 'deaf' not found (did you mean 'dead'?)");
    const auto cli = router::test::run_router(f.db(), {"test", "deaf"});
    CHECK(cli.exit_code == 3);
    CHECK(cli.err == "error: " + api.error_message() + "\n");
  }
}
