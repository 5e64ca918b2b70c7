#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "support/admin_api.hpp"
#include "support/cli.hpp"
#include "support/process.hpp"

using router::test::AdminFixture;
using router::test::check_error;

namespace {

boost::json::value setting_value(AdminFixture& f, const std::string& key) {
  const auto r = f.get("/v1/settings/" + key);
  REQUIRE(r.status() == 200);
  return r.json.at("value");
}

const std::string kProvider = R"({"id":"lm","type":"lm-studio"})";

}  // namespace

TEST_CASE("admin settings: read, set and reset declared settings", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto r = f.get("/v1/settings");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("settings").as_array().size() >= 12);
  r = f.get("/v1/settings/schema");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("settings").at(0).as_object().contains("type"));
  r = f.get("/v1/settings/routing.max_attempts");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("value") == 3);
  CHECK(r.json.at("is_default") == true);

  r = f.call("PUT", "/v1/settings/routing.max_attempts", R"({"value": 5})");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("revision").is_int64());
  CHECK(r.json.at("setting").at("value") == 5);
  CHECK(r.json.at("setting").at("is_default") == false);
  r = f.call("PUT", "/v1/settings/server.read_timeout", R"({"value": "45s"})");  // normalised like the CLI
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("setting").at("value") == 45000);

  check_error(f.call("PUT", "/v1/settings/routing.max_attempts", R"({"value": 99})"), 400, "invalid_request_error",
              "must be between 1 and 20");
  check_error(f.call("PUT", "/v1/settings/routing.max_attempts", R"({"value": "five"})"), 400, "invalid_request_error",
              "routing.max_attempts");
  check_error(f.call("PUT", "/v1/settings/routing.max_attempts", R"({"v": 5})"), 400, "invalid_request_error",
              "unknown field 'v'");
  check_error(f.call("PUT", "/v1/settings/routing.max_atempts", R"({"value": 5})"), 404, "not_found_error",
              "did you mean 'routing.max_attempts'");
  check_error(f.get("/v1/settings/nope"), 404, "not_found_error", "unknown setting 'nope'");
  check_error(f.call("DELETE", "/v1/settings/nope"), 404, "not_found_error", "unknown setting 'nope'");
  check_error(f.get("/v1/settings/routing.fallback?x=1"), 400, "invalid_request_error", "unknown query parameter");

  r = f.call("DELETE", "/v1/settings/routing.max_attempts");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("setting").at("value") == 3);
  CHECK(r.json.at("setting").at("is_default") == true);
  r = f.call("DELETE", "/v1/settings/routing.max_attempts");  // already the default: nothing to do
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("revision").is_null());

  SECTION("the active provider follows the rules of 'router set'") {
    check_error(f.call("PUT", "/v1/settings/active_provider", R"({"value":"ghost"})"), 404, "not_found_error",
                "provider 'ghost' not found");
    check_error(f.call("PUT", "/v1/settings/active_provider", R"({"value":"Bad Id"})"), 400, "invalid_request_error",
                "active_provider");
    REQUIRE(f.call("POST", "/v1/providers", kProvider).status() == 201);
    r = f.call("PUT", "/v1/settings/active_provider", R"({"value":"lm"})");
    REQUIRE(r.status() == 200);
    CHECK(r.json.at("setting").at("value") == "lm");
    CHECK(router::test::router_json(f.db(), {"list"}).at("active_provider") == "lm");
  }
}

TEST_CASE("admin settings: bulk is one revision, and all or nothing", "[server][admin]") {
  AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers", kProvider).status() == 201);
  const auto before = router::test::config_snapshot(f.db());
  const auto revisions = f.get("/v1/config/revisions").json.at("revisions").as_array().size();

  check_error(
      f.call("POST", "/v1/settings/bulk", R"({"settings":{"routing.fallback":false,"routing.max_attempts":0}})"), 400,
      "invalid_request_error", "routing.max_attempts");
  check_error(f.call("POST", "/v1/settings/bulk", R"({"settings":{"routing.fallback":false,"nope":1}})"), 400,
              "invalid_request_error", "unknown setting 'nope'");
  check_error(
      f.call("POST", "/v1/settings/bulk", R"({"settings":{"routing.fallback":false,"active_provider":"ghost"}})"), 404,
      "not_found_error", "ghost");
  check_error(f.call("POST", "/v1/settings/bulk", R"({"settings":{}})"), 400, "invalid_request_error", "no settings");
  check_error(f.call("POST", "/v1/settings/bulk", R"({"routing.fallback":false})"), 400, "invalid_request_error",
              "unknown field 'routing.fallback'");
  check_error(f.call("POST", "/v1/settings/bulk", R"({"settings":[1]})"), 400, "invalid_request_error",
              "'settings' must be a JSON object");
  CHECK(router::test::config_snapshot(f.db()) == before);

  const auto r = f.call("POST", "/v1/settings/bulk",
                        R"({"settings":{"routing.fallback":false,"log.level":"warn","active_provider":"lm"}})");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("changes").as_array().size() == 3);
  CHECK(r.json.at("settings").as_array().size() >= 12);
  CHECK(f.get("/v1/config/revisions").json.at("revisions").as_array().size() == revisions + 1);
  CHECK(setting_value(f, "routing.fallback") == false);
  CHECK(setting_value(f, "log.level") == "warn");
  CHECK(setting_value(f, "active_provider") == "lm");
  // null resets to the default, in the same kind of single revision.
  REQUIRE(f.call("POST", "/v1/settings/bulk", R"({"settings":{"log.level":null}})").status() == 200);
  CHECK(setting_value(f, "log.level") == "info");
}

TEST_CASE("admin revisions: list, show and revert, audited with the key's name and the message", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto r = f.call("POST", "/v1/providers", kProvider, "add the local LM Studio");
  REQUIRE(r.status() == 201);
  const auto rev = r.json.at("revision").as_int64();

  r = f.get("/v1/config/revisions");
  REQUIRE(r.status() == 200);
  const auto& newest = r.json.at("revisions").at(0);
  CHECK(newest.at("rev") == rev);
  CHECK(newest.at("actor") == "ops");
  CHECK(newest.at("source") == "api");
  CHECK(newest.at("message") == "add the local LM Studio");

  // The API's change is in `router log`, and the CLI's change is in the API's history.
  const auto log = router::test::router_json(f.db(), {"log"});
  CHECK(log.at("revisions").at(0).at("message") == "add the local LM Studio");
  CHECK(log.at("revisions").at(0).at("source") == "api");
  REQUIRE(router::test::run_router(f.db(), {"set", "lm", "-m", "from a shell", "--actor", "alice"}).exit_code == 0);
  r = f.get("/v1/config/revisions?limit=1");
  REQUIRE(r.json.at("revisions").as_array().size() == 1);
  CHECK(r.json.at("revisions").at(0).at("actor") == "alice");
  CHECK(r.json.at("revisions").at(0).at("source") == "cli");
  CHECK(r.json.at("revisions").at(0).at("message") == "from a shell");
  const auto cli_rev = r.json.at("revisions").at(0).at("rev").as_int64();
  r = f.get("/v1/config/revisions?limit=5&before=" + std::to_string(cli_rev));
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("revisions").at(0).at("rev") == rev);

  r = f.get("/v1/config/revisions/r" + std::to_string(rev));
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("changes").at(0).at("entity") == "provider");
  CHECK(f.get("/v1/config/revisions/" + std::to_string(rev)).status() == 200);
  check_error(f.get("/v1/config/revisions/9999"), 404, "not_found_error", "revision r9999 not found");
  check_error(f.get("/v1/config/revisions/abc"), 400, "invalid_request_error", "revision");
  check_error(f.get("/v1/config/revisions?limit=0"), 400, "invalid_request_error", "limit");
  check_error(f.get("/v1/config/revisions?before=x"), 400, "invalid_request_error", "revision");

  // Reverting the provider's creation conflicts: it is the active provider now.
  check_error(f.call("POST", "/v1/config/revisions/" + std::to_string(rev) + "/revert"), 409, "conflict_error",
              "active provider");
  r = f.call("POST", "/v1/config/revisions/" + std::to_string(cli_rev) + "/revert", "", "undo the switch");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  CHECK(setting_value(f, "active_provider").is_null());
  const auto show = router::test::router_json(f.db(), {"show", std::to_string(r.json.at("revision").as_int64())});
  CHECK(show.at("actor") == "ops");
  CHECK(show.at("message") == "undo the switch");
  check_error(f.call("POST", "/v1/config/revisions/9999/revert"), 404, "not_found_error", "not found");
}

TEST_CASE("admin revisions: X-Router-Message must be printable and bounded", "[server][admin]") {
  AdminFixture f;
  f.start();
  const auto before = router::test::config_snapshot(f.db());
  check_error(f.call("POST", "/v1/providers", kProvider, std::string(5000, 'm')), 400, "invalid_request_error",
              "revision message");
  // Control characters never get past the HTTP parser; invalid UTF-8 does, and the service refuses it.
  CHECK(f.call("POST", "/v1/providers", kProvider, "bell\x07").status() == 400);
  check_error(f.call("POST", "/v1/providers", kProvider, "\xff\xfe"), 400, "invalid_request_error", "revision message");
  CHECK(router::test::config_snapshot(f.db()) == before);
  // Without the header the revision carries the service's summary.
  REQUIRE(f.call("POST", "/v1/providers", kProvider).status() == 201);
  CHECK(f.get("/v1/config/revisions").json.at("revisions").at(0).at("message") == "add provider lm");
}
