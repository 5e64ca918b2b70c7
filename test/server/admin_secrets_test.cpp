#include <catch2/catch.hpp>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "server/dispatcher.hpp"
#include "support/admin_api.hpp"
#include "support/cli.hpp"
#include "support/mock_upstream.hpp"

using router::test::AdminFixture;
using router::test::MockUpstream;

namespace {

// Distinctive values, so a hit can only mean the secret itself leaked.
const std::vector<std::string> kSecrets = {
    "sk-fixture-sealed-QJX7ZK2M9WQ4R8T1",   // sealed by the fixture, before the server started
    "sk-created-over-api-V3N8B6C1X5Z7L2",   // POST /v1/providers
    "sk-replaced-by-patch-H4G9F2D7S1A6P3",  // PATCH: the first one lives on only in the history
    "sk-ant-anthropic-key-Y8U3I6O1E5R9T2",  // another type
    "qwen-token-value-M2N7B4V9C6X1Z8K5",    // qwen-direct's two required secrets
    "qwen-cookie=session-W5E8R2T6Y9U3I7",
    "sk-put-config-key-D1F4G7H2J5K8L3Z6",  // PUT /config
};

// The route's pattern with its parameter replaced by each value; {} when it has a parameter this
// test has no values for (so a new GET route cannot slip past the walk unnoticed).
std::vector<std::string> concrete(std::string_view pattern,
                                  const std::map<std::string, std::vector<std::string>>& values) {
  const auto open = pattern.find('{');
  if (open == std::string_view::npos) {
    return {std::string(pattern)};
  }
  const auto close = pattern.find('}', open);
  std::string name(pattern.substr(open + 1, close - open - 1));
  if (name.ends_with("*")) {
    name.pop_back();
  }
  if (pattern.starts_with("/v1/requests")) {
    name = "request";
  } else if (pattern.starts_with("/v1/models")) {
    name = "model";
  } else if (pattern.starts_with("/v1/responses")) {
    name = "response";
  }
  const auto it = values.find(name);
  if (it == values.end() || pattern.find('{', close) != std::string_view::npos) {
    return {};
  }
  std::vector<std::string> out;
  for (const auto& v : it->second) {
    const auto target = std::string(pattern.substr(0, open)) + v + std::string(pattern.substr(close + 1));
    if (pattern.ends_with("/body")) {  // a stored body is named by its part
      out.push_back(target + "?part=request");
      out.push_back(target + "?part=response");
    } else {
      out.push_back(target);
    }
  }
  return out;
}

const std::string kModelList = R"({"object":"list","data":[{"id":"m-1","object":"model"}]})";

}  // namespace

TEST_CASE("admin secrets: no endpoint ever returns a sealed or a plain secret", "[server][admin]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  up.on("/v1/models", MockUpstream::json(R"({"object":"list","data":[{"id":"live-1","object":"model"}]})"));
  AdminFixture f;
  f.add_provider("fixture", "openai", boost::json::object{{"baseURL", up.url("/v1")}, {"apiKey", kSecrets[0]}});
  f.start();

  std::vector<std::string> bodies;  // every answer of the walk, mutations included
  auto must = [&](const std::string& method, const std::string& target, const boost::json::value& body, int status) {
    const auto r = f.call(method, target, body.is_null() ? std::string() : boost::json::serialize(body));
    INFO(method << " " << target << ": " << r.http.body);
    REQUIRE(r.status() == status);
    bodies.push_back(r.http.body);
    return r;
  };
  using boost::json::object;
  must(
      "POST", "/v1/providers",
      object{{"id", "oa"}, {"type", "openai"}, {"config", object{{"baseURL", up.url("/v1")}, {"apiKey", kSecrets[1]}}}},
      201);
  must("PATCH", "/v1/providers/oa", object{{"config", object{{"apiKey", kSecrets[2]}}}}, 200);
  must("POST", "/v1/providers",
       object{{"id", "an"}, {"type", "anthropic"}, {"config", object{{"apiKey", kSecrets[3]}}}}, 201);
  must("POST", "/v1/providers",
       object{
           {"id", "qd"}, {"type", "qwen-direct"}, {"config", object{{"token", kSecrets[4]}, {"cookies", kSecrets[5]}}}},
       201);
  must("PUT", "/v1/providers/an/config", object{{"config", object{{"apiKey", kSecrets[6]}}}}, 200);
  must("PATCH", "/v1/providers/qd/config/token", object{{"value", "env:QWEN_TOKEN"}}, 200);
  must("POST", "/v1/providers/oa/models", object{{"model", "vendor/m-1"}, {"default", true}}, 201);
  must("PUT", "/v1/settings/active_provider", object{{"value", "oa"}}, 200);
  must("POST", "/v1/providers/oa/test", nullptr, 200);
  must("POST", "/v1/providers/fixture/test", nullptr, 200);
  must("POST", "/v1/providers/oa/disable", nullptr, 409);  // error answers count too
  const auto chat = router::test::http_request(f.port(), "POST", "/v1/chat/completions",
                                               R"({"model":"vendor/m-1","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(chat.status == 200);
  bodies.push_back(chat.body);
  REQUIRE(up.requests().back().header("authorization") == "Bearer " + kSecrets[2]);
  REQUIRE(f.logs(1).size() == 1);
  const auto response =
      router::test::http_request(f.port(), "POST", "/v1/responses", R"({"model":"vendor/m-1","input":"hi"})");
  REQUIRE(response.status == 200);
  bodies.push_back(response.body);
  // Reverting the PATCH (r2) writes the first secret's sealed value back; the answer masks it.
  must("POST", "/v1/config/revisions/2/revert", nullptr, 200);
  const auto revisions = f.get("/v1/config/revisions?limit=100").json.at("revisions").as_array();

  std::map<std::string, std::vector<std::string>> values;
  values["id"] = {"fixture", "oa", "an", "qd"};
  values["model"] = {"vendor/m-1"};
  const auto settings = f.get("/v1/settings").json;
  for (const auto& s : settings.at("settings").as_array()) {
    values["key"].emplace_back(s.at("key").as_string());
  }
  for (const auto& r : revisions) {
    values["rev"].push_back(std::to_string(r.at("rev").as_int64()));
  }
  const auto requests = f.get("/v1/requests").json;
  for (const auto& r : requests.at("data").as_array()) {
    values["request"].emplace_back(r.at("id").as_string());
  }
  values["response"] = {std::string(boost::json::parse(response.body).at("id").as_string())};
  REQUIRE(values["rev"].size() >= 7);

  for (const auto& route : router::server::routes()) {
    if (route.verb != boost::beast::http::verb::get) {
      continue;
    }
    INFO("GET " << route.pattern);
    const auto targets = concrete(route.pattern, values);
    REQUIRE_FALSE(targets.empty());
    int ok = 0;
    for (const auto& target : targets) {
      const auto r = f.get(target);
      CHECK(r.status() < 500);
      ok += r.status() == 200 ? 1 : 0;
      bodies.push_back(r.http.body);
    }
    CHECK(ok > 0);
  }
  for (const auto* extra : {"/v1/models?provider=oa", "/v1/route?model=vendor/m-1", "/v1/providers?type=anthropic"}) {
    const auto r = f.get(extra);
    CHECK(r.status() == 200);
    bodies.push_back(r.http.body);
  }

  CHECK(bodies.size() > 40);
  for (const auto& body : bodies) {
    INFO(body);
    CHECK(body.find("enc:v1:") == std::string::npos);
    for (const auto& secret : kSecrets) {
      // The whole secret, and its distinctive middle (a secret shown without its prefix).
      CHECK(body.find(secret) == std::string::npos);
      CHECK(body.find(secret.substr(secret.size() - 16, 12)) == std::string::npos);
    }
  }
}

// Issue 12 item 6: an admin-key holder pointed apiKey at env:ROUTER_MASTER_KEY, chose the baseURL
// and called /test: the master key went out as a Bearer token.
TEST_CASE("admin secrets: env: references outside secrets.env_allow are refused, written or stored",
          "[server][admin][security]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModelList));
  AdminFixture f;
  f.add_provider("planted", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  router::test::put_config_row(f.db(), "planted", "apiKey", boost::json::string("env:ROUTER_MASTER_KEY"), true);
  const std::string master(router::core::trim(router::test::read_file(f.dir() / "router.key")));
  f.set_env("ROUTER_MASTER_KEY", master);
  f.set_env("UPSTREAM_API_KEY", "sk-from-environment-0001");
  f.start();
  using boost::json::object;

  auto r = f.call("POST", "/v1/providers",
                  boost::json::serialize(object{
                      {"id", "evil"},
                      {"type", "openai"},
                      {"config", object{{"baseURL", up.url("/v1")}, {"apiKey", "env:ROUTER_MASTER_KEY"}}}}));
  router::test::check_error(r, 400, "invalid_request_error", "ROUTER_MASTER_KEY");
  CHECK(r.error_param() == "apiKey");
  r = f.call("PATCH", "/v1/providers/planted/config/apiKey", boost::json::serialize(object{{"value", "env:HOME"}}));
  router::test::check_error(r, 400, "invalid_request_error", "secrets.env_allow");

  // The stored reference is refused when it is resolved: the upstream is never called.
  r = f.call("POST", "/v1/providers/planted/test");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("healthy") == false);
  CHECK_THAT(std::string(r.json.at("error").as_string()), Catch::Matchers::Contains("ROUTER_MASTER_KEY") &&
                                                             Catch::Matchers::Contains("never allowed"));
  CHECK(up.requests().empty());

  // An allowed name works, and narrowing the setting disarms it again.
  r = f.call("PATCH", "/v1/providers/planted/config/apiKey",
             boost::json::serialize(object{{"value", "env:UPSTREAM_API_KEY"}}));
  REQUIRE(r.status() == 200);
  REQUIRE(f.call("POST", "/v1/providers/planted/test").json.at("healthy") == true);
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests().back().header("authorization") == "Bearer sk-from-environment-0001");
  REQUIRE(f.call("PUT", "/v1/settings/secrets.env_allow", boost::json::serialize(object{{"value", boost::json::array{"QWEN_*"}}}))
              .status() == 200);
  r = f.call("POST", "/v1/providers/planted/test");
  CHECK(r.json.at("healthy") == false);
  CHECK_THAT(std::string(r.json.at("error").as_string()), Catch::Matchers::Contains("does not allow"));
  CHECK(up.requests().size() == 1);
  r = f.call("PUT", "/v1/settings/secrets.env_allow", boost::json::serialize(object{{"value", boost::json::array{"A B"}}}));
  router::test::check_error(r, 400, "invalid_request_error", "pattern");
  for (const auto& req : up.requests()) {
    CHECK(req.header("authorization").find(master) == std::string::npos);
  }
}

// Issue 12 item 7: `headers` held Authorization/Cookie values in plain text everywhere, accepted
// framing headers and line breaks, and could duplicate the Authorization the apiKey adds.
TEST_CASE("admin secrets: headers are sealed and masked, and cannot break or duplicate the request head",
          "[server][admin][security]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModelList));
  AdminFixture f;
  // A plain row as stored before `headers` became sensitive.
  f.add_provider("legacy", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  router::test::put_config_row(f.db(), "legacy", "headers", boost::json::object{{"X-Legacy", "legacy-header-secret-KQ81Z"}}, false);
  f.start();
  using boost::json::object;
  const std::string secret = "team-header-secret-7Q2W9E4R";
  std::vector<std::string> bodies;

  auto r = f.call("POST", "/v1/providers",
                  boost::json::serialize(object{
                      {"id", "oa"},
                      {"type", "openai"},
                      {"config", object{{"baseURL", up.url("/v1")}, {"headers", object{{"X-Team", secret}}}}}}));
  REQUIRE(r.status() == 201);
  bodies.push_back(r.http.body);
  {
    // That first write also sealed the legacy plain row, in place.
    router::db::Database d(f.db());
    const auto row = router::db::ProviderRepository(d).find_config("legacy", "headers");
    REQUIRE(row);
    CHECK(row->sensitive);
    CHECK(row->value_json.starts_with("\"enc:v1:"));
    for (const auto* name : {"oa", "legacy"}) {
      const auto v = router::db::ProviderRepository(d).find_config(name, "headers");
      CHECK(v->value_json.find("header-secret") == std::string::npos);
    }
  }
  r = f.get("/v1/providers/oa");
  bodies.push_back(r.http.body);
  bool seen = false;
  for (const auto& c : r.json.at("config").as_array()) {
    if (c.at("key") == "headers") {
      seen = true;
      CHECK(c.at("sensitive") == true);
      CHECK(c.at("value").at("X-Team") == "…9E4R");
    }
  }
  CHECK(seen);
  REQUIRE(f.call("POST", "/v1/providers/oa/test").json.at("healthy") == true);
  CHECK(up.requests().back().header("x-team") == secret);
  // The legacy plain row still works, and is masked on every read.
  REQUIRE(f.call("POST", "/v1/providers/legacy/test").json.at("healthy") == true);
  CHECK(up.requests().back().header("x-legacy") == "legacy-header-secret-KQ81Z");
  bodies.push_back(f.get("/v1/providers/legacy").http.body);

  const std::vector<std::pair<object, std::string>> refused = {
      {object{{"Host", "evil.example"}}, "'Host' is set by the router"},
      {object{{"content-length", "0"}}, "'content-length' is set by the router"},
      {object{{"Transfer-Encoding", "chunked"}}, "'Transfer-Encoding' is set by the router"},
      {object{{"Connection", "close"}}, "'Connection' is set by the router"},
      {object{{"X-Split", "a\r\nX-Injected: 1"}}, "without NUL, CR or LF"},
      {object{{"X-Nul", std::string("a\0b", 3)}}, "without NUL, CR or LF"},
      {object{{"X-Bad\r\nName", "a"}}, "HTTP tokens"},
      {object{{"Authorization", "Bearer other"}}, "'apiKey' already sends"},
  };
  for (const auto& [headers, why] : refused) {
    INFO(boost::json::serialize(headers));
    r = f.call("POST", "/v1/providers",
               boost::json::serialize(object{{"id", "bad"},
                                             {"type", "openai"},
                                             {"config", object{{"baseURL", up.url("/v1")},
                                                               {"apiKey", "sk-pairing-test-000001"},
                                                               {"headers", headers}}}}));
    router::test::check_error(r, 400, "invalid_request_error", why);
    CHECK(r.error_param() == "headers");
  }
  // The pairing is refused whichever of the two comes second.
  REQUIRE(f.call("PATCH", "/v1/providers/oa/config/headers",
                 boost::json::serialize(object{{"value", object{{"authorization", "Bearer x-0000000001"}}}}))
              .status() == 200);
  r = f.call("PATCH", "/v1/providers/oa/config/apiKey", boost::json::serialize(object{{"value", "sk-second-000000001"}}));
  router::test::check_error(r, 400, "invalid_request_error", "already sends");
  // A credential with a line break used to be stored and then silently dropped from the request.
  r = f.call("PATCH", "/v1/providers/oa/config/apiKey",
             boost::json::serialize(object{{"value", "sk-line-break-0001\r\nX-Injected: 1"}}));
  router::test::check_error(r, 400, "invalid_request_error", "cannot contain NUL, CR or LF");

  const auto revisions = f.get("/v1/config/revisions?limit=100");
  bodies.push_back(revisions.http.body);
  for (const auto& rev : revisions.json.at("revisions").as_array()) {
    bodies.push_back(f.get(fmt::format("/v1/config/revisions/{}", rev.at("rev").as_int64())).http.body);
  }
  for (const auto& body : bodies) {
    INFO(body);
    CHECK(body.find(secret) == std::string::npos);
    CHECK(body.find("legacy-header-secret") == std::string::npos);
  }
}
