#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "server/dispatcher.hpp"
#include "support/admin_api.hpp"
#include "support/process.hpp"
#include "support/routes.hpp"

using router::server::Access;
using router::test::AdminFixture;
using router::test::kAdminKey;

namespace {

// Calls `fn(method, sample path)` for every admin route of the table; returns how many.
template <typename Fn>
std::size_t for_each_admin_route(Fn fn) {
  const auto calls = router::test::route_calls(Access::kAdmin, router::test::sample_param);
  for (const auto& c : calls) {
    INFO(c.method << " " << c.pattern);
    fn(c.method, c.path);
  }
  return calls.size();
}

}  // namespace

TEST_CASE("admin auth: every admin route needs an admin key, in the error shape of the API", "[server][admin]") {
  AdminFixture f;
  f.start();
  const std::string client_key = "rk-client-test-key-000000000000000000000000000";
  std::size_t admin_routes = 0;

  SECTION("no admin key exists: 403 with the command that creates one") {
    // Without a usable admin key the API is off. The fixture's key is revoked through the real
    // binary, and the server sees it on the next request.
    REQUIRE(router::test::run_router(f.db(), {"key", "revoke", "ops"}).exit_code == 0);
    admin_routes = for_each_admin_route([&](const std::string& method, const std::string& path) {
      const auto reply = f.call(method, path, "{}");
      CHECK(reply.status() == 403);
      CHECK(reply.error_type() == "permission_error");
      CHECK(reply.error_message().find("router key create NAME --admin") != std::string::npos);
    });
  }
  SECTION("missing, unknown or client keys: 401, 401, 403") {
    f.add_key("app", "client", client_key);
    admin_routes = for_each_admin_route([&](const std::string& method, const std::string& path) {
      auto reply = f.call_as("", method, path, "{}");
      CHECK(reply.status() == 401);
      CHECK(reply.error_type() == "authentication_error");
      reply = f.call_as("Bearer rk-not-a-key", method, path, "{}");
      CHECK(reply.status() == 401);
      reply = f.call_as("Basic " + kAdminKey, method, path, "{}");
      CHECK(reply.status() == 401);
      reply = f.call_as("Bearer " + client_key, method, path, "{}");
      CHECK(reply.status() == 403);
      CHECK(reply.error_type() == "permission_error");
      CHECK(reply.error_message().find("client key") != std::string::npos);
      const auto& err = reply.json.at("error").as_object();
      CHECK(err.contains("code"));
      CHECK(err.contains("param"));
    });
  }
  SECTION("the admin key passes: no route answers 401, 403, 405 or 500 for plausible input") {
    admin_routes = for_each_admin_route([&](const std::string& method, const std::string& path) {
      const auto reply = f.call(method, path, "{}");
      CHECK(reply.status() != 401);
      CHECK(reply.status() != 403);
      CHECK(reply.status() != 405);
      CHECK(reply.status() < 500);
      CHECK(reply.json.is_object());
    });
  }
  CHECK(admin_routes >= 33);
}

TEST_CASE("admin auth: a known path with the wrong verb is 405 naming the allowed ones", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto r = f.call("PATCH", "/v1/settings");
  CHECK(r.status() == 405);
  CHECK(r.http.header("allow") == "GET");
  r = f.call("POST", "/v1/providers/x");
  CHECK(r.status() == 405);
  CHECK(r.http.header("allow") == "GET, PUT, PATCH, DELETE");
  // GET /v1/models/{id} is the client route; PUT and DELETE the admin ones, on the same path.
  r = f.call("PATCH", "/v1/models/vendor/m");
  CHECK(r.status() == 405);
  CHECK(r.http.header("allow") == "GET, PUT, DELETE");
  CHECK(f.call("GET", "/v1/nothing-here").status() == 404);
}

TEST_CASE("admin auth: admin key use reaches last_used_at without a write per request", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto before = router::test::run_router(f.db(), {"--json", "key", "list"});
  REQUIRE(before.exit_code == 0);
  CHECK(boost::json::parse(before.out).at("keys").at(0).at("last_used_at").is_null());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(f.get("/v1/settings").status() == 200);
  }
  // Flushed once a minute while running; stopping writes what is pending.
  f.stop();
  const auto after = router::test::run_router(f.db(), {"--json", "key", "list"});
  REQUIRE(after.exit_code == 0);
  const auto keys = boost::json::parse(after.out);
  const auto& key = keys.at("keys").at(0);
  CHECK(key.at("name") == "ops");
  CHECK(key.at("last_used_at").is_string());
}
