#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <map>

#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "providers/qwen_conversation.hpp"
#include "providers/qwen_direct.hpp"
#include "support/fixtures.hpp"

using Catch::Matchers::Contains;
using router::core::ErrorCode;
using router::providers::ChatContext;
using router::providers::ChatRequest;
using router::providers::ConversationState;
using router::providers::StreamStep;
using router::test::ChunkLog;
using router::test::fixture;

namespace {

// A ConversationStore in memory that records how it was asked.
class MemoryStore final : public router::providers::ConversationStore {
 public:
  std::optional<ConversationState> find(std::string_view key, std::int64_t not_before_ms) override {
    last_not_before = not_before_ms;
    ++finds;
    const auto it = rows.find(std::string(key));
    if (it == rows.end() || it->second.second < not_before_ms) {
      return std::nullopt;
    }
    return it->second.first;
  }
  void put(std::string_view key, std::string_view provider_id, const ConversationState& state,
           std::int64_t /*expire_before_ms*/) override {
    rows[std::string(key)] = {state, router::core::now_ms()};
    last_key = key;
    last_provider = provider_id;
  }
  std::map<std::string, std::pair<ConversationState, std::int64_t>> rows;
  std::string last_key;
  std::string last_provider;
  std::int64_t last_not_before = 0;
  int finds = 0;
};

std::string jwt_with_exp(std::int64_t exp) {
  auto url = [](std::string s) {
    s = router::core::base64_encode(s);
    for (auto& c : s) {
      c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    while (!s.empty() && s.back() == '=') {
      s.pop_back();
    }
    return s;
  };
  return url(R"({"alg":"HS256","typ":"JWT"})") + "." + url(R"({"id":"u1","exp":)" + std::to_string(exp) + "}") + ".sig";
}

boost::json::object qwen_config(boost::json::object extra = {}) {
  boost::json::object c{{"token", "umid-token-1"},
                        {"cookies", "token=" + jwt_with_exp(router::core::now_ms() / 1000 + 30 * 86400) + "; bx-umidtoken=umid-token-1"},
                        {"baseURL", "http://127.0.0.1:9/relay"},
                        {"sessionTtl", 86400000},
                        {"thinking", false}};
  for (const auto& kv : extra) {
    c[kv.key()] = kv.value();
  }
  return c;
}

router::providers::ProviderPtr qwen(boost::json::object extra = {}) {
  return router::providers::make_provider("qw", "qwen-direct", qwen_config(std::move(extra)));
}

std::string header(const router::providers::UpstreamRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

// An exchange for `req` past its chat creation (the recorded chats/new answer).
std::unique_ptr<router::providers::Exchange> created(const router::providers::ProviderPtr& p, const ChatRequest& req,
                                                     router::providers::ConversationStore* store) {
  auto ex = p->chat(req, "qwen3-max", ChatContext{store});
  REQUIRE(ex->next_setup());
  ex->on_setup_reply(200, "application/json", fixture("qwen/chat_new.json"));
  return ex;
}

const std::string kTurn1 = R"({"model":"qwen3-max","stream":true,"messages":[{"role":"user","content":"explain law to an alien"}]})";

}  // namespace

TEST_CASE("qwen-direct: a first turn creates a chat, then sends the message with a null parent", "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  const auto req = router::test::chat_request(kTurn1);
  auto ex = p->chat(req, "qwen3-max", ChatContext{&store});
  const auto setup = ex->next_setup();
  REQUIRE(setup);
  CHECK(setup->target == "/relay/api/v2/chats/new");
  const auto created = boost::json::parse(setup->body).as_object();
  CHECK(created.at("models").at(0) == "qwen3-max");
  CHECK(created.at("chat_type") == "t2t");
  CHECK(std::string_view(created.at("title").as_string()).starts_with("Conversation "));
  CHECK(created.at("timestamp").as_int64() > 1'700'000'000'000);  // milliseconds
  CHECK(header(*setup, "bx-umidtoken") == "umid-token-1");
  CHECK_THAT(header(*setup, "Cookie"), Contains("bx-umidtoken=umid-token-1"));
  CHECK_THAT(header(*setup, "Authorization"), Contains("Bearer ey"));
  CHECK_THAT(header(*setup, "User-Agent"), Contains("Chrome/120"));

  ex->on_setup_reply(200, "application/json", fixture("qwen/chat_new.json"));
  CHECK_FALSE(ex->next_setup());
  const auto r = ex->request();
  CHECK(r.target == "/relay/api/v2/chat/completions?chat_id=0bb333d4-0000-4000-8000-000000000001");
  CHECK(r.stream);
  const auto body = boost::json::parse(r.body).as_object();
  CHECK(body.at("chat_id") == "0bb333d4-0000-4000-8000-000000000001");
  CHECK(body.at("parent_id").is_null());
  CHECK(body.at("incremental_output") == true);
  CHECK(body.at("timestamp").as_int64() < 100'000'000'000);  // seconds
  const auto& m = body.at("messages").at(0).as_object();
  CHECK(m.at("parentId").is_null());
  CHECK(m.at("parent_id").is_null());
  CHECK(m.at("content") == "explain law to an alien");
  CHECK(m.at("models").at(0) == "qwen3-max");
  CHECK(m.at("feature_config").at("output_schema") == "phase");
  CHECK(m.at("fid").as_string().size() == 36);
}

TEST_CASE("qwen-direct: a failed chat creation is an error naming the provider", "[providers]") {
  const auto p = qwen();
  const auto req = router::test::chat_request(kTurn1);
  auto ex = p->chat(req, "qwen3-max", ChatContext{});
  REQUIRE(ex->next_setup());
  SECTION("success false") {
    try {
      ex->on_setup_reply(200, "application/json", R"({"success":false,"data":{"code":"Bad"}})");
      FAIL("no error");
    } catch (const router::core::Error& e) {
      CHECK(e.code() == ErrorCode::kUpstreamFailed);
      CHECK_THAT(e.what(), Contains("provider 'qw' could not create a chat"));
    }
  }
  SECTION("the WAF page") {
    try {
      ex->on_setup_reply(200, "text/html; charset=utf-8", fixture("qwen/waf.html"));
      FAIL("no error");
    } catch (const router::core::Error& e) {
      CHECK(e.code() == ErrorCode::kUnauthenticated);
      CHECK_THAT(e.what(), Contains("provider 'qw' (qwen-direct)"));
      CHECK_THAT(e.what(), Contains("refresh"));
    }
  }
}

TEST_CASE("qwen-direct: the streamed transcript becomes OpenAI chunks with one id and cumulative usage",
          "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  auto req = router::test::chat_request(kTurn1);
  auto ex = created(p, req, &store);
  (void)ex->request();
  ChunkLog sink;
  const auto step = router::test::translate_stream(*ex, fixture("qwen/stream_answer.sse"), sink, 13);
  REQUIRE(step.state == StreamStep::State::kDone);
  REQUIRE(sink.chunks.size() == 4);
  const auto id = sink.chunks[0].at("id");
  std::string text;
  for (std::size_t i = 0; i < sink.chunks.size(); ++i) {
    const auto& c = sink.chunks[i];
    CHECK(c.at("id") == id);
    CHECK(c.at("object") == "chat.completion.chunk");
    CHECK(c.at("model") == "qwen3-max");
    const auto& delta = c.at("choices").at(0).at("delta").as_object();
    CHECK(delta.contains("role") == (i == 0));  // role on the first delta only
    if (const auto* t = delta.if_contains("content")) {
      text += t->as_string();
    }
  }
  CHECK(text == "Greetings, visitor.");
  const auto& last = sink.chunks.back();
  CHECK(last.at("choices").at(0).at("finish_reason") == "stop");
  // The finished event has no usage: the last cumulative usage seen is reported.
  CHECK(last.at("usage").at("prompt_tokens") == 33);
  CHECK(last.at("usage").at("completion_tokens") == 5);
  CHECK(last.at("usage").at("total_tokens") == 38);
  // The state is stored before the stream ends, under the conversation including the answer,
  // with the first parent id seen (not the repeated response.created at the end).
  REQUIRE(store.rows.size() == 1);
  const auto& [state, at] = store.rows.begin()->second;
  CHECK(state.chat_id == "0bb333d4-0000-4000-8000-000000000001");
  CHECK(state.parent_id == "f2a0176c-0000-4000-8000-0000000000p1");
  const boost::json::value answer = boost::json::object{{"role", "assistant"}, {"content", "Greetings, visitor."}};
  const auto& msgs = req.body.at("messages").as_array();
  CHECK(store.last_key == router::providers::conversation_key("qw", {msgs.data(), msgs.size()}, &answer));
  CHECK(store.last_provider == "qw");
}

TEST_CASE("qwen-direct: include_usage sends usage as its own chunk", "[providers]") {
  const auto p = qwen();
  auto req = router::test::chat_request(kTurn1);
  req.include_usage = true;
  auto ex = p->chat(req, "qwen3-max", ChatContext{});
  ChunkLog sink;
  REQUIRE(router::test::translate_stream(*ex, fixture("qwen/stream_answer.sse"), sink).state ==
          StreamStep::State::kDone);
  const auto& finish = sink.chunks[sink.chunks.size() - 2];
  CHECK(finish.at("choices").at(0).at("finish_reason") == "stop");
  CHECK_FALSE(finish.contains("usage"));
  const auto& usage = sink.chunks.back();
  CHECK(usage.at("choices").as_array().empty());
  CHECK(usage.at("usage").at("total_tokens") == 38);
}

TEST_CASE("qwen-direct: think-phase text is reasoning_content, never content", "[providers]") {
  const auto p = qwen({{"thinking", true}});
  auto req = router::test::chat_request(kTurn1);
  auto ex = created(p, req, nullptr);
  const auto body = boost::json::parse(ex->request().body);
  CHECK(body.at("messages").at(0).at("feature_config").at("thinking_enabled") == true);
  ChunkLog sink;
  REQUIRE(router::test::translate_stream(*ex, fixture("qwen/stream_think.sse"), sink).state ==
          StreamStep::State::kDone);
  std::string reasoning;
  std::string content;
  for (const auto& c : sink.chunks) {
    const auto& d = c.at("choices").at(0).at("delta").as_object();
    if (const auto* r = d.if_contains("reasoning_content")) reasoning += r->as_string();
    if (const auto* t = d.if_contains("content")) content += t->as_string();
  }
  CHECK(reasoning == "The user greets me. I should greet back.");
  CHECK(content == "Hello!");  // the think phase's "finished" did not end the message
  CHECK(sink.chunks.back().at("usage").at("completion_tokens") == 12);
}

TEST_CASE("qwen-direct: a streamed XML tool call becomes tool_calls, text before it streams", "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  auto req = router::test::chat_request(
      R"({"model":"qwen3-max","stream":true,"messages":[{"role":"user","content":"read /tmp/a.txt"}],"tools":[{"type":"function","function":{"name":"read","description":"Read a file","parameters":{"type":"object","properties":{"filePath":{"type":"string"},"limit":{"type":"integer"}},"required":["filePath"]}}}]})");
  auto ex = created(p, req, &store);
  const auto sent = boost::json::parse(ex->request().body);
  const std::string first(sent.at("messages").at(0).at("content").as_string());
  CHECK_THAT(first, Contains("You are a helpful AI assistant.\n\nTOOL USE"));
  CHECK_THAT(first, Contains("<read>\n<filePath>example_value</filePath>\n<limit>100</limit>\n</read>"));
  CHECK_THAT(first, Contains("</tools>\n\nread /tmp/a.txt"));

  ChunkLog sink;
  REQUIRE(router::test::translate_stream(*ex, fixture("qwen/stream_tool.sse"), sink, 3).state ==
          StreamStep::State::kDone);
  std::string content;
  std::string arguments;
  std::string name;
  std::string call_id;
  for (const auto& c : sink.chunks) {
    const auto& d = c.at("choices").at(0).at("delta").as_object();
    if (const auto* t = d.if_contains("content")) content += t->as_string();
    if (const auto* calls = d.if_contains("tool_calls")) {
      const auto& call = calls->at(0).as_object();
      CHECK(call.at("index") == 0);
      if (const auto* id = call.if_contains("id")) call_id = id->as_string();
      const auto& fn = call.at("function").as_object();
      if (const auto* n = fn.if_contains("name")) name = n->as_string();
      arguments += fn.at("arguments").as_string();
    }
  }
  // The first content chunk went out before the tool element arrived.
  CHECK(sink.chunks[0].at("choices").at(0).at("delta").at("content") == "I'll read it.");
  CHECK(content == "I'll read it. Use a <b>bold</b> move.\n\n");
  CHECK(name == "read");
  CHECK(call_id.starts_with("call_"));
  CHECK(boost::json::parse(arguments) == boost::json::parse(R"({"filePath":"/tmp/a.txt","limit":20})"));
  CHECK(sink.chunks.back().at("choices").at(0).at("finish_reason") == "tool_calls");
  // The stored key is the conversation as the client will echo it: the call, by id.
  const boost::json::value echoed = boost::json::object{
      {"role", "assistant"},
      {"content", nullptr},
      {"tool_calls", boost::json::array{boost::json::object{
                         {"id", call_id}, {"type", "function"},
                         {"function", boost::json::object{{"name", "read"}, {"arguments", arguments}}}}}}};
  const auto& msgs = req.body.at("messages").as_array();
  CHECK(store.last_key == router::providers::conversation_key("qw", {msgs.data(), msgs.size()}, &echoed));
}

TEST_CASE("qwen-direct: a stream that ends without finished, an error event or the WAF fails honestly",
          "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  auto req = router::test::chat_request(kTurn1);
  auto ex = created(p, req, &store);
  ChunkLog sink;
  SECTION("EOF without finished") {
    const auto step = router::test::translate_stream(*ex, fixture("qwen/stream_cut.sse"), sink);
    CHECK(step.state == StreamStep::State::kFailed);
    CHECK_THAT(step.error, Contains("ended before Qwen finished"));
    CHECK(sink.chunks.size() == 1);  // what arrived was relayed; no fake finish chunk
  }
  SECTION("an error event") {
    const auto step = router::test::translate_stream(*ex, fixture("qwen/stream_error.sse"), sink);
    CHECK(step.state == StreamStep::State::kFailed);
    CHECK_THAT(step.error, Contains("reported an error mid-stream: InternalError: The model is busy"));
  }
  SECTION("FAIL_SYS_USER_VALIDATE") {
    const auto step = router::test::translate_stream(*ex, fixture("qwen/stream_waf.sse"), sink);
    CHECK(step.state == StreamStep::State::kFailed);
    CHECK_THAT(step.error, Contains("credentials are invalid or expired"));
  }
  CHECK(store.rows.empty());  // nothing to continue from
}

TEST_CASE("qwen-direct: the nested non-streaming reply is unwrapped from data", "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  auto req = router::test::chat_request(R"({"model":"qwen3-max","messages":[{"role":"user","content":"explain law"}],"temperature":0.2,"max_tokens":50})");
  auto ex = created(p, req, &store);
  CHECK(boost::json::parse(ex->request().body).at("stream") == false);
  const auto out = boost::json::parse(ex->reply(fixture("qwen/reply.json"))).as_object();
  CHECK(out.at("object") == "chat.completion");
  CHECK(std::string_view(out.at("id").as_string()).starts_with("chatcmpl-"));
  CHECK(out.at("model") == "qwen3-max");
  const auto& choice = out.at("choices").at(0);
  CHECK(choice.at("message").at("content") == "Greetings, visitor. Law is a set of rules a society agrees to live by.");
  CHECK(choice.at("finish_reason") == "stop");
  CHECK(out.at("usage").at("total_tokens") == 0);  // the web API reports none here
  REQUIRE(store.rows.size() == 1);
  CHECK(store.rows.begin()->second.first.parent_id == "f7d0a49d-0000-4000-8000-0000000000p2");
  CHECK(ex->ignored_options() == "ignored by qwen-direct: temperature, max_tokens");
}

TEST_CASE("qwen-direct: a non-streaming XML tool call becomes tool_calls", "[providers]") {
  const auto p = qwen();
  auto req = router::test::chat_request(
      R"({"model":"qwen3-max","messages":[{"role":"user","content":"read it"}],"tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object","properties":{"filePath":{"type":"string"}}}}}]})");
  auto ex = p->chat(req, "qwen3-max", ChatContext{});
  const auto out = boost::json::parse(ex->reply(fixture("qwen/reply_tool.json"))).as_object();
  const auto& choice = out.at("choices").at(0).as_object();
  CHECK(choice.at("finish_reason") == "tool_calls");
  CHECK(choice.at("message").at("content") == "I'll read it.");
  const auto& call = choice.at("message").at("tool_calls").at(0);
  CHECK(call.at("type") == "function");
  CHECK(call.at("function").at("name") == "read");
  CHECK(call.at("function").at("arguments") == R"({"filePath":"/tmp/a.txt"})");
}

TEST_CASE("qwen-direct: WAF pages, FAIL_SYS_USER_VALIDATE and 401/403 are authentication errors", "[providers]") {
  const auto p = qwen();
  auto req = router::test::chat_request(kTurn1);
  auto ex = p->chat(req, "qwen3-max", ChatContext{});
  for (const auto& [status, type, body] :
       std::vector<std::tuple<int, std::string, std::string>>{{200, "text/html", fixture("qwen/waf.html")},
                                                             {403, "text/html", fixture("qwen/waf.html")},
                                                             {200, "application/json", fixture("qwen/waf_ret.json")},
                                                             {401, "application/json", R"({"detail":"Unauthorized"})"}}) {
    INFO(status << " " << type);
    const auto e = ex->error_reply(status, type, body);
    CHECK(e.status == 401);
    const auto err = boost::json::parse(e.body).at("error");
    CHECK(err.at("type") == "authentication_error");
    CHECK_THAT(std::string(err.at("message").as_string()), Contains("provider 'qw' (qwen-direct)"));
  }
  try {
    (void)ex->reply(fixture("qwen/waf.html"));
    FAIL("no error");
  } catch (const router::core::Error& e) {
    CHECK(e.code() == ErrorCode::kUnauthenticated);
  }
  try {
    (void)ex->reply(fixture("qwen/waf_ret.json"));
    FAIL("no error");
  } catch (const router::core::Error& e) {
    CHECK(e.code() == ErrorCode::kUnauthenticated);
  }
  CHECK(ex->error_reply(429, "application/json", "{}").status == 429);
  CHECK(ex->error_reply(500, "application/json", "{}").status == 502);
}

TEST_CASE("qwen-direct: a known conversation continues its chat from the stored parent", "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  const auto turn2 = router::test::chat_request(
      R"({"model":"qwen3-max","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"My favorite color is blue"},{"role":"assistant","content":"Noted."},{"role":"user","content":"What is my favorite color?"}],"tools":[{"type":"function","function":{"name":"read"}}]})");
  const auto& msgs = turn2.body.at("messages").as_array();
  const auto key = router::providers::conversation_key("qw", {msgs.data(), 3});
  store.rows[key] = {ConversationState{"C", "P1"}, router::core::now_ms()};
  auto ex = p->chat(turn2, "qwen3-max", ChatContext{&store});
  CHECK_FALSE(ex->next_setup());  // no new chat
  const auto body = boost::json::parse(ex->request().body).as_object();
  CHECK(body.at("chat_id") == "C");
  CHECK(body.at("parent_id") == "P1");
  CHECK(body.at("messages").at(0).at("parentId") == "P1");
  CHECK(body.at("messages").at(0).at("parent_id") == "P1");
  CHECK(body.at("messages").at(0).at("content") == "What is my favorite color?");  // no system, no tools again
  CHECK(store.last_not_before > router::core::now_ms() - 86400000 - 5000);
  CHECK(store.last_not_before < router::core::now_ms() - 86400000 + 5000);
}

TEST_CASE("qwen-direct: an unknown history starts a new chat with the whole history folded in", "[providers]") {
  const auto p = qwen();
  MemoryStore store;
  const auto req = router::test::chat_request(
      R"({"model":"qwen3-max","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Read /a"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"read","arguments":"{\"filePath\":\"/a\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":""},{"role":"user","content":[{"type":"text","text":"Now summarise"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]})");
  auto ex = p->chat(req, "qwen3-max", ChatContext{&store});
  CHECK(store.finds == 1);
  REQUIRE(ex->next_setup());
  ex->on_setup_reply(200, "application/json", fixture("qwen/chat_new.json"));
  const auto content = std::string(boost::json::parse(ex->request().body).at("messages").at(0).at("content").as_string());
  CHECK(content ==
        "Be brief.\n\nThe conversation so far (continue it as the assistant):\n\nUser: Read /a\n\n"
        "Assistant: <read>\n<filePath>/a</filePath>\n</read>\n\n"
        "Tool Result from read:\n(Command completed successfully with no output)\n\nUser: Now summarise");
  CHECK(ex->ignored_options() == "ignored by qwen-direct: content parts other than text");
}

TEST_CASE("qwen-direct: tool results continue a chat as user text", "[providers]") {
  CHECK(router::providers::fold_continuation(
            std::vector<boost::json::value>{boost::json::parse(
                R"({"role":"assistant","tool_calls":[{"id":"call_9","type":"function","function":{"name":"read","arguments":"{}"}}]})")},
            std::vector<boost::json::value>{boost::json::parse(R"({"role":"tool","tool_call_id":"call_9","content":"{\"name\":\"demo\"}"})"),
                                            boost::json::parse(R"({"role":"tool","tool_call_id":"call_x","content":"x"})")}) ==
        "Tool Result from read:\n{\"name\":\"demo\"}\n\nTool Result:\nx");
}

TEST_CASE("qwen-direct: conversation keys depend on provider, roles and text, not on whitespace", "[providers]") {
  const auto a = std::vector<boost::json::value>{boost::json::parse(R"({"role":"user","content":"hi"})"),
                                                 boost::json::parse(R"({"role":"assistant","content":"Hello!\n"})")};
  const auto b = std::vector<boost::json::value>{boost::json::parse(R"({"role":"user","content":[{"type":"text","text":"hi"}]})"),
                                                 boost::json::parse(R"({"role":"assistant","content":"Hello!"})")};
  const auto c = std::vector<boost::json::value>{boost::json::parse(R"({"role":"user","content":"hi"})"),
                                                 boost::json::parse(R"({"role":"assistant","content":"Hello?"})")};
  CHECK(router::providers::conversation_key("p", a) == router::providers::conversation_key("p", b));
  CHECK(router::providers::conversation_key("p", a) != router::providers::conversation_key("q", a));
  CHECK(router::providers::conversation_key("p", a) != router::providers::conversation_key("p", c));
  CHECK(router::providers::conversation_key("p", a).size() == 64);
}

TEST_CASE("qwen-direct: expired credentials fail fast, and expiry is warned about ahead", "[providers]") {
  const auto now_s = router::core::now_ms() / 1000;
  SECTION("expiresAt in the past") {
    const auto p = qwen({{"expiresAt", now_s - 10}});
    const auto req = router::test::chat_request(kTurn1);
    try {
      (void)p->chat(req, "qwen3-max", ChatContext{});
      FAIL("no error");
    } catch (const router::core::Error& e) {
      CHECK(e.code() == ErrorCode::kUnauthenticated);
      CHECK_THAT(e.what(), Contains("credentials expired"));
      CHECK_THAT(e.what(), Contains("provider 'qw'"));
    }
    REQUIRE(p->warnings(router::core::now_ms()).size() == 1);
    CHECK_THAT(p->warnings(router::core::now_ms())[0], Contains("expired"));
  }
  SECTION("the JWT in the token= cookie expires soon") {
    const auto p = qwen({{"cookies", "a=b; token=" + jwt_with_exp(now_s + 3 * 3600 + 60) + "; c=d"}});
    const auto w = p->warnings(router::core::now_ms());
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], Contains("expire in 3 h"));
  }
  SECTION("far from expiry: no warning") { CHECK(qwen()->warnings(router::core::now_ms()).empty()); }
  CHECK(router::providers::jwt_expiry(jwt_with_exp(1234567890)) == 1234567890);
  CHECK_FALSE(router::providers::jwt_expiry("not-a-jwt"));
  CHECK(router::providers::cookie_value("a=1; token=xyz ;b=2", "token") == "xyz");
}

TEST_CASE("qwen-direct: the model list keeps active models with their metadata", "[providers]") {
  const auto p = qwen();
  const auto r = p->models_request();
  CHECK(r.method == "GET");
  CHECK(r.target == "/relay/api/models");
  CHECK(header(r, "Cookie").size() > 10);
  const auto models = p->parse_models(fixture("qwen/models.json"));
  REQUIRE(models.size() == 3);
  CHECK(models[0].id == "qwen3-max");
  CHECK(models[0].name == "Qwen3-Max");
  CHECK(models[0].owned_by == "qwen");
  CHECK(models[0].description == "The most capable Qwen model");
  CHECK(models[0].capabilities == std::vector<std::string>{"vision", "document"});
  CHECK_THROWS_AS(p->parse_models(fixture("qwen/waf.html")), router::core::Error);
  CHECK(p->models_error(403, "text/html", fixture("qwen/waf.html")).code() == ErrorCode::kUnauthenticated);
}

// Issue 12, item 5: what an upstream echoes of the credentials is masked, down to one cookie's
// value and its JSON-escaped form; short values are left alone.
TEST_CASE("qwen-direct: the token, the cookies and each cookie's value are scrubbed from upstream text", "[providers]") {
  const auto p = router::providers::make_provider(
      "qw", "qwen-direct",
      boost::json::object{{"token", "umid-token-000111"}, {"cookies", "token=eyJ.abc/def.ghi; ssxmod=cookie-value-42; a=b"}});
  std::string text =
      R"({"detail":"token umid-token-000111, cookie cookie-value-42, jwt eyJ.abc\/def.ghi, whole token=eyJ.abc/def.ghi; ssxmod=cookie-value-42; a=b, a=b"})";
  p->scrub_secrets(text);
  INFO(text);
  CHECK(text.find("umid-token-000111") == std::string::npos);
  CHECK(text.find("cookie-value-42") == std::string::npos);
  CHECK(text.find("eyJ.abc") == std::string::npos);
  CHECK(text.find("a=b") != std::string::npos);  // too short to be a secret: text stays text
  CHECK(text.find("…0111") != std::string::npos);
}
