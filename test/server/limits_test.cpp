#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"

using Catch::Matchers::Contains;
using router::test::HttpClient;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

// A chat request of about `bytes` bytes.
std::string chat_of(std::size_t bytes) {
  return boost::json::serialize(boost::json::object{
      {"model", "gpt-test"},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", std::string(bytes, 'x')}}}}});
}

void config_set(const ServerFixture& f, const std::string& key, const std::string& value) {
  const auto r = router::test::run_router(f.db(), {"config", "set", key, value});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("limits: server.max_body_bytes applies to the very next request after `config set`", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  ServerFixture f;
  f.add_provider("p", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.set("active_provider", "p");
  f.set("server.max_body_bytes", 4096);
  f.start(1);  // one worker: every request below meets the same worker's cached limits
  const std::string large = chat_of(20000);

  SECTION("on a new connection, right after a refused one") {
    const auto refused = router::test::http_request(f.port(), "POST", "/v1/chat/completions", large);
    CHECK(refused.status == 413);
    CHECK_THAT(refused.body, Contains("4096 bytes"));
    config_set(f, "server.max_body_bytes", "64k");
    CHECK(router::test::http_request(f.port(), "POST", "/v1/chat/completions", large).status == 200);
    config_set(f, "server.max_body_bytes", "4k");
    const auto again = router::test::http_request(f.port(), "POST", "/v1/chat/completions", large);
    CHECK(again.status == 413);
    CHECK_THAT(again.body, Contains("4096 bytes"));
  }
  SECTION("on a kept-alive connection") {
    HttpClient c(f.port());
    REQUIRE(c.request("POST", "/v1/chat/completions", chat_of(10)).status == 200);
    config_set(f, "server.max_body_bytes", "64k");
    REQUIRE(c.request("POST", "/v1/chat/completions", large).status == 200);
    config_set(f, "server.max_body_bytes", "4k");
    CHECK(c.request("POST", "/v1/chat/completions", large).status == 413);
  }
}
