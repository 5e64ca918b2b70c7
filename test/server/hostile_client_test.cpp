// Hostile clients (issue 8; DESIGN.md §7, §9, §10): one table of bad requests. After each one the
// answer is a clear 4xx in the OpenAI error shape (or, for a client that never finishes its
// request, a connection closed at the read deadline), the configuration holds exactly what it held
// before, the request log has exactly the rows docs/architecture.md promises (every request to a
// client route under /v1/ that the server could read is a row; so is every request refused before
// routing, on any path, with its metadata only; admin requests that pass the key check are not),
// and the server still answers /health and a normal completion.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/admin_api.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/routes.hpp"

using namespace std::chrono_literals;
using router::test::AdminFixture;
using router::test::Headers;
using router::test::HttpClient;
using router::test::HttpResponse;
using router::test::kAdminKey;
using router::test::kChat;
using router::test::MockUpstream;

namespace {

const std::string kClientKey = "rk-hostile-client-key-000000000000000000000000";
constexpr std::int64_t kMaxBody = 64 * 1024;
// server.read_timeout at its minimum; the session's lazy deadline timer adds up to a second.
constexpr auto kReadTimeout = 1000ms;
constexpr auto kDeadlineBound = 3500ms;

// The request row a case leaves behind. kRefused: refused before routing (issue 12), a
// client_error row with no bodies whose response_bytes are what was sent.
enum class Row { kNone, kClientError, kOk, kRefused };

// What a case saw. `closed`: the server hung up without an answer.
struct Seen {
  HttpResponse http;
  bool closed = false;
};

using Perform = std::function<Seen(std::uint16_t port)>;

struct Case {
  std::string name;
  Perform perform;
  std::set<int> statuses;  // acceptable answers; empty: the connection must be closed unanswered
  Row row;
};

Headers client_auth() { return {{"Authorization", "Bearer " + kClientKey}}; }
Headers admin_auth() { return {{"Authorization", "Bearer " + kAdminKey}}; }

Perform call(std::string method, std::string target, std::string body, Headers headers) {
  return [=](std::uint16_t port) {
    return Seen{router::test::http_request(port, method, target, body, headers)};
  };
}

Perform chat(std::string body) { return call("POST", "/v1/chat/completions", std::move(body), client_auth()); }

// Bytes sent as they are, then one answer read (a malformed request is answered, then closed).
Perform raw(std::string bytes) {
  return [bytes = std::move(bytes)](std::uint16_t port) {
    HttpClient c(port, 5s);
    Seen s{c.request_raw(bytes)};
    s.closed = !s.http.error.empty();
    return s;
  };
}

// The head of a raw chat completion request up to its last header line: `extra` is inserted
// verbatim; the caller adds the framing and the blank line.
std::string chat_head(std::string_view extra) {
  return fmt::format("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n"
                     "Content-Type: application/json\r\n{}",
                     kClientKey, extra);
}

std::string raw_chat(std::string_view extra, std::string_view body = kChat) {
  return chat_head(extra) + fmt::format("Content-Length: {}\r\n\r\n{}", body.size(), body);
}

// Sends `first`, then a byte of `drip` every 100 ms: the server must close at its read deadline.
Perform slowloris(std::string first, std::string drip) {
  return [first = std::move(first), drip = std::move(drip)](std::uint16_t port) {
    HttpClient c(port, 5s);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(c.send_raw(first));
    Seen s;
    for (std::size_t i = 0; !s.closed && std::chrono::steady_clock::now() - start < kDeadlineBound; ++i) {
      c.send_raw(std::string_view(drip).substr(i % drip.size(), 1));
      s.closed = c.closed_by_peer(100ms);
    }
    CHECK(std::chrono::steady_clock::now() - start >= kReadTimeout);
    return s;
  };
}

// A chunked body that never ends before it passes server.max_body_bytes; sends until answered.
Seen chunked_flood(std::uint16_t port) {
  HttpClient c(port, 5s);
  REQUIRE(c.send_raw(chat_head("Transfer-Encoding: chunked\r\n\r\n")));
  const std::string piece(4096, 'a');
  const std::string chunk = fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
  for (std::int64_t sent = 0; sent < 4 * kMaxBody && !c.readable(0ms); sent += 4096) {
    if (!c.send_raw(chunk)) {
      break;
    }
  }
  return Seen{c.read_response()};
}

// Content-Length over the limit: answered from the head alone, the body never sent.
Seen announced_flood(std::uint16_t port) {
  HttpClient c(port, 5s);
  return Seen{c.request_raw(chat_head(fmt::format("Content-Length: {}\r\n\r\n", 100 * kMaxBody)))};
}

// A body shorter than its Content-Length, then the end of the stream: nothing to answer.
Seen truncated_body(std::uint16_t port) {
  HttpClient c(port, 5s);
  REQUIRE(c.send_raw(chat_head("Content-Length: 200\r\n\r\n") + kChat));
  c.shutdown_write();
  return Seen{{}, c.closed_by_peer(kDeadlineBound)};
}

// 200 idle connections, half of them part-way into a request line: a normal request still gets
// through, and every idle one is closed at its read deadline.
Seen idle_crowd(std::uint16_t port) {
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<HttpClient>(port, 5s));
    REQUIRE(idle.back()->send_raw(i % 2 == 0 ? "" : "GET /hea"));
  }
  const auto start = std::chrono::steady_clock::now();
  Seen s{router::test::http_request(port, "POST", "/v1/chat/completions", kChat, client_auth())};
  int closed = 0;
  for (auto& c : idle) {
    const auto left = kDeadlineBound - (std::chrono::steady_clock::now() - start);
    closed += c->closed_by_peer(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(left), 1ms)) ? 1 : 0;
  }
  CHECK(closed == 200);
  return s;
}

// A head asking for "100 Continue" with `auth` (a header line or ""), its body held back. A request
// the server refuses from its head gets the refusal, never a 100 before it, and the connection
// ends (its body is never read); one it accepts gets the 100, then, with the body, its answer.
Perform expect_continue(std::string target, std::string auth, bool accepted) {
  return [=](std::uint16_t port) {
    HttpClient c(port, 5s);
    REQUIRE(c.send_raw(fmt::format("POST {} HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\n"
                                   "Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                                   target, auth, kChat.size())));
    Seen s{c.read_response()};
    if (!accepted) {
      CHECK(s.http.status != 100);
      CHECK(s.http.header("connection") == "close");
      return s;
    }
    CHECK(s.http.status == 100);
    REQUIRE(c.send_raw(kChat));
    return Seen{c.read_response()};
  };
}

std::string bearer(std::string_view key) { return fmt::format("Authorization: Bearer {}\r\n", key); }

// A complete request, then shutdown(SHUT_WR): the answer still arrives, whole.
Perform half_closed(std::string body, std::string expected) {
  return [=](std::uint16_t port) {
    HttpClient c(port, 5s);
    REQUIRE(c.send_raw(raw_chat("", body)));
    c.shutdown_write();
    Seen s{c.read_response()};
    CHECK(s.http.error.empty());
    CHECK_THAT(s.http.body, Catch::Contains(expected));
    return s;
  };
}

// An HTTP/1.0 client (no Host: allowed in 1.0) asks for a stream: no chunked framing reaches it,
// the body is the SSE bytes as they are, and the close ends it.
Seen http10_stream(std::uint16_t port) {
  HttpClient c(port, 5s);
  REQUIRE(c.send_raw(fmt::format("POST /v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer {}\r\n"
                                 "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                                 kClientKey, router::test::kStreamChat.size(), router::test::kStreamChat)));
  const std::string raw = c.read_raw(kDeadlineBound);
  Seen s;
  const auto head_end = raw.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  std::string head = raw.substr(0, head_end);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  INFO(head);
  s.http.status = std::atoi(raw.substr(9, 3).c_str());
  CHECK(head.find("transfer-encoding") == std::string::npos);
  CHECK(head.find("content-length") == std::string::npos);
  CHECK(head.find("\r\nconnection: close") != std::string::npos);
  s.http.body = raw.substr(head_end + 4);
  CHECK(s.http.body.starts_with("data: {"));
  CHECK(s.http.body.ends_with("data: [DONE]\n\n"));
  CHECK(c.closed_by_peer(100ms));
  return s;
}

// Response headers must never carry what a request header smuggled in.
Perform no_echo(Perform inner) {
  return [inner = std::move(inner)](std::uint16_t port) {
    auto s = inner(port);
    CHECK(s.http.header("x-injected").empty());
    CHECK(s.http.header("set-cookie").empty());
    const auto id = s.http.header("x-request-id");
    CHECK((id.empty() || (id.rfind("req_", 0) == 0 && id.size() == 20)));
    for (const auto& [name, value] : s.http.headers) {
      CHECK(value.find("Injected") == std::string::npos);
      CHECK(value.find("pwned") == std::string::npos);
    }
    return s;
  };
}

std::vector<Case> request_cases() {
  const std::string deep(60'000, '[');  // inside server.max_body_bytes
  std::string deep_content = R"({"model":"gpt-test","messages":[{"role":"user","content":)";
  deep_content += std::string(10'000, '{') + "}";  // unbalanced on purpose: the depth limit comes first
  return {
      // Bodies.
      {"malformed JSON", chat(R"({"model": "x", "messages": [)"), {400}, Row::kClientError},
      {"truncated JSON", chat(kChat.substr(0, kChat.size() - 7)), {400}, Row::kClientError},
      {"empty body", chat(""), {400}, Row::kClientError},
      {"a JSON array body", chat("[1,2,3]"), {400}, Row::kClientError},
      {"a JSON string body", chat(R"("hello")"), {400}, Row::kClientError},
      {"trailing garbage after the object", chat(kChat + "}{"), {400}, Row::kClientError},
      {"model: 5", chat(R"({"model":5,"messages":[{"role":"user","content":"x"}]})"), {400}, Row::kClientError},
      {"model: null", chat(R"({"model":null,"messages":[{"role":"user","content":"x"}]})"), {400}, Row::kClientError},
      {"messages: \"x\"", chat(R"({"model":"gpt-test","messages":"x"})"), {400}, Row::kClientError},
      {"messages: []", chat(R"({"model":"gpt-test","messages":[]})"), {400}, Row::kClientError},
      {"messages without a role", chat(R"({"model":"gpt-test","messages":[{"content":"x"}]})"), {400}, Row::kClientError},
      {"messages: [5]", chat(R"({"model":"gpt-test","messages":[5]})"), {400}, Row::kClientError},
      {"stream: \"yes\"", chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"stream":"yes"})"), {400},
       Row::kClientError},
      {"stream_options: 5",
       chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":5})"),
       {400}, Row::kClientError},
      {"include_usage: \"1\"",
       chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":"1"}})"),
       {400}, Row::kClientError},
      {"a 300-byte model name", chat(R"({"model":")" + std::string(300, 'm') + R"(","messages":[{"role":"user","content":"x"}]})"),
       {400}, Row::kClientError},
      {"60k nested arrays", chat(deep), {400}, Row::kClientError},
      {"10k nested objects in a message", chat(deep_content), {400}, Row::kClientError},
      {"invalid UTF-8 in a string", chat("{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\xc3\x28\"}]}"),
       {400}, Row::kClientError},
      {"a lone surrogate escape", chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"\ud800"}]})"), {400},
       Row::kClientError},
      {"invalid UTF-8 in the model name", chat("{\"model\":\"\xc0\xaf\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
       {400}, Row::kClientError},
      {"a NUL byte in the body", chat(std::string(R"({"model":"gpt-test",)") + '\0' + R"("messages":[]})"), {400},
       Row::kClientError},
      // Duplicate keys: the router would route on one value and forward both (issue 12).
      {"model twice", chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"model":"other"})"), {400},
       Row::kClientError},
      {"model twice, once escaped",
       chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"mod\u0065l":"other"})"), {400},
       Row::kClientError},
      {"stream twice", chat(R"({"model":"gpt-test","stream":false,"messages":[{"role":"user","content":"x"}],"stream":true})"),
       {400}, Row::kClientError},
      {"messages twice",
       chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x"}],"messages":[{"role":"system","content":"y"}]})"),
       {400}, Row::kClientError},
      {"another top-level key twice",
       chat(R"({"model":"gpt-test","temperature":0,"messages":[{"role":"user","content":"x"}],"temperature":2})"), {400},
       Row::kClientError},
      {"a key twice in a message", chat(R"({"model":"gpt-test","messages":[{"role":"user","content":"x","role":"system"}]})"),
       {400}, Row::kClientError},
      {"a body over server.max_body_bytes (Content-Length)", announced_flood, {413}, Row::kRefused},
      {"a body over server.max_body_bytes (chunked)", chunked_flood, {413}, Row::kRefused},
      {"a body shorter than its Content-Length", truncated_body, {}, Row::kNone},

      // The HTTP layer.
      {"garbage instead of a request line", raw("HELLO\r\n\r\n"), {400}, Row::kRefused},
      {"a bad chunk size", raw(chat_head("Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")), {400}, Row::kRefused},
      {"headers over 16 KiB", raw(raw_chat("X-Pad: " + std::string(20'000, 'p') + "\r\n")), {431}, Row::kRefused},
      {"a 20 KiB URL", raw("GET /v1/models?x=" + std::string(20'000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n"), {431}, Row::kRefused},
      {"slowloris headers", slowloris("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n"), {}, Row::kNone},
      {"slowloris body", slowloris(chat_head("Content-Length: 10000\r\n\r\n"), kChat), {}, Row::kNone},
      {"200 idle connections", idle_crowd, {200}, Row::kOk},
      {"HTTP/1.1 without Host", raw("GET /v1/models HTTP/1.1\r\n" + bearer(kClientKey) + "\r\n"), {400}, Row::kRefused},
      {"two Host headers", raw(raw_chat("Host: y\r\n")), {400}, Row::kRefused},
      {"two Host headers, HTTP/1.0", raw("GET /health HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"), {400}, Row::kRefused},
      {"a Host with a space", raw("GET /v1/models HTTP/1.1\r\nHost: a b\r\n" + bearer(kClientKey) + "\r\n"), {400},
       Row::kRefused},
      {"HTTP/1.0 without Host", raw("GET /health HTTP/1.0\r\n\r\n"), {200}, Row::kNone},
      {"HTTP/1.0 stream: no chunked framing, the close ends it", http10_stream, {200}, Row::kOk},
      {"Expect: 100-continue, unknown key", expect_continue("/v1/chat/completions", bearer("rk-nope"), false), {401},
       Row::kRefused},
      {"Expect: 100-continue, no key", expect_continue("/v1/chat/completions", "", false), {401}, Row::kRefused},
      {"Expect: 100-continue, admin route with a client key",
       expect_continue("/v1/providers", bearer(kClientKey), false), {403}, Row::kRefused},
      {"Expect: 100-continue, unknown route", expect_continue("/v1/nothing", bearer(kClientKey), false), {404},
       Row::kRefused},
      {"Expect: 100-continue, good key", expect_continue("/v1/chat/completions", bearer(kClientKey), true), {200},
       Row::kOk},
      {"half-close after the request", half_closed(kChat, "fine"), {200}, Row::kOk},
      {"half-close after a stream request", half_closed(router::test::kStreamChat, "data: [DONE]"), {200}, Row::kOk},

      // Bad bytes in headers, and header injection.
      {"a bare CR in X-Router-Provider", no_echo(raw(raw_chat("X-Router-Provider: oa\rX-Injected: 1\r\n"))), {400},
       Row::kRefused},
      {"a NUL in a header value", no_echo(raw(raw_chat(std::string("X-Note: a") + '\0' + "b\r\n"))), {400}, Row::kRefused},
      {"encoded CR LF in X-Router-Provider", no_echo(raw(raw_chat("X-Router-Provider: oa%0d%0aX-Injected: 1\r\n"))), {400},
       Row::kClientError},
      {"obs-fold in X-Router-Provider", no_echo(raw(raw_chat("X-Router-Provider: oa\r\n X-Injected: 1\r\n"))), {400},
       Row::kClientError},
      {"invalid UTF-8 in X-Router-Provider", no_echo(raw(raw_chat("X-Router-Provider: \xff\xfe\xc3\x28\r\n"))), {400},
       Row::kClientError},
      {"a client X-Request-Id with CR LF is not ours to echo",
       no_echo(raw(raw_chat("X-Request-Id: evil\r\nSet-Cookie: pwned=1\r\n"))), {200}, Row::kOk},
      {"invalid UTF-8 in an unrelated header", raw(raw_chat("User-Agent: \xff\xfe\xc3\x28\r\n")), {200}, Row::kOk},
      {"invalid UTF-8 in the path", raw("GET /v1/models/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kClientKey +
                                        "\r\n\r\n"),
       {400, 404}, Row::kRefused},
      {"encoded invalid UTF-8 in the path", call("GET", "/v1/models/%ff%fe", "", client_auth()), {404}, Row::kRefused},
      {"a malformed escape in the query", call("GET", "/v1/models?provider=%zz", "", client_auth()), {400},
       Row::kRefused},
      {"an encoded NUL in the query", call("GET", "/v1/models?provider=o%00a", "", client_auth()), {400}, Row::kRefused},
      {"unknown client route", call("GET", "/v1/nothing", "", client_auth()), {404}, Row::kRefused},
      {"unknown route outside /v1", call("GET", "/wp-login.php", "", {}), {404}, Row::kRefused},
      {"wrong verb", call("DELETE", "/v1/chat/completions", "", client_auth()), {405}, Row::kRefused},

      // Keys on client routes (401 with auth.clients = keys) and admin routes (401 unknown, 403
      // a client key). A wrong key with a 2 MB body: its row holds none of it.
      {"client route, no Authorization", call("POST", "/v1/chat/completions", kChat, {}), {401}, Row::kRefused},
      {"client route, unknown key", call("POST", "/v1/chat/completions", kChat, {{"Authorization", "Bearer rk-nope"}}),
       {401}, Row::kRefused},
      {"client route, unknown key, a body near server.max_body_bytes",
       call("POST", "/v1/chat/completions", std::string(kMaxBody - 100, 'b'), {{"Authorization", "Bearer rk-nope"}}), {401},
       Row::kRefused},
      {"client route, Basic scheme", call("POST", "/v1/chat/completions", kChat, {{"Authorization", "Basic " + kClientKey}}),
       {401}, Row::kRefused},
      {"client route, Bearer without a token", call("GET", "/v1/models", "", {{"Authorization", "Bearer"}}), {401},
       Row::kRefused},
      {"client route, key with a suffix",
       call("GET", "/v1/models", "", {{"Authorization", "Bearer " + kClientKey + "x"}}), {401}, Row::kRefused},
      {"client route, invalid UTF-8 key", raw("GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n\r\n"),
       {401}, Row::kRefused},
      {"client route, 10 KiB key", call("GET", "/v1/models", "", {{"Authorization", "Bearer " + std::string(10'000, 'k')}}),
       {401}, Row::kRefused},
      {"admin route, no Authorization", call("GET", "/v1/settings", "", {}), {401}, Row::kRefused},
      {"admin route, unknown key", call("GET", "/v1/providers", "", {{"Authorization", "Bearer rk-nope"}}), {401},
       Row::kRefused},
      {"admin route, Basic scheme", call("GET", "/v1/providers", "", {{"Authorization", "Basic " + kAdminKey}}), {401},
       Row::kRefused},
      {"admin route, admin key without a scheme", call("GET", "/v1/providers", "", {{"Authorization", kAdminKey}}), {401},
       Row::kRefused},
      {"admin route, client key", call("POST", "/v1/providers", R"({"id":"x","type":"openai"})", client_auth()), {403},
       Row::kRefused},
      {"admin route, client key, mutation", call("DELETE", "/v1/providers/oa", "", client_auth()), {403}, Row::kRefused},
  };
}

// Path traversal and SQL metacharacters, as they travel on the wire.
struct Hostile {
  std::string_view label;
  std::string_view wire;
  bool undecodable = false;  // no route matches it: an unknown path, logged like any under /v1/
};
constexpr Hostile kHostileIds[] = {
    {"encoded traversal", "..%2f..%2fetc"},
    {"dot-dot", ".."},
    {"SQL OR", "%27%20OR%201%3D1%20--"},
    {"SQL DROP", "%22%3BDROP%20TABLE%20providers%3B--"},
    {"SQL DROP, no spaces", "x%27%3BDROP%20TABLE%20providers%3B--"},
    {"encoded NUL", "oa%00", true},
    {"encoded invalid UTF-8", "oa%ff", true},
};
constexpr Hostile kHostileRest[] = {
    {"raw traversal", "../../x"},
    {"encoded traversal", "..%2f..%2fetc%2fpasswd"},
    {"SQL DROP", "%22%3BDROP%20TABLE%20providers%3B--"},
};

// A real value for every other parameter, so the hostile one is what the handler meets.
std::string real_param(std::string_view pattern, std::string_view name) {
  if (name == "key") {
    return pattern.starts_with("/v1/settings") ? "routing.fallback" : "baseURL";
  }
  if (name == "rev") {
    return "1";
  }
  if (name == "id" && pattern.starts_with("/v1/providers")) {
    return "oa";
  }
  return "gpt-test";
}

// Every parameter of every route with a path parameter (client and admin), one at a time.
std::vector<Case> id_cases() {
  std::vector<Case> out;
  for (const auto access : {router::server::Access::kClient, router::server::Access::kAdmin}) {
    for (const auto& r : router::server::routes()) {
      if (r.access != access) {
        continue;
      }
      const std::string pattern(r.pattern);
      std::vector<std::string> names;
      (void)router::test::fill_pattern(pattern, [&](std::string_view n) {
        names.emplace_back(n);
        return std::string();
      });
      for (std::size_t target = 0; target < names.size(); ++target) {
        const bool rest = names[target].ends_with("*");
        for (const auto& h : rest ? std::span<const Hostile>(kHostileRest) : std::span<const Hostile>(kHostileIds)) {
          std::size_t i = 0;
          const auto path = router::test::fill_pattern(pattern, [&](std::string_view n) {
            return i++ == target ? std::string(h.wire) : real_param(pattern, n);
          });
          const std::string method(boost::beast::http::to_string(r.verb));
          const bool client = access == router::server::Access::kClient;
          out.push_back({fmt::format("{} {} with {} as {{{}}}", method, pattern, h.label, names[target]),
                         call(method, path, method == "GET" || method == "DELETE" ? "" : "{}",
                              client ? client_auth() : admin_auth()),
                         h.undecodable ? std::set<int>{404} : std::set<int>{400, 404},
                         h.undecodable ? Row::kRefused : client ? Row::kClientError : Row::kNone});
        }
      }
    }
  }
  return out;
}

// Every filter of /v1/requests, /v1/stats and /v1/models?provider=: refused, or matching nothing.
std::vector<Case> filter_cases() {
  const std::vector<std::pair<std::string, std::vector<std::string>>> endpoints{
      {"/v1/requests", {"provider", "model", "outcome", "status", "since", "until", "limit", "cursor"}},
      {"/v1/stats", {"since", "until", "by", "provider"}},
  };
  std::vector<Case> out;
  for (const auto& [path, filters] : endpoints) {
    for (const auto& filter : filters) {
      for (const auto& h : kHostileIds) {
        const auto target = fmt::format("{}?{}={}", path, filter, h.wire);
        Perform check_empty = [target](std::uint16_t port) {
          Seen s{router::test::http_request(port, "GET", target, "", admin_auth())};
          if (s.http.status == 200) {
            // Accepted as a plain value: then it matched nothing, although rows exist.
            const auto doc = boost::json::parse(s.http.body).as_object();
            INFO(s.http.body);
            if (const auto* data = doc.if_contains("data")) {
              CHECK(data->as_array().empty());
            } else {
              CHECK(doc.at("totals").at("requests").to_number<std::int64_t>() == 0);
            }
          }
          return s;
        };
        // An undecodable query is refused before routing, on admin routes too: a metadata-only row.
        out.push_back({fmt::format("GET {} with {} as {}", path, h.label, filter), check_empty, {200, 400},
                       h.undecodable ? Row::kRefused : Row::kNone});
      }
    }
  }
  for (const auto& h : kHostileIds) {
    out.push_back({fmt::format("GET /v1/models with {} as provider", h.label),
                   call("GET", fmt::format("/v1/models?provider={}", h.wire), "", client_auth()), {400, 404},
                   h.undecodable ? Row::kRefused : Row::kClientError});
  }
  return out;
}

// The server the cases meet: provider "oa" for model gpt-test on `up`, client key kClientKey
// required (auth.clients keys).
void configure(AdminFixture& f, MockUpstream& up) {
  // Streams get SSE, so HTTP/1.0 and half-close rows can check a stream's framing.
  up.on("/v1/chat/completions", [json = MockUpstream::json(MockUpstream::completion_json("fine")),
                                 sse = MockUpstream::sse({"fi", "ne"})](const router::test::MockRequest& r,
                                                                        router::test::MockConn& c) {
    (r.body.find(R"("stream":true)") != std::string::npos ? sse : json)(r, c);
  });
  f.add_provider("oa", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.link("oa", "gpt-test");
  f.set("active_provider", "oa");
  f.add_key("app", "client", kClientKey);
  f.set("auth.clients", "keys");
}

// Runs every case against one server, checking the aftermath of each before the next.
void run_cases(const std::vector<Case>& cases) {
  MockUpstream up;
  AdminFixture f;
  configure(f, up);
  f.set("server.max_body_bytes", kMaxBody);
  f.set("server.read_timeout", static_cast<std::int64_t>(kReadTimeout.count()));
  // Every refusal of the table is logged; the rate limit has a test of its own.
  f.set("server.reject_rate", 100'000);
  f.start();

  // One row exists from the start, so a filter that matched everything would show.
  auto first = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, client_auth());
  REQUIRE(first.status == 200);
  auto rows = f.logs_through(first.header("x-request-id")).size();
  const auto config = f.config_fingerprint();

  for (const auto& c : cases) {
    INFO("case: " << c.name);
    const int hits = up.hits("/v1/chat/completions");
    const auto start = std::chrono::steady_clock::now();
    const auto seen = c.perform(f.port());
    INFO("answer: " << seen.http.status << " " << seen.http.body.substr(0, 200));
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    if (c.statuses.empty()) {
      CHECK(seen.closed);
      CHECK(seen.http.status == 0);
    } else if (*c.statuses.begin() >= 400) {
      CHECK(c.statuses.contains(seen.http.status));
      router::test::check_openai_error(seen.http, seen.http.status);
    } else {
      INFO(seen.http.body);
      CHECK(c.statuses.contains(seen.http.status));
    }
    CHECK(f.config_fingerprint() == config);

    // The server carries on, and its log tells exactly what happened.
    CHECK(router::test::http_request(f.port(), "GET", "/health").status == 200);
    const auto ok = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, client_auth());
    CHECK(ok.status == 200);
    CHECK(up.hits("/v1/chat/completions") == hits + (c.row == Row::kOk ? 2 : 1));
    const auto logged = f.logs_through(ok.header("x-request-id"));
    const std::size_t expected = rows + (c.row == Row::kNone ? 0 : 1) + 1;
    CHECK(logged.size() == expected);
    if (c.row != Row::kNone && logged.size() == expected) {
      const auto& row = logged[logged.size() - 2].request_id == ok.header("x-request-id") ? logged.back()
                                                                                          : logged[logged.size() - 2];
      CHECK(row.outcome == (c.row == Row::kOk ? "ok" : "client_error"));
      CHECK(row.status == seen.http.status);
      // What was stored reads back as a JSON document, whatever bytes the client sent.
      const auto stored = f.get("/v1/requests/" + row.request_id);
      CHECK(stored.status() == 200);
      CHECK(stored.json.is_object());
      if (c.row == Row::kRefused && stored.json.is_object()) {
        // Metadata only: the refused request's body is not the log's to keep.
        INFO(boost::json::serialize(stored.json));
        CHECK(stored.json.at("request_body").is_null());
        CHECK(stored.json.at("response_body").is_null());
        CHECK(stored.json.at("response_bytes").to_number<std::int64_t>() ==
              static_cast<std::int64_t>(seen.http.body.size()));
        CHECK(stored.json.at("error").is_string());
        CHECK(stored.json.at("endpoint").as_string().size() <= 256);
      } else if (c.row == Row::kClientError && stored.json.is_object()) {
        CHECK(stored.json.at("response_bytes").to_number<std::int64_t>() > 0);
      }
    }
    rows = logged.size();
  }
}

}  // namespace

TEST_CASE("hostile client: bad bodies and headers and keys and slow or idle clients", "[server][hostile]") {
  run_cases(request_cases());
}

TEST_CASE("hostile client: path traversal and SQL metacharacters in every path parameter", "[server][hostile]") {
  const auto cases = id_cases();
  CHECK(cases.size() >= 60);
  run_cases(cases);
}

TEST_CASE("hostile client: SQL metacharacters in every log filter and in /v1/models?provider=", "[server][hostile]") {
  run_cases(filter_cases());
}

TEST_CASE("hostile client: a refused request's row holds no body, and refusals past server.reject_rate are counted, "
          "not stored",
          "[server][hostile]") {
  MockUpstream up;
  AdminFixture f;
  configure(f, up);
  f.start(2);  // server.reject_rate at its default (5 a second per address), max body at 8 MiB

  // Issue 12: a 2 MB body with a wrong key used to leave 1 MiB of it in the log for 30 days.
  const std::string big(2'000'000, 'b');
  const auto refused = router::test::http_request(f.port(), "POST", "/v1/chat/completions", big,
                                                  {{"Authorization", "Bearer rk-wrong"}});
  REQUIRE(refused.status == 401);
  auto ok = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, client_auth());
  REQUIRE(ok.status == 200);
  auto rows = f.logs_through(ok.header("x-request-id"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].status == 401);
  CHECK_FALSE(rows[0].request_body.has_value());
  CHECK_FALSE(rows[0].response_body.has_value());
  const auto doc = f.get("/v1/requests/" + rows[0].request_id);
  REQUIRE(doc.status() == 200);
  CHECK(doc.json.at("request_bytes") == 2'000'000);
  CHECK(doc.json.at("response_bytes").to_number<std::int64_t>() == static_cast<std::int64_t>(refused.body.size()));
  CHECK(doc.json.at("client_addr").as_string().starts_with("127.0.0.1:"));

  // A flood of refusals from one address: a few rows a second are stored, the rest counted.
  constexpr int kFlood = 60;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kFlood; ++i) {
    CHECK(router::test::http_request(f.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer rk-wrong"}}).status ==
          401);
  }
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ok = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat, client_auth());
  REQUIRE(ok.status == 200);
  rows = f.logs_through(ok.header("x-request-id"));
  const auto stored = std::count_if(rows.begin(), rows.end(), [](const auto& r) { return r.status == 401; });
  INFO("stored " << stored << " of " << kFlood + 1 << " refusals in " << elapsed_s << " s");
  // Bursts of twice the rate, shared by the two workers, plus what the rate refilled meanwhile.
  CHECK(stored >= 5);
  CHECK(static_cast<double>(stored) <= 1 + 10 + 5 * elapsed_s + 1);
  const auto metrics = router::test::http_request(f.port(), "GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find(fmt::format("router_refusal_rows_dropped_total {}\n", kFlood + 1 - stored)) !=
        std::string::npos);
  // Requests that pass the key check are not limited: every one is a row.
  CHECK(rows.back().status == 200);
}

// Past server.max_connections a connection gets a fixed 503 and is closed at once, counted in
// /metrics; the cap is global (two workers), follows the setting live, and a freed slot is reused.
TEST_CASE("hostile client: connections past server.max_connections are refused and counted", "[server][hostile]") {
  AdminFixture f;
  f.set("server.max_connections", 8);
  f.start(2);
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<HttpClient>(f.port(), 5s));
    REQUIRE(held.back()->send_raw(""));  // connected, idle
  }
  int refused = 0;
  for (int i = 0; i < 3; ++i, ++refused) {
    HttpClient extra(f.port(), 5s);
    const auto r = extra.request("GET", "/health");
    CHECK(r.status == 503);
    const auto err = boost::json::parse(r.body).at("error");
    CHECK(err.at("type") == "service_unavailable");
    CHECK(err.at("code") == "unavailable");
    CHECK_THAT(std::string(err.at("message").as_string()), Catch::Contains("server.max_connections"));
    CHECK(r.header("connection") == "close");
    CHECK(r.header("retry-after") == "1");
  }
  CHECK(held.front()->request("GET", "/health").status == 200);  // the admitted ones carry on

  // One slot given back: the next connection gets in once the server has seen the close.
  held.pop_back();
  HttpResponse metrics;
  for (int attempt = 0; attempt < 200; ++attempt, ++refused) {
    metrics = router::test::http_request(f.port(), "GET", "/metrics");
    if (metrics.status != 503) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains(fmt::format("\nrouter_client_connections_refused_total {}\n", refused)));
  CHECK_THAT(metrics.body, Catch::Contains("\nrouter_client_connections 8\n"));  // 7 held and this one

  // A lower cap applies from the next request the server handles.
  f.set("server.max_connections", 2);
  CHECK(held.front()->request("GET", "/health").status == 200);
  CHECK(router::test::http_request(f.port(), "GET", "/health").status == 503);
  held.clear();
}
