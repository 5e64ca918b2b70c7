#include <catch2/catch.hpp>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "server/dispatcher.hpp"
#include "support/admin_api.hpp"
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
  }
  const auto it = values.find(name);
  if (it == values.end() || pattern.find('{', close) != std::string_view::npos) {
    return {};
  }
  std::vector<std::string> out;
  for (const auto& v : it->second) {
    out.push_back(std::string(pattern.substr(0, open)) + v + std::string(pattern.substr(close + 1)));
  }
  return out;
}

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
