#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "support/admin_api.hpp"
#include "support/cli.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"

using router::test::AdminFixture;
using router::test::check_error;
using router::test::MockUpstream;

namespace {

const std::string kSecret = "sk-live-provider-secret-0000000000000042";

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

std::string openai_body(const std::string& id, const std::string& base_url, const boost::json::object& extra = {}) {
  boost::json::object body{
      {"id", id}, {"type", "openai"}, {"config", boost::json::object{{"baseURL", base_url}, {"apiKey", kSecret}}}};
  for (const auto& kv : extra) {
    body[kv.key()] = kv.value();
  }
  return json(body);
}

std::int64_t revision_count(AdminFixture& f) {
  const auto r = f.get("/v1/config/revisions?limit=1000");
  REQUIRE(r.status() == 200);
  return static_cast<std::int64_t>(r.json.at("revisions").as_array().size());
}

// The config entry of `key` in a provider or config document's "config" array.
boost::json::value config_value(const boost::json::value& config, std::string_view key) {
  for (const auto& e : config.as_array()) {
    if (e.at("key").as_string() == key) {
      return e.at("value");
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("admin providers: create and read a provider, the secret only ever masked", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto r =
      f.call("POST", "/v1/providers",
             openai_body("oa", "https://api.example.com/v1", {{"name", "OpenAI"}, {"priority", 5}}), "first provider");
  INFO(r.http.body);
  REQUIRE(r.status() == 201);
  CHECK(r.json.at("revision").is_int64());
  CHECK(r.json.at("changes").as_array().size() == 3);
  const auto& p = r.json.at("provider");
  CHECK(p.at("id") == "oa");
  CHECK(p.at("name") == "OpenAI");
  CHECK(p.at("priority") == 5);
  CHECK(p.at("enabled") == true);
  CHECK(config_value(p.at("config"), "apiKey") == "sk-…0042");
  CHECK(r.http.body.find(kSecret) == std::string::npos);

  r = f.get("/v1/providers/oa");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("type") == "openai");
  CHECK(config_value(r.json.at("config"), "timeout") == 120000);  // the type's default, shown as such
  r = f.get("/v1/providers");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("providers").as_array().size() == 1);
  CHECK(f.get("/v1/providers?type=openai").json.at("providers").as_array().size() == 1);
  CHECK(f.get("/v1/providers?type=lm-studio").json.at("providers").as_array().empty());
  CHECK(f.get("/v1/providers?enabled=false").json.at("providers").as_array().empty());

  SECTION("validation: 400 naming the field, nothing recorded") {
    const auto revisions = revision_count(f);
    check_error(f.call("POST", "/v1/providers", openai_body("ob", "https://x.example/v1", {{"colour", "red"}})), 400,
                "invalid_request_error", "unknown field 'colour'");
    CHECK(
        f.call("POST", "/v1/providers", openai_body("ob", "https://x.example/v1", {{"colour", "red"}})).error_param() ==
        "colour");
    check_error(f.call("POST", "/v1/providers", openai_body("ob", "https://x.example/v1", {{"priority", "high"}})), 400,
                "invalid_request_error", "'priority' must be a whole number");
    check_error(f.call("POST", "/v1/providers", R"({"id":"ob"})"), 400, "invalid_request_error",
                "missing field 'type'");
    check_error(f.call("POST", "/v1/providers", R"({"id":"ob","type":"nope"})"), 400, "invalid_request_error",
                "unknown provider type 'nope'");
    check_error(f.call("POST", "/v1/providers", openai_body("../etc", "https://x.example/v1")), 400,
                "invalid_request_error", "invalid provider id");
    check_error(f.call("POST", "/v1/providers", R"({"id":"ob","type":"openai","config":{"baseURL":"ftp://x"}})"), 400,
                "invalid_request_error", "baseURL");
    check_error(
        f.call("POST", "/v1/providers", R"({"id":"ob","type":"openai","config":{"apiKey":"sk-x-0000000000000000"}})"),
        400, "invalid_request_error", "requires config 'baseURL'");
    check_error(f.call("POST", "/v1/providers",
                       R"({"id":"ob","type":"openai","config":{"bogus":1,"baseURL":"https://x.example/v1"}})"),
                400, "invalid_request_error", "bogus");
    check_error(f.call("POST", "/v1/providers", R"({"id": "ob", "type": )"), 400, "invalid_request_error",
                "invalid request body");
    check_error(f.call("POST", "/v1/providers", R"(["ob"])"), 400, "invalid_request_error", "must be a JSON object");
    check_error(f.call("GET", "/v1/providers?enabled=maybe"), 400, "invalid_request_error", "'enabled'");
    check_error(f.call("GET", "/v1/providers?typ=openai"), 400, "invalid_request_error",
                "unknown query parameter 'typ'");
    check_error(f.call("GET", "/v1/providers?type=nope"), 400, "invalid_request_error", "unknown provider type");
    CHECK(revision_count(f) == revisions);
  }
  SECTION("ids in the path: no path tricks") {
    check_error(f.get("/v1/providers/ghost"), 404, "not_found_error", "provider 'ghost' not found");
    check_error(f.get("/v1/providers/oaa"), 404, "not_found_error", "did you mean 'oa'");
    check_error(f.get("/v1/providers/%2e%2e"), 400, "invalid_request_error", "invalid provider id");
    check_error(f.get("/v1/providers/OA"), 400, "invalid_request_error", "invalid provider id");
    check_error(f.get("/v1/providers/oa%2Fx"), 400, "invalid_request_error", "invalid provider id");
    CHECK(f.get("/v1/providers/%zz").status() == 404);  // a malformed escape matches no route
    CHECK(f.get("/v1/providers/oa/../oa").status() == 404);
  }
  SECTION("a conflict is 409") {
    check_error(f.call("POST", "/v1/providers", openai_body("oa", "https://x.example/v1")), 409, "conflict_error",
                "provider 'oa' already exists");
    check_error(f.call("POST", "/v1/providers", openai_body("ob", "https://x.example/v1", {{"name", "OpenAI"}})), 409,
                "conflict_error", "name 'OpenAI' is already used");
  }
}

TEST_CASE("admin providers: PUT replaces, PATCH merges, DELETE removes", "[server][admin]") {
  AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers",
                 openai_body("oa", "https://api.example.com/v1",
                             {{"name", "OpenAI"}, {"priority", 5}, {"description", "main"}}))
              .status() == 201);
  REQUIRE(f.call("PATCH", "/v1/providers/oa/config/timeout", R"({"value": 30000})").status() == 200);

  SECTION("PUT: fields not given take their defaults, config keys not given are removed") {
    const auto r = f.call(
        "PUT", "/v1/providers/oa",
        R"({"type":"openai","priority":1,"config":{"baseURL":"https://b.example/v1","apiKey":")" + kSecret + R"("}})");
    INFO(r.http.body);
    REQUIRE(r.status() == 200);
    const auto& p = r.json.at("provider");
    CHECK(p.at("name") == "oa");
    CHECK(p.at("priority") == 1);
    CHECK(p.at("description") == "");
    CHECK(config_value(p.at("config"), "baseURL") == "https://b.example/v1");
    CHECK(config_value(p.at("config"), "timeout") == 120000);  // back to the default
    CHECK(config_value(p.at("config"), "apiKey") == "sk-…0042");
    // The same secret is no change: the provider, baseURL and timeout changed, the key did not.
    CHECK(r.json.at("changes").as_array().size() == 3);
  }
  SECTION("PUT: a masked secret sent back is refused; secrets are write-only") {
    auto doc = f.get("/v1/providers/oa").json;
    const auto r = f.call("PUT", "/v1/providers/oa",
                          json(boost::json::object{
                              {"type", "openai"},
                              {"config", boost::json::object{{"baseURL", "https://a.example/v1"},
                                                             {"apiKey", config_value(doc.at("config"), "apiKey")}}}}));
    check_error(r, 400, "invalid_request_error", "looks masked");
  }
  SECTION("PUT: unknown provider, contradicting id, read-only fields") {
    check_error(
        f.call("PUT", "/v1/providers/ghost", R"({"type":"openai","config":{"baseURL":"https://a.example/v1"}})"), 404,
        "not_found_error", "provider 'ghost' not found");
    check_error(f.call("PUT", "/v1/providers/oa", R"({"id":"ob","type":"openai"})"), 400, "invalid_request_error",
                "is not the path's");
    check_error(f.call("PUT", "/v1/providers/oa", R"({"type":"openai","active":true,"models":[]})"), 400,
                "invalid_request_error", "unknown fields 'active', 'models'");
  }
  SECTION("PATCH: only what is given changes; null unsets a config key") {
    auto r =
        f.call("PATCH", "/v1/providers/oa", R"({"priority": 9, "config": {"timeout": null, "defaultModel": "m"}})");
    INFO(r.http.body);
    REQUIRE(r.status() == 200);
    const auto& p = r.json.at("provider");
    CHECK(p.at("name") == "OpenAI");
    CHECK(p.at("description") == "main");
    CHECK(p.at("priority") == 9);
    CHECK(config_value(p.at("config"), "timeout") == 120000);
    CHECK(config_value(p.at("config"), "defaultModel") == "m");
    check_error(f.call("PATCH", "/v1/providers/oa", R"({"type":"lm-studio"})"), 400, "invalid_request_error",
                "unknown field 'type'");
    check_error(f.call("PATCH", "/v1/providers/oa", R"({"config":{"baseURL":null}})"), 400, "invalid_request_error",
                "cannot be unset");
    check_error(f.call("PATCH", "/v1/providers/ghost", R"({"priority":1})"), 404, "not_found_error", "not found");
    r = f.call("PATCH", "/v1/providers/oa", "{}");
    CHECK(r.status() == 200);
    CHECK(r.json.at("revision").is_null());  // nothing changed, nothing recorded
  }
  SECTION("DELETE: the provider with its config and links, one revision; then 404") {
    REQUIRE(f.call("POST", "/v1/providers/oa/models", R"({"model":"gpt-x"})").status() == 201);
    const auto r = f.call("DELETE", "/v1/providers/oa");
    REQUIRE(r.status() == 200);
    CHECK(r.json.at("changes").as_array().size() == 5);  // 3 configs, 1 link, the provider
    check_error(f.call("DELETE", "/v1/providers/oa"), 404, "not_found_error", "provider 'oa' not found");
    check_error(f.get("/v1/providers/oa"), 404, "not_found_error", "not found");
    // A revert over the API brings all of it back.
    const auto rev = std::to_string(r.json.at("revision").as_int64());
    REQUIRE(f.call("POST", "/v1/config/revisions/" + rev + "/revert").status() == 200);
    CHECK(f.get("/v1/providers/oa").json.at("models").as_array().size() == 1);
  }
  SECTION("enable, disable, and the active provider's protection") {
    auto r = f.call("POST", "/v1/providers/oa/disable");
    REQUIRE(r.status() == 200);
    CHECK(r.json.at("provider").at("enabled") == false);
    check_error(f.call("PUT", "/v1/settings/active_provider", R"({"value":"oa"})"), 409, "conflict_error", "disabled");
    r = f.call("POST", "/v1/providers/oa/enable");
    REQUIRE(r.status() == 200);
    CHECK(r.json.at("provider").at("enabled") == true);
    REQUIRE(f.call("PUT", "/v1/settings/active_provider", R"({"value":"oa"})").status() == 200);
    check_error(f.call("POST", "/v1/providers/oa/disable"), 409, "conflict_error", "active provider");
    check_error(f.call("PATCH", "/v1/providers/oa", R"({"enabled":false})"), 409, "conflict_error", "active provider");
    check_error(f.call("DELETE", "/v1/providers/oa"), 409, "conflict_error", "active provider");
    check_error(f.call("POST", "/v1/providers/ghost/enable"), 404, "not_found_error", "not found");
    check_error(f.call("POST", "/v1/providers/oa/enable", R"({"really":true})"), 400, "invalid_request_error",
                "takes no body");
  }
}

TEST_CASE("admin providers: the config resource", "[server][admin]") {
  AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers", openai_body("oa", "https://api.example.com/v1")).status() == 201);

  auto r = f.get("/v1/providers/oa/config");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("provider_id") == "oa");
  CHECK(config_value(r.json.at("config"), "apiKey") == "sk-…0042");

  r = f.call("PATCH", "/v1/providers/oa/config/defaultModel", R"({"value":"gpt-x"})");
  REQUIRE(r.status() == 200);
  CHECK(config_value(r.json.at("config"), "defaultModel") == "gpt-x");
  check_error(f.call("PATCH", "/v1/providers/oa/config/timeout", R"({"value":"soon"})"), 400, "invalid_request_error",
              "timeout");
  check_error(f.call("PATCH", "/v1/providers/oa/config/nope", R"({"value":1})"), 400, "invalid_request_error", "nope");
  check_error(f.call("PATCH", "/v1/providers/oa/config/timeout", R"({"val":1})"), 400, "invalid_request_error",
              "unknown field 'val' (accepted: value)");
  check_error(f.call("PATCH", "/v1/providers/oa/config/timeout", "{}"), 400, "invalid_request_error",
              "missing field 'value'");
  check_error(f.call("PATCH", "/v1/providers/ghost/config/timeout", R"({"value":1})"), 404, "not_found_error", "ghost");

  r = f.call("DELETE", "/v1/providers/oa/config/defaultModel");
  REQUIRE(r.status() == 200);
  CHECK(config_value(r.json.at("config"), "defaultModel").is_null());
  check_error(f.call("DELETE", "/v1/providers/oa/config/defaultModel"), 404, "not_found_error", "no stored value");
  check_error(f.call("DELETE", "/v1/providers/oa/config/baseURL"), 400, "invalid_request_error", "cannot be unset");
  check_error(f.call("DELETE", "/v1/providers/oa/config/nope"), 400, "invalid_request_error", "nope");

  r = f.call("PUT", "/v1/providers/oa/config", R"({"config":{"baseURL":"https://c.example/v1"}})");
  REQUIRE(r.status() == 200);
  CHECK(config_value(r.json.at("config"), "apiKey").is_null());  // not given: removed
  check_error(f.call("PUT", "/v1/providers/oa/config", R"({"config":{}})"), 400, "invalid_request_error",
              "requires config 'baseURL'");
  check_error(f.call("PUT", "/v1/providers/oa/config", R"({"baseURL":"https://c.example/v1"})"), 400,
              "invalid_request_error", "unknown field 'baseURL'");
}

TEST_CASE("admin providers: model links, with ids that contain slashes", "[server][admin]") {
  AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers", openai_body("oa", "https://api.example.com/v1")).status() == 201);

  auto r =
      f.call("POST", "/v1/providers/oa/models", R"({"model":"vendor/m-1","default":true,"upstream_model":"m-1-2025"})");
  INFO(r.http.body);
  REQUIRE(r.status() == 201);
  CHECK(r.json.at("models").at(0).at("model_id") == "vendor/m-1");
  CHECK(r.json.at("models").at(0).at("default") == true);
  CHECK(r.json.at("models").at(0).at("upstream_model") == "m-1-2025");
  r = f.call("POST", "/v1/providers/oa/models", R"({"model":"vendor/m-1","upstream_model":"m-1-2026"})");
  CHECK(r.status() == 200);  // linking again updates the link
  REQUIRE(f.call("POST", "/v1/providers/oa/models", R"({"model":"gpt-x"})").status() == 201);
  r = f.get("/v1/providers/oa/models");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("models").as_array().size() == 2);

  r = f.call("PUT", "/v1/providers/oa/models/gpt-x/default");
  REQUIRE(r.status() == 200);
  r = f.call("PUT", "/v1/providers/oa/models/vendor/m-1/default");  // a raw slash in the id
  REQUIRE(r.status() == 200);
  for (const auto& l : r.json.at("models").as_array()) {
    CHECK(l.at("default") == (l.at("model_id") == "vendor/m-1"));
  }
  check_error(f.call("PUT", "/v1/providers/oa/models/gpt-y/default"), 404, "not_found_error", "is not linked");
  check_error(f.call("POST", "/v1/providers/oa/models", R"({"model":"bad model"})"), 400, "invalid_request_error",
              "invalid model id");
  check_error(f.call("POST", "/v1/providers/oa/models", R"({"default":true})"), 400, "invalid_request_error",
              "missing field 'model'");
  check_error(f.call("POST", "/v1/providers/ghost/models", R"({"model":"m"})"), 404, "not_found_error", "ghost");

  r = f.call("DELETE", "/v1/providers/oa/models/vendor%2Fm-1");  // an encoded slash works as well
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("models").as_array().size() == 1);
  check_error(f.call("DELETE", "/v1/providers/oa/models/vendor/m-1"), 404, "not_found_error", "is not linked");
  check_error(f.call("DELETE", "/v1/providers/oa/models/a/../b"), 400, "invalid_request_error", "invalid model id");
}

TEST_CASE("admin models: create, replace and delete models next to the client's GET", "[server][admin]") {
  AdminFixture f;
  f.start();
  auto r = f.call("POST", "/v1/models", R"({"id":"vendor/m-1","name":"M one","capabilities":["tools"]})");
  INFO(r.http.body);
  REQUIRE(r.status() == 201);
  CHECK(r.json.at("model").at("id") == "vendor/m-1");
  CHECK(r.json.at("model").at("providers").as_array().empty());
  check_error(f.call("POST", "/v1/models", R"({"id":"vendor/m-1"})"), 409, "conflict_error", "already exists");
  check_error(f.call("POST", "/v1/models", R"({"id":"x","capabilities":"tools"})"), 400, "invalid_request_error",
              "'capabilities' must be an array of strings");
  check_error(f.call("POST", "/v1/models", R"({"id":"x","capabilities":["Not Valid"]})"), 400, "invalid_request_error",
              "invalid capability");
  check_error(f.call("POST", "/v1/models", R"({"id":"a/../b"})"), 400, "invalid_request_error", "invalid model id");

  r = f.call("PUT", "/v1/models/vendor/m-1", R"({"description":"replaced","capabilities":["vision"]})");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("model").at("name") == "");
  CHECK(r.json.at("model").at("description") == "replaced");
  CHECK(r.json.at("model").at("capabilities") == boost::json::array{"vision"});
  check_error(f.call("PUT", "/v1/models/ghost", "{}"), 404, "not_found_error", "model 'ghost' not found");
  check_error(f.call("PUT", "/v1/models/%2e%2e", "{}"), 400, "invalid_request_error", "invalid model id");

  // The client route on the same path still answers (404 here: no provider serves the model).
  CHECK(router::test::http_request(f.port(), "GET", "/v1/models/vendor/m-1").status == 404);
  REQUIRE(f.call("POST", "/v1/providers", openai_body("oa", "https://api.example.com/v1")).status() == 201);
  REQUIRE(f.call("POST", "/v1/providers/oa/models", R"({"model":"vendor/m-1"})").status() == 201);
  CHECK(router::test::http_request(f.port(), "GET", "/v1/models/vendor/m-1").status == 200);

  r = f.call("DELETE", "/v1/models/vendor/m-1");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("changes").as_array().size() == 2);  // the link first, then the model
  check_error(f.call("DELETE", "/v1/models/vendor/m-1"), 404, "not_found_error", "not found");
}

TEST_CASE("admin providers: the test endpoint runs the health check", "[server][admin]") {
  MockUpstream up;
  up.on("/v1/models",
        MockUpstream::json(
            R"({"object":"list","data":[{"id":"live-1","object":"model"},{"id":"live-2","object":"model"}]})"));
  up.on("/broken/v1/models", MockUpstream::json(R"({"error":{"message":"bad key"}})", 401));
  AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers", openai_body("ok", up.url("/v1"))).status() == 201);
  REQUIRE(f.call("POST", "/v1/providers", openai_body("bad", up.url("/broken/v1"))).status() == 201);
  REQUIRE(f.call("POST", "/v1/providers", openai_body("down", "http://127.0.0.1:1/v1")).status() == 201);

  auto r = f.call("POST", "/v1/providers/ok/test");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("healthy") == true);
  CHECK(r.json.at("status") == 200);
  CHECK(r.json.at("model_count") == 2);
  CHECK(r.json.at("models") == boost::json::array{"live-1", "live-2"});
  CHECK(r.json.at("latency_ms").as_double() >= 0.0);
  CHECK(r.json.at("error").is_null());
  // The check authenticates like a request: the upstream saw the key, the answer does not show it.
  CHECK(up.requests().back().header("authorization") == "Bearer " + kSecret);
  CHECK(r.http.body.find(kSecret) == std::string::npos);

  r = f.call("POST", "/v1/providers/bad/test");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("healthy") == false);
  CHECK(r.json.at("status") == 401);
  CHECK(r.json.at("error").as_string().find("HTTP 401") != std::string::npos);

  r = f.call("POST", "/v1/providers/down/test");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("healthy") == false);
  CHECK(r.json.at("status").is_null());
  CHECK_FALSE(r.json.at("error").as_string().empty());

  check_error(f.call("POST", "/v1/providers/ghost/test"), 404, "not_found_error", "provider 'ghost' not found");
}

TEST_CASE("admin providers: a provider created over the API serves the next request and the CLI shows it",
          "[server][admin]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("from the API's provider")));
  AdminFixture f;
  f.start();
  const std::string chat = R"({"model":"gpt-api","messages":[{"role":"user","content":"hi"}]})";
  CHECK(router::test::http_request(f.port(), "POST", "/v1/chat/completions", chat).status == 503);

  REQUIRE(f.call("POST", "/v1/providers", openai_body("made-by-api", up.url("/v1"))).status() == 201);
  REQUIRE(f.call("POST", "/v1/providers/made-by-api/models", R"({"model":"gpt-api"})").status() == 201);
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", chat);
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(r.header("x-router-provider") == "made-by-api");
  REQUIRE(up.requests().size() == 1);
  CHECK(up.requests()[0].header("authorization") == "Bearer " + kSecret);

  const auto shown = router::test::run_router(f.db(), {"--json", "provider", "show", "made-by-api"});
  REQUIRE(shown.exit_code == 0);
  const auto doc = boost::json::parse(shown.out);
  CHECK(doc.at("type") == "openai");
  CHECK(config_value(doc.at("config"), "baseURL").as_string() == up.url("/v1"));
  CHECK(config_value(doc.at("config"), "apiKey") == "sk-…0042");
  CHECK(doc.at("models").at(0).at("model_id") == "gpt-api");
}
