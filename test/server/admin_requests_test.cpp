#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>

#include "support/admin_api.hpp"
#include "support/mock_upstream.hpp"

using router::test::AdminFixture;
using router::test::AdminReply;
using router::test::MockUpstream;

namespace {

std::string chat(const std::string& model) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})";
}

// An admin fixture whose active provider "oa" (a mock) answered one request per model, logged.
struct Traffic {
  MockUpstream up;
  AdminFixture f;

  explicit Traffic(std::initializer_list<const char*> models) {
    up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
    f.add_provider("oa", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
    f.set("active_provider", "oa");
    f.start();
    for (const auto* model : models) {
      REQUIRE(router::test::http_request(f.port(), "POST", "/v1/chat/completions", chat(model)).status == 200);
    }
    REQUIRE(f.logs(models.size()).size() == models.size());
  }
};

void check_param(const AdminReply& r, int status, std::string_view param) {
  INFO(r.http.body);
  CHECK(r.status() == status);
  CHECK(r.error_param() == param);
}

}  // namespace

TEST_CASE("admin requests: history with the filters of 'router history', cursor pages, one request whole",
          "[server][admin]") {
  Traffic t{"gpt-a", "gpt-b", "gpt-a", "gpt-b", "gpt-a"};
  auto& f = t.f;

  auto r = f.get("/v1/requests");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  const auto all = r.json.at("data").as_array();
  REQUIRE(all.size() == 5);
  CHECK(r.json.at("has_more") == false);
  CHECK(all.at(0).at("provider") == "oa");
  CHECK_FALSE(all.at(0).as_object().contains("request_body"));             // no bodies in the list
  CHECK(all.at(0).at("id").as_string() > all.at(4).at("id").as_string());  // newest first

  CHECK(f.get("/v1/requests?model=gpt-a").json.at("data").as_array().size() == 3);
  CHECK(f.get("/v1/requests?provider=oa&outcome=ok&status=200&since=1h").json.at("data").as_array().size() == 5);
  CHECK(f.get("/v1/requests?provider=other").json.at("data").as_array().empty());

  SECTION("cursor pagination walks every row exactly once") {
    std::vector<std::string> seen;
    std::string target = "/v1/requests?limit=2";
    for (int page = 0; page < 5; ++page) {
      r = f.get(target);
      REQUIRE(r.status() == 200);
      for (const auto& row : r.json.at("data").as_array()) {
        seen.emplace_back(row.at("id").as_string());
      }
      if (r.json.at("has_more") == false) {
        break;
      }
      target = "/v1/requests?limit=2&cursor=" + std::string(r.json.at("next_cursor").as_string());
    }
    REQUIRE(seen.size() == 5);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i] == all.at(i).at("id").as_string());
    }
  }
  SECTION("one request with its bodies and attempts") {
    const std::string id(all.at(0).at("id").as_string());
    r = f.get("/v1/requests/" + id);
    REQUIRE(r.status() == 200);
    CHECK(r.json.at("request_body").as_string() == chat(std::string(all.at(0).at("model").as_string())));
    CHECK(r.json.at("attempts").as_array().size() == 1);
    CHECK(r.json.at("attempts").at(0).at("provider") == "oa");
    CHECK(f.get("/v1/requests/req_0000000000000001").status() == 404);
    check_param(f.get("/v1/requests/not-an-id"), 400, "id");
    check_param(f.get("/v1/requests/" + id + "?full=1"), 400, "full");
  }
  SECTION("invalid filters are 400 naming the parameter") {
    check_param(f.get("/v1/requests?outcome=fine"), 400, "outcome");
    check_param(f.get("/v1/requests?status=abc"), 400, "status");
    check_param(f.get("/v1/requests?since=yesterday"), 400, "since");
    check_param(f.get("/v1/requests?limit=0"), 400, "limit");
    check_param(f.get("/v1/requests?cursor=x"), 400, "cursor");
    check_param(f.get("/v1/requests?provider=Bad%20Id"), 400, "provider");
    check_param(f.get("/v1/requests?sort=asc"), 400, "sort");
    check_param(f.get("/v1/requests?limit=1&limit=2"), 400, "limit");
  }
  SECTION("admin calls leave no request records; client calls do") {
    REQUIRE(router::test::http_request(f.port(), "POST", "/v1/chat/completions", chat("gpt-c")).status == 200);
    const auto rows = f.logs(6);
    CHECK(rows.size() == 6);
    for (const auto& row : rows) {
      CHECK(row.endpoint == "/v1/chat/completions");
    }
  }
}

TEST_CASE("admin stats: the stats of 'router stats' over HTTP", "[server][admin]") {
  Traffic t{"gpt-a", "gpt-b", "gpt-a"};
  auto& f = t.f;

  auto r = f.get("/v1/stats");
  INFO(r.http.body);
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("object") == "stats");
  CHECK(r.json.at("group_by") == "provider");
  CHECK(r.json.at("total").at("requests") == 3);
  CHECK(r.json.at("total").at("prompt_tokens") == 33);
  r = f.get("/v1/stats?by=model&since=1h&provider=oa");
  REQUIRE(r.status() == 200);
  CHECK(r.json.at("groups").as_array().size() == 2);
  CHECK(r.json.at("groups").at(0).at("key") == "gpt-a");
  CHECK(r.json.at("groups").at(0).at("requests") == 2);
  check_param(f.get("/v1/stats?by=week"), 400, "by");
  check_param(f.get("/v1/stats?since=1h&until=2h"), 400, "since");
  check_param(f.get("/v1/stats?model=gpt-a"), 400, "model");
}

TEST_CASE("admin requests: ?endpoint= takes the path or the dialect name the client called, stats by endpoint",
          "[server][admin]") {
  Traffic t{"gpt-a", "gpt-b"};
  auto& f = t.f;
  const std::string messages = R"({"model":"gpt-a","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})";
  REQUIRE(router::test::http_request(f.port(), "POST", "/v1/messages", messages).status == 200);
  REQUIRE(f.logs(3).size() == 3);

  for (const char* filter : {"messages", "/v1/messages", "%2Fv1%2Fmessages"}) {
    CAPTURE(filter);
    const auto r = f.get(std::string("/v1/requests?endpoint=") + filter);
    INFO(r.http.body);
    REQUIRE(r.status() == 200);
    const auto& data = r.json.at("data").as_array();
    REQUIRE(data.size() == 1);
    CHECK(data.at(0).at("endpoint") == "/v1/messages");
    CHECK(data.at(0).at("model") == "gpt-a");
  }
  const auto chat_rows = f.get("/v1/requests?endpoint=chat&model=gpt-a");
  REQUIRE(chat_rows.status() == 200);
  REQUIRE(chat_rows.json.at("data").as_array().size() == 1);
  CHECK(chat_rows.json.at("data").at(0).at("endpoint") == "/v1/chat/completions");
  CHECK(f.get("/v1/requests?endpoint=embeddings").json.at("data").as_array().empty());

  // The same traffic per endpoint in the stats; the other groupings sum over the endpoints.
  const auto stats = f.get("/v1/stats?by=endpoint");
  INFO(stats.http.body);
  REQUIRE(stats.status() == 200);
  CHECK(stats.json.at("group_by") == "endpoint");
  const auto& groups = stats.json.at("groups").as_array();
  REQUIRE(groups.size() == 2);
  CHECK(groups.at(0).at("key") == "/v1/chat/completions");
  CHECK(groups.at(0).at("requests") == 2);
  CHECK(groups.at(1).at("key") == "/v1/messages");
  CHECK(groups.at(1).at("requests") == 1);
  CHECK(stats.json.at("total").at("requests") == 3);
  const auto by_model = f.get("/v1/stats?by=model");
  REQUIRE(by_model.status() == 200);
  CHECK(by_model.json.at("groups").at(0).at("key") == "gpt-a");
  CHECK(by_model.json.at("groups").at(0).at("requests") == 2);

  const auto bad = f.get("/v1/requests?endpoint=message");
  check_param(bad, 400, "endpoint");
  CHECK_THAT(bad.error_message(),
             Catch::Contains("name one of chat, messages, responses, embeddings, completions, count_tokens"));
}
