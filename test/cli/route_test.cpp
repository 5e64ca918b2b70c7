// Issue 19 item 6: `router route` asks the running server of its database (GET /v1/route, with the
// server's local token) and says so; without one it computes the decision itself, without
// resolving env: in its own environment, and says that; reasons are right; unknown provider: 3.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/cli.hpp"
#include "support/http_client.hpp"

using router::test::CliDb;
using router::test::ServeProcess;

namespace {

constexpr const char* kEnvKey = "ROUTE_TEST_API_KEY";

// envkey: its key lives only in the server's environment. off: disabled. proxy: a type whose
// default model (qwen3-max) comes from the type, not from a link.
void configure(const CliDb& c) {
  REQUIRE(c.run({"provider", "add", "envkey", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--set",
                 "defaultModel=gpt-x", "--secret", std::string("apiKey=env:") + kEnvKey})
              .exit_code == 0);
  REQUIRE(c.run({"provider", "add", "off", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--disabled"})
              .exit_code == 0);
  REQUIRE(c.run({"provider", "add", "proxy", "--type", "qwen-proxy"}).exit_code == 0);
  REQUIRE(c.run({"set", "envkey"}).exit_code == 0);
}

std::string reason_of(const boost::json::object& doc, const std::string& list, const std::string& provider) {
  for (const auto& e : doc.at(list).as_array()) {
    if (e.at("provider").as_string() == provider) {
      return std::string(e.at("reason").as_string());
    }
  }
  return "(absent)";
}

router::test::ProcessOptions without_key() {
  router::test::ProcessOptions o;
  o.unset_env.emplace_back(kEnvKey);
  return o;
}

}  // namespace

TEST_CASE("route: without a server it computes locally, says so, and gets the reasons right", "[cli][route]") {
  CliDb c;
  configure(c);
  const auto doc = c.json({"route"}, without_key());
  CHECK(doc.at("source").at("answered_by").as_string() == "local");
  // The CLI's environment lacks the variable; the server's may not: it is assumed, and named.
  CHECK(reason_of(doc, "candidates", "envkey") == "active provider");
  const auto notes = boost::json::serialize(doc.at("source").at("notes"));
  CHECK(notes.find(kEnvKey) != std::string::npos);
  CHECK(reason_of(doc, "skipped", "off") == "disabled");  // was "no default model"
  // The type's default model counts (was skipped as "no default model" before).
  CHECK(reason_of(doc, "candidates", "proxy").find("fallback") != std::string::npos);

  const auto human = c.run({"route"}, without_key());
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("no server of this database is running") != std::string::npos);
}

TEST_CASE("route: an unknown pinned provider is exit 3, with or without a server", "[cli][route]") {
  CliDb c;
  configure(c);
  auto r = c.run({"route", "-p", "nope"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("provider 'nope' not found") != std::string::npos);

  router::test::ProcessOptions env;
  env.env.emplace(kEnvKey, "sk-server-side");
  ServeProcess serve(c.db, c.dir / "serve.log", env);
  REQUIRE(serve.port() != 0);
  r = c.run({"route", "-p", "nope"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("provider 'nope' not found") != std::string::npos);
}

TEST_CASE("route: asks the running server of this database, whose environment resolves env:", "[cli][route]") {
  CliDb c;
  configure(c);
  router::test::ProcessOptions env;
  env.env.emplace(kEnvKey, "sk-server-side");
  ServeProcess serve(c.db, c.dir / "serve.log", env);
  INFO(serve.log());
  REQUIRE(serve.port() != 0);

  // No admin key exists: the local token from the server record is what lets the CLI in.
  const auto doc = c.json({"route", "--model", "gpt-x"}, without_key());
  CHECK(doc.at("source").at("answered_by").as_string() == "server");
  CHECK(doc.at("source").at("listen").as_string() == serve.listen());
  CHECK(reason_of(doc, "candidates", "envkey") == "active provider");
  CHECK(doc.at("source").at("notes").as_array().empty());
  const auto human = c.run({"route"}, without_key());
  CHECK(human.out.find("asked the running server at http://" + serve.listen()) != std::string::npos);
}

TEST_CASE("route: the server's local token opens read-only admin routes only", "[cli][route][server]") {
  CliDb c;
  configure(c);
  ServeProcess serve(c.db, c.dir / "serve.log");
  REQUIRE(serve.port() != 0);
  const auto record = c.dir / ("router.serve-" + std::to_string(serve.pid()) + ".json");
  const auto token = std::string(boost::json::parse(router::test::read_file(record)).at("token").as_string());
  REQUIRE(token.size() == 64);
  const router::test::Headers auth{{"Authorization", "Bearer " + token}};
  CHECK(router::test::http_request(serve.port(), "GET", "/v1/route", "", auth).status == 200);
  CHECK(router::test::http_request(serve.port(), "GET", "/v1/route", "", {{"Authorization", "Bearer nope"}}).status ==
        403);  // no admin key exists: the admin API stays closed to everyone else
  CHECK(router::test::http_request(serve.port(), "POST", "/v1/providers/off/enable", "", auth).status == 403);
  CHECK(router::test::http_request(serve.port(), "GET", "/v1/route?provider=nope", "", auth).status == 404);
}

TEST_CASE("route: --endpoint skips providers that cannot serve it, locally and through the server", "[cli][route]") {
  CliDb c;
  configure(c);
  REQUIRE(c.run({"provider", "add", "an", "--type", "anthropic", "--secret", "apiKey=sk-ant-route-test-0001"}).exit_code == 0);
  REQUIRE(c.run({"model", "link", "envkey", "gpt-x"}).exit_code == 0);
  REQUIRE(c.run({"set", "an"}).exit_code == 0);
  auto check = [&](const boost::json::object& doc) {
    CHECK(doc.at("endpoint").as_string() == "/v1/embeddings");
    CHECK(reason_of(doc, "skipped", "an") == "anthropic providers do not serve /v1/embeddings");
    CHECK(reason_of(doc, "skipped", "proxy") == "qwen-proxy providers do not serve /v1/embeddings");
    CHECK(reason_of(doc, "candidates", "envkey").find("fallback") != std::string::npos);
  };
  check(c.json({"route", "-m", "gpt-x", "--endpoint", "embeddings"}, without_key()));
  // Chat completions: every type serves it.
  const auto chat = c.json({"route", "-m", "gpt-x"}, without_key());
  CHECK(reason_of(chat, "candidates", "an") == "active provider");

  const auto bad = c.run({"route", "--endpoint", "images"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown endpoint 'images'") != std::string::npos);

  router::test::ProcessOptions env;
  env.env.emplace(kEnvKey, "sk-server-side");
  ServeProcess serve(c.db, c.dir / "serve.log", env);
  REQUIRE(serve.port() != 0);
  const auto doc = c.json({"route", "-m", "gpt-x", "--endpoint", "/v1/embeddings"}, without_key());
  CHECK(doc.at("source").at("answered_by").as_string() == "server");
  check(doc);
  const auto human = c.run({"route", "-m", "gpt-x", "-e", "embeddings"}, without_key());
  CHECK(human.out.find("on /v1/embeddings") != std::string::npos);
}
