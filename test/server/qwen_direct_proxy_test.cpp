#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <set>
#include <thread>

#include "core/clock.hpp"
#include "support/admin_api.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"

using Catch::Matchers::Contains;
using router::test::fixture;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;
using router::test::ServerFixture;

namespace {

// A Qwen web API on a mock: chats/new hands out chat-1, chat-2, …; every completion answers
// "answer <n> in <chat>" with parent id P<n> (n counts completions), as JSON or as SSE.
class FakeQwen {
 public:
  FakeQwen() {
    up.on("/api/v2/chats/new", [this](const MockRequest&, MockConn& c) {
      const int n = ++chats_;
      c.respond(200, fmt::format(R"({{"success":true,"request_id":"r","data":{{"id":"chat-{}"}}}})", n));
    });
    up.on("/api/v2/chat/completions", [this](const MockRequest& req, MockConn& c) {
      const auto body = boost::json::parse(req.body).as_object();
      const std::string chat(body.at("chat_id").as_string());
      const int n = ++completions_;
      const std::string text = fmt::format("answer {} in {}", n, chat);
      if (body.at("stream").as_bool()) {
        c.begin_chunked();
        c.chunk(fmt::format(R"(data: {{"response.created":{{"chat_id":"{}","parent_id":"P{}","response_id":"x"}}}})"
                            "\n\n",
                            chat, n));
        c.chunk(fmt::format(R"(data: {{"choices":[{{"delta":{{"role":"assistant","content":"{}","phase":"answer","status":"typing"}}}}],"usage":{{"input_tokens":3,"output_tokens":4,"total_tokens":7}}}})"
                            "\n\n",
                            text));
        c.chunk(R"(data: {"choices":[{"delta":{"content":"","role":"assistant","status":"finished","phase":"answer"}}]})"
                "\n\n");
        c.end_chunked();
        return;
      }
      c.respond(200, fmt::format(R"({{"success":true,"data":{{"parent_id":"P{}","message_id":"m{}","choices":[{{"message":{{"role":"assistant","content":"{}"}}}}]}}}})",
                                 n, n, text));
    });
  }

  // The completion requests seen, as (chat_id, parent_id or "null", content).
  [[nodiscard]] std::vector<std::tuple<std::string, std::string, std::string>> sent() const {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& r : up.requests()) {
      if (r.target.rfind("/api/v2/chat/completions", 0) != 0) {
        continue;
      }
      const auto b = boost::json::parse(r.body).as_object();
      const auto& m = b.at("messages").at(0).as_object();
      const auto parent = b.at("parent_id").is_null() ? std::string("null") : std::string(b.at("parent_id").as_string());
      CHECK(m.at("parentId") == b.at("parent_id"));
      CHECK(m.at("parent_id") == b.at("parent_id"));
      CHECK(r.target == "/api/v2/chat/completions?chat_id=" + std::string(b.at("chat_id").as_string()));
      out.emplace_back(std::string(b.at("chat_id").as_string()), parent, std::string(m.at("content").as_string()));
    }
    return out;
  }

  MockUpstream up;

 private:
  std::atomic<int> chats_{0};
  std::atomic<int> completions_{0};
};

boost::json::object qwen_config(const MockUpstream& up) {
  return {{"token", "umid-1"}, {"cookies", "bx-umidtoken=umid-1; other=x"}, {"baseURL", up.url()}};
}

// A chat request body from (role, content) pairs.
std::string chat(const std::vector<std::pair<std::string, std::string>>& messages, bool stream = false,
                 std::string_view extra = {}) {
  boost::json::array arr;
  for (const auto& [role, content] : messages) {
    arr.push_back(boost::json::object{{"role", role}, {"content", content}});
  }
  auto body = boost::json::object{{"model", "qwen3-max"}, {"messages", std::move(arr)}, {"stream", stream}};
  if (!extra.empty()) {
    const auto more = boost::json::parse(extra);
    for (const auto& kv : more.as_object()) {
      body[kv.key()] = kv.value();
    }
  }
  return boost::json::serialize(body);
}

std::string answer_of(const router::test::HttpResponse& r) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 200);
  return std::string(boost::json::parse(r.body).at("choices").at(0).at("message").at("content").as_string());
}

struct QwenServer {
  FakeQwen qwen;
  ServerFixture f;
  explicit QwenServer(boost::json::object extra = {}) {
    auto cfg = qwen_config(qwen.up);
    for (const auto& kv : extra) {
      cfg[kv.key()] = kv.value();
    }
    f.add_provider("qw", "qwen-direct", cfg);
    f.set("active_provider", "qw");
    f.start();
  }
  router::test::HttpResponse post(const std::string& body) {
    return router::test::http_request(f.port(), "POST", "/v1/chat/completions", body);
  }
};

}  // namespace

TEST_CASE("qwen-direct proxy: turn 2 reuses turn 1's chat and parent, a regenerated turn branches", "[server]") {
  QwenServer s;
  const std::string u1 = "My favorite color is blue";
  const auto a1 = answer_of(s.post(chat({{"user", u1}})));
  CHECK(a1 == "answer 1 in chat-1");
  const auto a2 = answer_of(s.post(chat({{"user", u1}, {"assistant", a1}, {"user", "What is my favorite color?"}})));
  // The client regenerates turn 2: the same history up to a1, so the same parent.
  const auto a2b = answer_of(s.post(chat({{"user", u1}, {"assistant", a1}, {"user", "What is my favourite colour?"}})));
  // Each branch continues from its own answer.
  (void)answer_of(s.post(chat({{"user", u1}, {"assistant", a1}, {"user", "What is my favorite color?"},
                               {"assistant", a2}, {"user", "And mine?"}})));
  (void)answer_of(s.post(chat({{"user", u1}, {"assistant", a1}, {"user", "What is my favourite colour?"},
                               {"assistant", a2b}, {"user", "And yours?"}})));

  const auto sent = s.qwen.sent();
  REQUIRE(sent.size() == 5);
  CHECK(s.qwen.up.hits("/api/v2/chats/new") == 1);
  CHECK(sent[0] == std::make_tuple(std::string("chat-1"), std::string("null"), u1));
  CHECK(sent[1] == std::make_tuple(std::string("chat-1"), std::string("P1"), std::string("What is my favorite color?")));
  CHECK(sent[2] == std::make_tuple(std::string("chat-1"), std::string("P1"), std::string("What is my favourite colour?")));
  CHECK(sent[3] == std::make_tuple(std::string("chat-1"), std::string("P2"), std::string("And mine?")));
  CHECK(sent[4] == std::make_tuple(std::string("chat-1"), std::string("P3"), std::string("And yours?")));

  // The state lives in the logs database, keyed by hashes (no conversation text).
  s.f.stop();
  SQLite::Database logs((s.f.dir() / "router-logs.db").string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(logs, "SELECT count(*), min(length(key)), count(DISTINCT chat_id) FROM provider_sessions "
                            "WHERE provider_id = 'qw'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == 5);
  CHECK(q.getColumn(1).getInt() == 64);
  CHECK(q.getColumn(2).getInt() == 1);
}

TEST_CASE("qwen-direct proxy: two conversations with the same first message use different chats", "[server]") {
  QwenServer s;
  const auto a = answer_of(s.post(chat({{"user", "hello"}})));
  const auto b = answer_of(s.post(chat({{"user", "hello"}})));
  (void)answer_of(s.post(chat({{"user", "hello"}, {"assistant", b}, {"user", "second of B"}})));
  (void)answer_of(s.post(chat({{"user", "hello"}, {"assistant", a}, {"user", "second of A"}})));
  const auto sent = s.qwen.sent();
  REQUIRE(sent.size() == 4);
  CHECK(s.qwen.up.hits("/api/v2/chats/new") == 2);
  CHECK(std::get<0>(sent[0]) == "chat-1");
  CHECK(std::get<0>(sent[1]) == "chat-2");
  CHECK(sent[2] == std::make_tuple(std::string("chat-2"), std::string("P2"), std::string("second of B")));
  CHECK(sent[3] == std::make_tuple(std::string("chat-1"), std::string("P1"), std::string("second of A")));
}

TEST_CASE("qwen-direct proxy: an unknown or expired history starts a new chat with the history folded in",
          "[server]") {
  QwenServer s({{"sessionTtl", 1}});
  const auto a1 = answer_of(s.post(chat({{"system", "Be brief."}, {"user", "hi"}})));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the 1 ms state has expired
  (void)answer_of(s.post(chat({{"system", "Be brief."}, {"user", "hi"}, {"assistant", a1}, {"user", "again"}})));
  const auto sent = s.qwen.sent();
  REQUIRE(sent.size() == 2);
  CHECK(std::get<2>(sent[0]) == "Be brief.\n\nhi");
  CHECK(std::get<0>(sent[1]) == "chat-2");
  CHECK(std::get<1>(sent[1]) == "null");
  CHECK(std::get<2>(sent[1]) == "Be brief.\n\nThe conversation so far (continue it as the assistant):\n\nUser: hi\n\n"
                                "Assistant: answer 1 in chat-1\n\nUser: again");
}

TEST_CASE("qwen-direct proxy: the recorded stream is translated, logged with usage, and chains the next turn",
          "[server]") {
  FakeQwen qwen;
  qwen.up.on("/api/v2/chat/completions", router::test::sse_transcript(fixture("qwen/stream_answer.sse"), 11));
  qwen.up.on("/api/v2/chats/new", MockUpstream::json(fixture("qwen/chat_new.json")));
  ServerFixture f;
  f.add_provider("qw", "qwen-direct", qwen_config(qwen.up));
  f.set("active_provider", "qw");
  f.start();
  const auto body = chat({{"user", "explain law to an alien"}}, true, R"({"temperature":0.5})");
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", body);
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  const auto events = router::test::sse_data(r.body);
  REQUIRE(events.size() == 5);  // 3 content chunks, the finish chunk, [DONE]
  CHECK(events.back() == "[DONE]");
  std::string text;
  std::set<std::string> ids;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const auto c = boost::json::parse(events[i]).as_object();
    ids.insert(std::string(c.at("id").as_string()));
    if (const auto* t = c.at("choices").at(0).at("delta").as_object().if_contains("content")) {
      text += t->as_string();
    }
  }
  CHECK(ids.size() == 1);
  CHECK(text == "Greetings, visitor.");
  const auto logs = f.logs(1);
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].outcome == "ok");
  CHECK(logs[0].prompt_tokens == 33);
  CHECK(logs[0].completion_tokens == 5);
  CHECK(logs[0].error == "ignored by qwen-direct: temperature");
  const auto logged = boost::json::parse(logs[0].response_body.value());
  CHECK(logged.at("choices").at(0).at("message").at("content") == "Greetings, visitor.");

  // The next turn continues from the stream's response.created parent.
  qwen.up.on("/api/v2/chat/completions", MockUpstream::json(fixture("qwen/reply.json")));
  const auto r2 = router::test::http_request(
      f.port(), "POST", "/v1/chat/completions",
      chat({{"user", "explain law to an alien"}, {"assistant", "Greetings, visitor."}, {"user", "more"}}));
  REQUIRE(r2.status == 200);
  const auto reqs = qwen.up.requests();
  const auto last = boost::json::parse(reqs.back().body);
  CHECK(last.at("chat_id") == "0bb333d4-0000-4000-8000-000000000001");
  CHECK(last.at("parent_id") == "f2a0176c-0000-4000-8000-0000000000p1");
  CHECK(qwen.up.hits("/api/v2/chats/new") == 1);
}

TEST_CASE("qwen-direct proxy: a stream that ends without finished is reported as truncated", "[server]") {
  QwenServer s;
  s.qwen.up.on("/api/v2/chat/completions", router::test::sse_transcript(fixture("qwen/stream_cut.sse")));
  const auto r = s.post(chat({{"user", "hi"}}, true));
  REQUIRE(r.status == 200);
  const auto events = router::test::sse_data(r.body);
  REQUIRE(events.size() == 2);
  CHECK_THAT(events[0], Contains("Half an ans"));
  CHECK_THAT(events[1], Contains("\"error\""));
  CHECK_THAT(events[1], Contains("ended before Qwen finished"));
  CHECK(r.body.find("[DONE]") == std::string::npos);
  CHECK(s.f.logs(1).at(0).outcome == "truncated");
}

TEST_CASE("qwen-direct proxy: the WAF page and expired credentials are clear authentication errors", "[server]") {
  SECTION("HTML challenge instead of the chat") {
    QwenServer s;
    s.qwen.up.on("/api/v2/chats/new", [](const MockRequest&, MockConn& c) {
      c.respond(200, fixture("qwen/waf.html"), "text/html; charset=utf-8");
    });
    const auto r = s.post(chat({{"user", "hi"}}));
    CHECK(r.status == 401);
    const auto err = boost::json::parse(r.body).at("error");
    CHECK(err.at("type") == "authentication_error");
    CHECK_THAT(std::string(err.at("message").as_string()), Contains("provider 'qw' (qwen-direct)"));
    CHECK_THAT(std::string(err.at("message").as_string()), Contains("credentials are invalid or expired"));
  }
  SECTION("403 on the completion") {
    QwenServer s;
    s.qwen.up.on("/api/v2/chat/completions", MockUpstream::json(R"({"detail":"forbidden"})", 403));
    const auto r = s.post(chat({{"user", "hi"}}, true));
    CHECK(r.status == 401);
    CHECK(boost::json::parse(r.body).at("error").at("type") == "authentication_error");
  }
  SECTION("expiresAt passed: no upstream call at all") {
    QwenServer s({{"expiresAt", router::core::now_ms() / 1000 - 60}});
    const auto r = s.post(chat({{"user", "hi"}}));
    CHECK(r.status == 401);
    CHECK_THAT(r.body, Contains("credentials expired"));
    CHECK(s.qwen.up.requests().empty());
  }
}

TEST_CASE("qwen-direct proxy: a tool round trip through the XML convention", "[server]") {
  QwenServer s;
  std::vector<std::string> answers = {"Let me look.\n<read>\n<filePath>/etc/hostname</filePath>\n</read>",
                                      "The host is demo."};
  std::atomic<int> n{0};
  s.qwen.up.on("/api/v2/chat/completions", [&](const MockRequest&, MockConn& c) {
    const int i = n++;
    const auto content = boost::json::serialize(boost::json::string(answers.at(static_cast<std::size_t>(i))));
    c.respond(200, fmt::format(R"({{"success":true,"data":{{"parent_id":"T{}","choices":[{{"message":{{"role":"assistant","content":{}}}}}]}}}})",
                               i, content));
  });
  const std::string tools =
      R"({"tools":[{"type":"function","function":{"name":"read","description":"Read a file","parameters":{"type":"object","properties":{"filePath":{"type":"string"}},"required":["filePath"]}}}]})";
  auto body = boost::json::parse(chat({{"user", "What is the host name?"}}, false, tools)).as_object();
  const auto r1 = s.post(boost::json::serialize(body));
  REQUIRE(r1.status == 200);
  const auto msg = boost::json::parse(r1.body).at("choices").at(0).at("message").as_object();
  CHECK(boost::json::parse(r1.body).at("choices").at(0).at("finish_reason") == "tool_calls");
  CHECK(msg.at("content") == "Let me look.");
  const auto& call = msg.at("tool_calls").at(0).as_object();
  CHECK(call.at("function").at("arguments") == R"({"filePath":"/etc/hostname"})");

  auto& messages = body["messages"].as_array();
  messages.push_back(msg);
  messages.push_back(boost::json::object{{"role", "tool"}, {"tool_call_id", call.at("id")}, {"content", "demo"}});
  const auto r2 = s.post(boost::json::serialize(body));
  CHECK(answer_of(r2) == "The host is demo.");
  const auto sent = s.qwen.sent();
  REQUIRE(sent.size() == 2);
  CHECK_THAT(std::get<2>(sent[0]), Contains("TOOL USE"));
  CHECK(sent[1] == std::make_tuple(std::string("chat-1"), std::string("T0"), std::string("Tool Result from read:\ndemo")));
}

// Issue 12, item 4. The chat id Qwen returns goes into the next request's target: one with CR/LF
// would end the request line there and let the upstream's text become headers or a second
// request. An id that is not a plain token is refused before anything is sent with it.
TEST_CASE("qwen-direct proxy: a chat id that is not a plain token is refused, never put in a request", "[server]") {
  for (const std::string& id : std::vector<std::string>{"chat-1 HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /steal", "chat\nx", "a b", "c&chat_id=other",
                               std::string(200, 'a')}) {
    INFO(id);
    FakeQwen qwen;
    qwen.up.on("/api/v2/chats/new", [&](const MockRequest&, MockConn& c) {
      c.respond(200, boost::json::serialize(boost::json::object{
                         {"success", true}, {"data", boost::json::object{{"id", id}}}}));
    });
    ServerFixture f;
    f.add_provider("qw", "qwen-direct", qwen_config(qwen.up));
    f.set("active_provider", "qw");
    f.start();
    const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", chat({{"user", "hi"}}));
    router::test::check_openai_error(r, 502);
    CHECK_THAT(r.body, Contains("not a plain token"));
    CHECK(qwen.up.hits("/api/v2/chat/completions") == 0);
    for (const auto& req : qwen.up.requests()) {
      CHECK(req.header("x-injected").empty());
      CHECK(req.target.find("steal") == std::string::npos);
    }
  }
}
