#include <catch2/catch.hpp>

#include <atomic>
#include <memory>

#include <boost/json.hpp>

#include "support/dialects.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

// OpenAI Responses state read back from the request log (docs/dialects.md "Response ids,
// retrieval and previous_response_id"): GET /v1/responses/{id} and previous_response_id, through a
// real server, its real logs database and an OpenAI upstream that records what it was sent.

using Catch::Matchers::Contains;
using router::test::Headers;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

const std::string kKeyA = "rk-responses-key-a-0000000000000001";
const std::string kKeyB = "rk-responses-key-b-0000000000000002";

void openai_provider(ServerFixture& f, const MockUpstream& up) {
  f.add_provider("p", "openai", {{"baseURL", up.url("/v1")}});
  f.link("p", "gpt-test");
  f.set("active_provider", "p");
}

// Client keys "a" (kKeyA) and "b" (kKeyB), required.
void start_with_two_keys(ServerFixture& f, const MockUpstream& up) {
  openai_provider(f, up);
  f.add_key("a", "client", kKeyA);
  f.add_key("b", "client", kKeyB);
  f.set("auth.clients", "keys");
  f.start();
}

const Headers kAsA{{"authorization", "Bearer " + kKeyA}};
const Headers kAsB{{"authorization", "Bearer " + kKeyB}};

// Answers the n-th chat request with answers[n] (the last one from then on).
router::test::MockBehaviour turns(std::vector<std::string> answers) {
  auto n = std::make_shared<std::atomic<std::size_t>>(0);
  return [answers = std::move(answers), n](const MockRequest&, MockConn& c) {
    const auto i = std::min(n->fetch_add(1), answers.size() - 1);
    c.respond(200, answers[i]);
  };
}

router::test::HttpResponse post(const ServerFixture& f, const std::string& body, const Headers& headers = {}) {
  return router::test::http_request(f.port(), "POST", "/v1/responses", body, headers);
}

router::test::HttpResponse get(const ServerFixture& f, const std::string& id, const Headers& headers = {}) {
  return router::test::http_request(f.port(), "GET", "/v1/responses/" + id, {}, headers);
}

std::string id_of(const router::test::HttpResponse& r) {
  REQUIRE(r.status == 200);
  return std::string(boost::json::parse(r.body).at("id").as_string());
}

boost::json::object error_of(const router::test::HttpResponse& r) {
  return boost::json::parse(r.body).at("error").as_object();
}

std::string message_of(const router::test::HttpResponse& r) {
  return std::string(error_of(r).at("message").as_string());
}

// The chat messages the upstream received with its n-th request.
boost::json::array sent_messages(const MockUpstream& up, std::size_t n) {
  const auto requests = up.requests();
  REQUIRE(requests.size() > n);
  return boost::json::parse(requests[n].body).at("messages").as_array();
}

std::string role_and_text(const boost::json::value& m) {
  const auto& o = m.as_object();
  std::string out(o.at("role").as_string());
  if (const auto* c = o.if_contains("content"); c != nullptr && c->is_string()) {
    out += ": " + std::string(c->as_string());
  }
  if (const auto* calls = o.if_contains("tool_calls")) {
    for (const auto& call : calls->as_array()) {
      out += " [" + std::string(call.at("id").as_string()) + " " +
             std::string(call.at("function").at("name").as_string()) + " " +
             std::string(call.at("function").at("arguments").as_string()) + "]";
    }
  }
  if (const auto* id = o.if_contains("tool_call_id")) {
    out += " (" + std::string(id->as_string()) + ")";
  }
  return out;
}

std::vector<std::string> conversation(const boost::json::array& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    out.push_back(role_and_text(m));
  }
  return out;
}

}  // namespace

TEST_CASE("responses state: GET /v1/responses/{id} returns the logged response, whole or streamed", "[server][dialects]") {
  MockUpstream up;
  ServerFixture f;
  openai_provider(f, up);
  f.start();

  SECTION("not streamed: the bytes the client got, under the id it got") {
    up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("Hi back")));
    const auto r = post(f, R"({"model":"gpt-test","input":"hi"})");
    const auto id = id_of(r);
    // Named after the request's log row, not after the upstream's chatcmpl-mock1.
    CHECK(id == "resp_" + r.header("x-request-id").substr(4));
    CHECK(boost::json::parse(r.body).at("output").at(0).at("id").as_string() == "msg_" + id.substr(5) + "_0");
    const auto g = get(f, id);
    REQUIRE(g.status == 200);
    CHECK(g.body == r.body);
    CHECK_THAT(g.header("content-type"), Contains("application/json"));
    // The read is a client request like any other: it has its own log row.
    const auto logs = f.logs_through(g.header("x-request-id"));
    bool logged = false;
    for (const auto& row : logs) {
      logged = logged || (row.endpoint == "/v1/responses/" + id && row.status == 200);
    }
    CHECK(logged);
  }
  SECTION("streamed: every event and the logged response object carry one id") {
    up.on("/v1/chat/completions", MockUpstream::sse({"Hi", " back"}));
    const auto r = post(f, R"({"model":"gpt-test","input":"hi","stream":true})");
    REQUIRE(r.status == 200);
    const auto data = router::test::sse_data(r.body);
    REQUIRE(data.size() > 2);
    const std::string id(boost::json::parse(data.front()).at("response").at("id").as_string());
    CHECK(id == "resp_" + r.header("x-request-id").substr(4));
    const auto completed = boost::json::parse(data.back()).at("response");
    CHECK(completed.at("id").as_string() == id);
    const auto g = get(f, id);
    REQUIRE(g.status == 200);
    const auto stored = boost::json::parse(g.body);
    CHECK(stored.at("id").as_string() == id);
    CHECK(stored.at("status") == "completed");
    CHECK(stored.at("output") == completed.at("output"));
  }
}

TEST_CASE("responses state: GET /v1/responses/{id} refuses what the caller may not read", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("secret answer")));
  ServerFixture f;
  start_with_two_keys(f, up);
  const auto id = id_of(post(f, R"({"model":"gpt-test","input":"hi"})", kAsA));

  SECTION("the key that made it reads it") { CHECK(get(f, id, kAsA).status == 200); }
  SECTION("another client key gets the 404 of an unknown id, in the OpenAI shape") {
    const auto r = get(f, id, kAsB);
    CHECK(r.status == 404);
    CHECK(error_of(r).at("type") == "not_found_error");
    CHECK_THAT(message_of(r), Contains("not found"));
    CHECK_THAT(r.body, !Contains("secret answer"));
    // Word for word the answer to an id never issued: nothing tells that the response exists.
    const std::string never = "resp_" + std::string(16, '0');
    const auto unknown = get(f, never, kAsB);
    CHECK(unknown.status == 404);
    auto expected = message_of(unknown);
    expected.replace(expected.find(never), never.size(), id);
    CHECK(message_of(r) == expected);
  }
  SECTION("no key: 401") { CHECK(get(f, id).status == 401); }
  SECTION("a refused request's id names no response") {
    const auto fresh = post(f, "{", kAsA);
    REQUIRE(fresh.status == 400);
    const auto r = get(f, "resp_" + fresh.header("x-request-id").substr(4), kAsA);
    CHECK(r.status == 404);
    CHECK_THAT(message_of(r), Contains("did not complete (HTTP 400"));
  }
  SECTION("a chat completion's id is no response") {
    const auto chat = router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat, kAsA);
    REQUIRE(chat.status == 200);
    const auto r = get(f, "resp_" + chat.header("x-request-id").substr(4), kAsA);
    CHECK(r.status == 404);
    CHECK_THAT(message_of(r), Contains("/v1/chat/completions"));
  }
  SECTION("a malformed id: 400") {
    for (const std::string bad : {"resp_xyz", "req_0000000000000000", "resp_0191a2b3c4d5e6f7aa", "x"}) {
      const auto r = get(f, bad, kAsA);
      CHECK(r.status == 400);
      CHECK_THAT(message_of(r), Contains("not a response id"));
    }
  }
  SECTION("stream=true is refused, not answered in the wrong shape") {
    const auto r = router::test::http_request(f.port(), "GET", "/v1/responses/" + id + "?stream=true", {}, kAsA);
    CHECK(r.status == 400);
    CHECK(error_of(r).at("param") == "stream");
  }
}

TEST_CASE("responses state: a response whose bodies were not logged, or made with store false, is not found",
          "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("Hi back")));
  ServerFixture f;
  openai_provider(f, up);

  SECTION("logging.bodies metadata") {
    f.set("logging.bodies", "metadata");
    f.start();
    const auto id = id_of(post(f, R"({"model":"gpt-test","input":"hi"})"));
    const auto r = get(f, id);
    CHECK(r.status == 404);
    CHECK_THAT(message_of(r), Contains("logging.bodies"));
    const auto next = post(f, R"({"model":"gpt-test","input":"more","previous_response_id":")" + id + R"("})");
    CHECK(next.status == 400);
    CHECK(error_of(next).at("param") == "previous_response_id");
    CHECK_THAT(message_of(next), Contains("logging.bodies"));
    CHECK(up.hits("/v1/chat/completions") == 1);
  }
  SECTION("store: false") {
    f.start();
    const auto id = id_of(post(f, R"({"model":"gpt-test","input":"hi","store":false})"));
    const auto r = get(f, id);
    CHECK(r.status == 404);
    CHECK_THAT(message_of(r), Contains("store: false"));
    const auto next = post(f, R"({"model":"gpt-test","input":"more","previous_response_id":")" + id + R"("})");
    CHECK(next.status == 400);
    CHECK_THAT(message_of(next), Contains("store: false"));
  }
  SECTION("bodies cut at logging.max_body_bytes") {
    f.set("logging.max_body_bytes", 64);
    f.start();
    const auto id = id_of(post(f, R"({"model":"gpt-test","input":"a question long enough to be cut by the limit"})"));
    const auto r = get(f, id);
    CHECK(r.status == 404);
    CHECK_THAT(message_of(r), Contains("logging.max_body_bytes"));
  }
}

TEST_CASE("responses state: previous_response_id continues a streamed turn", "[server][dialects]") {
  MockUpstream up;
  ServerFixture f;
  openai_provider(f, up);
  f.start();
  up.on("/v1/chat/completions", MockUpstream::sse({"Paris", " is the capital."}));
  const auto first = post(f, R"({"model":"gpt-test","instructions":"Be brief.","input":"Capital of France?","stream":true})");
  REQUIRE(first.status == 200);
  const std::string id(
      boost::json::parse(router::test::sse_data(first.body).front()).at("response").at("id").as_string());

  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("About 2 million.")));
  const std::string second_body =
      R"({"model":"gpt-test","previous_response_id":")" + id + R"(","input":[{"role":"user","content":"Population?"}]})";
  // Sent at once: the first turn's row may still be queued for the writer.
  const auto second = post(f, second_body);
  REQUIRE(second.status == 200);
  const auto reply = boost::json::parse(second.body);
  CHECK(reply.at("previous_response_id").as_string() == id);
  CHECK(reply.at("output").at(0).at("content").at(0).at("text") == "About 2 million.");
  // The earlier turn, then the new input; the first turn's instructions are not carried over.
  CHECK(conversation(sent_messages(up, 1)) ==
        std::vector<std::string>{"user: Capital of France?", "assistant: Paris is the capital.", "user: Population?"});
  // The log keeps what the client sent, not the expansion.
  const auto logs = f.logs_through(second.header("x-request-id"));
  bool found = false;
  for (const auto& row : logs) {
    if (row.request_id == second.header("x-request-id")) {
      found = true;
      REQUIRE(row.request_body);
      CHECK(*row.request_body == second_body);
    }
  }
  CHECK(found);
}

TEST_CASE("responses state: a three-turn chain through a function call reaches the upstream in order",
          "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions",
        turns({router::test::fixture("dialects/chat_reply_tools.json"), MockUpstream::completion_json("It is sunny."),
               MockUpstream::completion_json("De rien.")}));
  ServerFixture f;
  openai_provider(f, up);
  f.start();

  const auto t1 = post(f, R"({"model":"gpt-test","instructions":"Be brief.","input":"Weather in Paris?",)"
                          R"("tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]})");
  const auto id1 = id_of(t1);
  const auto calls = boost::json::parse(t1.body).at("output").as_array();
  REQUIRE(calls.back().at("type") == "function_call");
  CHECK(calls.back().at("call_id") == "call_abc123");

  const auto t2 = post(f, R"({"model":"gpt-test","previous_response_id":")" + id1 +
                              R"(","input":[{"type":"function_call_output","call_id":"call_abc123","output":"sunny, 21C"}]})");
  const auto id2 = id_of(t2);
  const std::vector<std::string> turn2{"user: Weather in Paris?",
                                       R"(assistant: I'll look that up. [call_abc123 get_weather {"city":"Paris"}])",
                                       "tool: sunny, 21C (call_abc123)"};
  CHECK(conversation(sent_messages(up, 1)) == turn2);

  const auto t3 = post(f, R"({"model":"gpt-test","instructions":"Answer in French.","previous_response_id":")" + id2 +
                              R"(","input":"Thanks!"})");
  REQUIRE(t3.status == 200);
  auto turn3 = turn2;
  turn3.insert(turn3.begin(), "system: Answer in French.");
  turn3.emplace_back("assistant: It is sunny.");
  turn3.emplace_back("user: Thanks!");
  CHECK(conversation(sent_messages(up, 2)) == turn3);
  // Instructions are not inherited.
  CHECK_THAT(up.requests()[1].body, !Contains("Be brief."));
  CHECK_THAT(up.requests()[2].body, !Contains("Be brief."));
  CHECK(get(f, id_of(t3)).body == t3.body);
}

TEST_CASE("responses state: an unresolvable previous_response_id is a 400 naming it", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("Hi back")));
  ServerFixture f;
  start_with_two_keys(f, up);
  const auto next = [&](const std::string& previous, const Headers& h) {
    return post(f, R"({"model":"gpt-test","input":"more","previous_response_id":")" + previous + R"("})", h);
  };

  SECTION("unknown") {
    const auto r = next("resp_" + std::string(16, '0'), kAsA);
    CHECK(r.status == 400);
    CHECK(error_of(r).at("type") == "invalid_request_error");
    CHECK(error_of(r).at("param") == "previous_response_id");
    CHECK_THAT(message_of(r), Contains("not found"));
    CHECK(up.hits("/v1/chat/completions") == 0);
    // Refused requests are logged like any other, with the client's bytes.
    const auto logs = f.logs_through(r.header("x-request-id"));
    REQUIRE_FALSE(logs.empty());
    CHECK(logs.back().status == 400);
  }
  SECTION("not one of this router's ids") {
    const auto r = next("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", kAsA);
    CHECK(r.status == 400);
    CHECK(error_of(r).at("param") == "previous_response_id");
    CHECK_THAT(message_of(r), Contains("not a response id"));
  }
  SECTION("another key's response") {
    const auto id = id_of(post(f, R"({"model":"gpt-test","input":"hi"})", kAsA));
    const auto r = next(id, kAsB);
    CHECK(r.status == 400);
    CHECK_THAT(message_of(r), Contains("not found"));
    CHECK(up.hits("/v1/chat/completions") == 1);
    CHECK(next(id, kAsA).status == 200);
  }
}

TEST_CASE("responses state: a previous_response_id chain is bounded in length and in bytes", "[server][dialects]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("ok")));
  ServerFixture f;
  openai_provider(f, up);
  const auto turn = [&](const std::string& previous, const std::string& input = "next") {
    const std::string link = previous.empty() ? "" : R"(,"previous_response_id":")" + previous + R"(")";
    return post(f, R"({"model":"gpt-test","input":")" + input + "\"" + link + "}");
  };

  SECTION("a request continues a chain of 64 responses, not of 65") {
    f.start();
    std::string id;
    for (int i = 0; i <= 64; ++i) {
      id = id_of(turn(id));
    }
    CHECK(sent_messages(up, 64).size() == 2 * 64 + 1);  // the whole conversation reached the upstream
    const auto r = turn(id);
    CHECK(r.status == 400);
    CHECK(error_of(r).at("param") == "previous_response_id");
    CHECK_THAT(message_of(r), Contains("more than 64 responses"));
    CHECK(up.hits("/v1/chat/completions") == 65);
  }
  SECTION("at most server.max_body_bytes of logged bodies") {
    f.set("server.max_body_bytes", 1024);
    f.start();
    const auto first = id_of(turn("", std::string(700, 'x')));
    const auto r = turn(first);
    CHECK(r.status == 400);
    CHECK_THAT(message_of(r), Contains("server.max_body_bytes"));
    CHECK(up.hits("/v1/chat/completions") == 1);
  }
}
