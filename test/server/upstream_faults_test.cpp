// Upstream faults (issue 8; DESIGN.md §5.3, §7, §10): one table of broken upstreams, each run
// with a fallback provider configured and without one. Before the first byte reaches the client
// a failure falls back where DESIGN allows it (connection errors, resets, timeouts before the
// answer's head, 408/409/429/5xx, unusable 200s) and is otherwise an honest HTTP error; after it,
// the stream ends with an SSE error event and no [DONE]. Each case also checks the log row, that
// it ends in bounded time, and that no upstream connection or descriptor is left behind.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/admin_api.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/server_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using router::test::MockBehaviour;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;
using router::test::kChat;
using router::test::kStreamChat;
using router::test::ServerFixture;

namespace {

constexpr int kTimeoutMs = 300;  // the failing provider's `timeout`
constexpr auto kBound = 4s;      // no case may take longer, but:
// reading 32 MiB through the proxy's parser takes seconds in a debug or sanitizer build.
constexpr auto kBigBound = 60s;
// The proxy's limit on a non-streaming answer (lib/server/proxy_call.cpp, docs/architecture.md).
constexpr std::size_t kMaxAnswer = 32 * 1024 * 1024;

std::string event(std::string_view data) { return fmt::format("data: {}\n\n", data); }
const std::string kHello = event(MockUpstream::chunk_json("Hello"));

// What the client gets.
enum class Answer {
  kBackup,     ///< 200 from the backup provider, logged ok after two attempts
  kError,      ///< an HTTP error in the OpenAI shape, logged after one attempt
  kTruncated,  ///< 200, the primary's first event, an SSE error event, no [DONE]; logged truncated
};

struct Expect {
  Answer answer;
  int status = 200;         // kError: the status
  std::string outcome;      // kError: the log outcome
  std::string retry_after;  // kError: the Retry-After header passed through
};

struct Fault {
  std::string name;
  std::optional<MockBehaviour> primary;  // nullopt: nothing listens (connection refused)
  bool stream;
  Expect alone;     // only the failing provider
  Expect fallback;  // a healthy backup provider linked to the same model
  std::chrono::seconds bound = kBound;
};

Expect backup() { return {Answer::kBackup}; }
Expect error(int status, std::string outcome, std::string retry_after = {}) {
  return {Answer::kError, status, std::move(outcome), std::move(retry_after)};
}
Expect truncated() { return {Answer::kTruncated}; }

std::vector<Fault> faults() {
  const auto answer = MockUpstream::completion_json("from the primary");
  const auto stalled_stream = [](MockConn& c) { c.wait_for_close(); };
  const auto reset = [](MockConn& c) { c.reset(); };
  const auto finish = [](MockConn& c) { c.end_chunked(); };
  std::vector<Fault> out;
  for (const bool stream : {false, true}) {
    out.push_back({"connection refused", std::nullopt, stream, error(502, "upstream_error"), backup()});
    out.push_back({"reset before the response head", MockUpstream::reset_before_head(), stream,
                   error(502, "upstream_error"), backup()});
    out.push_back({"no response head within the timeout", MockUpstream::stall(), stream, error(504, "timeout"), backup()});
    out.push_back({"HTTP 500", MockUpstream::json(R"({"error":{"message":"boom"}})", 500), stream,
                   error(502, "upstream_error"), backup()});
    out.push_back({"HTTP 503 with an HTML body", MockUpstream::reply(503, "<html>down</html>", {}, "text/html"), stream,
                   error(502, "upstream_error"), backup()});
    out.push_back({"HTTP 504", MockUpstream::json("{}", 504), stream, error(504, "timeout"), backup()});
    out.push_back({"HTTP 429 with Retry-After", MockUpstream::reply(429, "slow down", {{"Retry-After", "7"}}, "text/plain"),
                   stream, error(429, "upstream_error", "7"), backup()});
    // Hostile framing (issue 12): each ends in a 502 well before the timeout, reading boundedly.
    out.push_back({"101 Switching Protocols, not asked for",
                   MockUpstream::flood("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", 0),
                   stream, error(502, "upstream_error"), backup()});
    std::string interim;
    for (int i = 0; i < 64; ++i) {
      interim += "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n";
    }
    out.push_back({"interim 1xx replies without end", MockUpstream::flood(interim, 0), stream,
                   error(502, "upstream_error"), backup()});
    const std::string chunked_head = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        stream ? "text/event-stream" : "application/json");
    out.push_back({"a chunk extension without end", MockUpstream::flood(chunked_head + "1;ext=", 16 << 20), stream,
                   error(502, "upstream_error"), backup()});
    out.push_back({"a trailer without end", MockUpstream::flood(chunked_head + "0\r\nX-Trailer: ", 16 << 20), stream,
                   error(502, "upstream_error"), backup()});
  }
  // Non-streaming answers.
  out.push_back({"reset mid-body", MockUpstream::reset_mid_body(answer), false, error(502, "upstream_error"), backup()});
  out.push_back({"slow drip of the body past the timeout", MockUpstream::drip_body(answer, 50ms), false,
                 error(504, "timeout"), error(504, "timeout")});
  out.push_back({"malformed JSON in a 200", MockUpstream::json(R"({"id":"x","choices":[)"), false,
                 error(502, "upstream_error"), backup()});
  out.push_back({"an HTML page in a 200", MockUpstream::reply(200, "<html>hi</html>", {}, "text/html"), false,
                 error(502, "upstream_error"), backup()});
  out.push_back({"oversized answer, announced by Content-Length",
                 MockUpstream::oversized(std::size_t{1} << 40, false), false, error(502, "upstream_error"), backup()});
  out.push_back({"oversized answer, chunked", MockUpstream::oversized(kMaxAnswer + 1024 * 1024, true), false,
                 error(502, "upstream_error"), backup(), kBigBound});
  // Streams.
  out.push_back({"reset mid-stream", MockUpstream::sse_events({kHello}, reset), true, truncated(), truncated()});
  out.push_back({"stream head, then silence past the timeout", MockUpstream::sse_events({}, stalled_stream), true,
                 error(504, "timeout"), error(504, "timeout")});
  out.push_back({"slow drip: one event, then silence past the timeout", MockUpstream::sse_events({kHello}, stalled_stream),
                 true, truncated(), truncated()});
  out.push_back({"malformed SSE before any event", MockUpstream::sse_events({event("{not json")}, finish), true,
                 error(502, "upstream_error"), backup()});
  out.push_back({"malformed SSE after an event", MockUpstream::sse_events({kHello, event("{not json")}, finish), true,
                 truncated(), truncated()});
  out.push_back({"stream ends without [DONE] after an event", MockUpstream::sse_events({kHello}, finish), true,
                 truncated(), truncated()});
  out.push_back({"stream ends without any event", MockUpstream::sse_events({}, finish), true, error(502, "upstream_error"),
                 backup()});
  out.push_back({"an SSE event over the 4 MiB limit", MockUpstream::sse_events({"data: " + std::string(5 << 20, 'x')}, finish),
                 true, error(502, "upstream_error"), backup()});
  return out;
}

// Idle upstream connections the router keeps (/metrics). One keep-alive connection asks, so
// asking opens and closes no descriptor.
int pooled(router::test::HttpClient& metrics) {
  const auto r = metrics.request("GET", "/metrics");
  const auto pos = r.body.find("router_upstream_idle_connections{");
  REQUIRE(pos != std::string::npos);
  return std::stoi(r.body.substr(r.body.find("} ", pos) + 2));
}

// Waits until every open upstream connection is one the router pools and the process holds
// just the descriptors those take; true when that happened within a second.
bool settled(router::test::HttpClient& metrics, const MockUpstream& primary, const MockUpstream& good, int fds_before) {
  int idle = 0;
  int open = 0;
  int fds = 0;
  for (int i = 0; i < 100; ++i) {
    idle = pooled(metrics);
    open = primary.open_connections() + good.open_connections();
    fds = router::test::open_fds();
    if (open == idle && fds == fds_before + 2 * idle) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  UNSCOPED_INFO("pooled " << idle << ", open at the mocks " << open << ", descriptors " << fds << " (were "
                          << fds_before << ")");
  return false;
}

void run_fault(const Fault& fault, bool with_fallback) {
  const Expect& expect = with_fallback ? fault.fallback : fault.alone;
  MockUpstream bad;
  MockUpstream good;
  good.on("/v1/chat/completions", [](const MockRequest& req, MockConn& c) {
    if (req.body.find("\"stream\":true") != std::string::npos) {
      return MockUpstream::sse({"fallback answer"})(req, c);
    }
    MockUpstream::json(MockUpstream::completion_json("fallback answer"))(req, c);
  });
  if (fault.primary) {
    bad.on("/v1/chat/completions", *fault.primary);
  }
  ServerFixture f;
  // A refused connection: the port of a listener that is gone.
  const std::string base = fault.primary ? bad.url("/v1") : fmt::format("http://127.0.0.1:{}/v1", [] {
    MockUpstream gone;
    return gone.port();
  }());
  f.add_provider("primary", "openai", boost::json::object{{"baseURL", base}, {"timeout", kTimeoutMs}}, 5);
  f.link("primary", "gpt-test");
  if (with_fallback) {
    f.add_provider("backup", "openai", boost::json::object{{"baseURL", good.url("/v1")}}, 1);
    f.link("backup", "gpt-test");
  }
  f.set("active_provider", "primary");
  f.start(1);  // /metrics shows the pool of the worker that answers it: one worker, one pool
  // The worker has served and the log writer has written once, so what they open lazily (the
  // logs database's WAL files among it) is open before counting.
  REQUIRE(router::test::http_request(f.port(), "GET", "/v1/models").status == 200);
  REQUIRE(f.logs(1).size() == 1);
  router::test::HttpClient metrics(f.port());
  (void)pooled(metrics);  // connected before counting
  REQUIRE(settled(metrics, bad, good, router::test::open_fds()));
  const int fds_before = router::test::open_fds();

  const auto start = std::chrono::steady_clock::now();
  const auto r = router::test::http_request(f.port(), "POST", "/v1/chat/completions", fault.stream ? kStreamChat : kChat);
  CHECK(std::chrono::steady_clock::now() - start < fault.bound);
  INFO(r.status << " " << r.body.substr(0, 300) << " " << r.error);
  const auto logs = f.logs(2);
  REQUIRE(logs.size() == 2);
  const auto& row = logs[1];
  INFO("log: " << row.outcome << " " << row.status << " " << row.error);

  switch (expect.answer) {
    case Answer::kBackup:
      CHECK(r.status == 200);
      CHECK(r.header("x-router-provider") == "backup");
      CHECK_THAT(r.body, Contains("fallback answer"));
      if (fault.stream) {
        CHECK_THAT(r.body, Contains("data: [DONE]"));
      }
      CHECK(row.outcome == "ok");
      CHECK(row.provider_id == "backup");
      REQUIRE(row.attempt_rows.size() == 2);
      CHECK(row.attempt_rows[0].first == "primary");
      CHECK(row.attempt_rows[1] == std::pair<std::string, std::optional<int>>{"backup", 200});
      break;
    case Answer::kError:
      router::test::check_openai_error(r, expect.status);
      CHECK(r.header("x-router-provider") == "primary");
      CHECK(r.header("retry-after") == expect.retry_after);
      CHECK(row.status == expect.status);
      CHECK(row.outcome == expect.outcome);
      CHECK(row.attempt_rows.size() == 1);
      CHECK(good.hits("/v1/chat/completions") == 0);
      break;
    case Answer::kTruncated: {
      CHECK(r.status == 200);
      CHECK(r.header("content-type") == "text/event-stream");
      const auto events = router::test::sse_data(r.body);
      REQUIRE(events.size() == 2);
      CHECK(events[0] == MockUpstream::chunk_json("Hello"));
      CHECK(boost::json::parse(events[1]).at("error").at("type") == "upstream_error");
      CHECK(r.body.find("data: [DONE]") == std::string::npos);
      CHECK(row.status == 200);
      CHECK(row.outcome == "truncated");
      CHECK(row.attempt_rows.size() == 1);
      CHECK(good.hits("/v1/chat/completions") == 0);
      break;
    }
  }
  CHECK(settled(metrics, bad, good, fds_before));
  CHECK(router::test::http_request(f.port(), "GET", "/health").status == 200);
}

}  // namespace

TEST_CASE("upstream fault: every fault without a fallback provider", "[server][faults]") {
  for (const auto& fault : faults()) {
    INFO((fault.stream ? "stream: " : "") << fault.name);
    run_fault(fault, false);
  }
}

TEST_CASE("upstream fault: every fault with a fallback provider", "[server][faults]") {
  for (const auto& fault : faults()) {
    INFO((fault.stream ? "stream: " : "") << fault.name);
    run_fault(fault, true);
  }
}

// Issue 12, item 1. An upstream that sends interim replies (100 Continue, 103 Early Hints) before
// its answer: the router skips them (RFC 9110 §15.2), relays the real answer, and pools the
// connection clean, so the next request on it gets its own answer and not the previous one's.
TEST_CASE("upstream fault: interim 1xx replies are skipped and never leave an answer in the pool", "[server][faults]") {
  const std::string interim =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
  MockUpstream up;
  std::atomic<int> n{0};
  up.on("/v1/chat/completions", [&](const MockRequest& req, MockConn& c) {
    const auto text = fmt::format("answer {}", ++n);
    c.send_raw(interim);
    if (req.body.find("\"stream\":true") != std::string::npos) {
      return MockUpstream::sse({text})(req, c);
    }
    c.respond(200, MockUpstream::completion_json(text));
  });
  up.on("/v1/models", [&](const MockRequest&, MockConn& c) {
    c.send_raw(interim);
    c.respond(200, fmt::format(R"({{"object":"list","data":[{{"id":"model-{}","object":"model"}}]}})", ++n));
  });
  ServerFixture f;
  f.add_provider("primary", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.link("primary", "gpt-test");
  f.set("active_provider", "primary");
  f.start(1);  // one worker, one pool: every request below reuses the same upstream connection

  const auto content = [](const router::test::HttpResponse& r) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return std::string(boost::json::parse(r.body).at("choices").at(0).at("message").at("content").as_string());
  };
  CHECK(content(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat)) == "answer 1");
  CHECK(content(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat)) == "answer 2");
  const auto s = router::test::http_request(f.port(), "POST", "/v1/chat/completions", kStreamChat);
  CHECK(s.status == 200);
  CHECK_THAT(s.body, Contains(MockUpstream::chunk_json("answer 3")));
  CHECK_THAT(s.body, Contains("data: [DONE]"));
  // The other upstream client (model lists, setup requests) reads heads the same way.
  const auto m = router::test::http_request(f.port(), "GET", "/v1/models?provider=primary");
  CHECK(m.status == 200);
  CHECK_THAT(m.body, Contains("model-4"));
  CHECK(content(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat)) == "answer 5");
  CHECK(up.connections() == 1);  // pooled and reused after each, clean
}

// Issue 12, item 3. 204 and 304 have no body: the client gets the status with no body and no
// framing headers, and its keep-alive connection stays in step. A 204 that announces a body
// anyway leaves those bytes unread: that connection is closed, never pooled.
TEST_CASE("upstream fault: 204 and 304 are relayed without a body and keep the client's connection in step",
          "[server][faults]") {
  MockUpstream up;
  std::atomic<int> n{0};
  up.on("/v1/chat/completions", [&](const MockRequest&, MockConn& c) {
    switch (++n) {
      case 1: c.send_raw("HTTP/1.1 204 No Content\r\n\r\n"); break;
      case 2: c.send_raw("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"); break;
      case 3: c.send_raw("HTTP/1.1 204 No Content\r\nContent-Length: 31\r\n\r\nHTTP/1.1 200 OK\r\nStale: yes\r\n\r\n"); break;
      default: c.respond(200, MockUpstream::completion_json(fmt::format("answer {}", n.load())));
    }
  });
  MockUpstream good;
  good.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("fallback answer")));
  ServerFixture f;
  f.add_provider("primary", "openai", boost::json::object{{"baseURL", up.url("/v1")}}, 5);
  f.link("primary", "gpt-test");
  f.set("active_provider", "primary");
  f.start(1);

  router::test::HttpClient client(f.port());
  for (const int status : {204, 304, 204}) {
    const auto r = client.request("POST", "/v1/chat/completions", kChat);
    INFO(r.status << " " << r.body << r.error);
    CHECK(r.status == status);
    CHECK(r.body.empty());
    CHECK(r.header("content-length").empty());
    CHECK(r.header("transfer-encoding").empty());
    CHECK(r.header("x-router-provider") == "primary");
  }
  // The same client connection, still in step; the upstream connection that had bytes after
  // its 204 was closed, so this answer is the upstream's fourth, not the stale bytes.
  const auto next = client.request("POST", "/v1/chat/completions", kChat);
  INFO(next.body);
  CHECK(next.status == 200);
  CHECK_THAT(next.body, Contains("answer 4"));
  CHECK(up.connections() == 2);
  const auto logs = f.logs(4);
  REQUIRE(logs.size() == 4);
  CHECK(logs[0].status == 204);
  CHECK(logs[0].outcome == "upstream_error");
  CHECK(logs[1].status == 304);

  // With another provider to ask, a 204 falls back like any unusable 2xx.
  f.add_provider("backup", "openai", boost::json::object{{"baseURL", good.url("/v1")}}, 1);
  f.link("backup", "gpt-test");
  n = 0;
  const auto fb = client.request("POST", "/v1/chat/completions", kChat);
  CHECK(fb.status == 200);
  CHECK(fb.header("x-router-provider") == "backup");
}

namespace {

// Issue 12, item 2: an upstream that streams `prefix` and then 200 MB of one chunk line or trailer
// at the real `router serve` (a child process, so its RSS is its own). The router must refuse
// it after a bounded read: a clear 502, the upstream cut off long before 200 MB, and the
// router's RSS (now and peak) within 20 MB of what it was before.
void run_flood(const std::string& prefix) {
  constexpr std::size_t kFlood = 200 * 1000 * 1000;
  constexpr std::size_t kSlack = 20 * 1024 * 1024;
  MockUpstream up;
  auto sent = std::make_shared<std::atomic<std::size_t>>(0);
  up.on("/v1/chat/completions", MockUpstream::flood(prefix, kFlood, sent));
  up.on("/v1/models", MockUpstream::json(R"({"object":"list","data":[]})"));
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  REQUIRE(router::test::run_router(db, {"provider", "add", "up", "--type", "openai", "--set", "baseURL=" + up.url("/v1"),
                                        "--set", "timeout=20s"})
              .exit_code == 0);
  REQUIRE(router::test::run_router(db, {"set", "up"}).exit_code == 0);
  const auto log = (dir / "serve.log").string();
  router::test::ProcessOptions opts;
  opts.unset_env = {"ROUTER_DB", "ROUTER_MASTER_KEY"};
  router::test::Child serve({ROUTER_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0", "--threads", "1"}, opts, log);
  const auto port = router::test::wait_for_listen_port(log, std::chrono::seconds(10));
  INFO(router::test::read_file(log));
  REQUIRE(port != 0);
  // Warm up what a request touches (upstream pool, log writer) before measuring.
  REQUIRE(router::test::http_request(port, "GET", "/v1/models?provider=up").status == 200);
  std::this_thread::sleep_for(200ms);
  const auto before = router::test::process_rss(serve.pid());
  REQUIRE(before.now > 0);

  const auto start = std::chrono::steady_clock::now();
  const auto r = router::test::http_request(port, "POST", "/v1/chat/completions", kChat);
  const auto took = std::chrono::steady_clock::now() - start;
  const auto after = router::test::process_rss(serve.pid());
  INFO("RSS before " << before.now / 1024 << " KiB (peak " << before.peak / 1024 << "), after " << after.now / 1024
                     << " KiB (peak " << after.peak / 1024 << "); the upstream sent " << sent->load() << " bytes in "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  router::test::check_openai_error(r, 502);
  CHECK_THAT(r.body, Contains("longer than 64 KiB"));
  CHECK(sent->load() < kFlood / 10);
  CHECK(after.now <= before.now + kSlack);
  CHECK(after.peak <= std::max(before.peak, before.now) + kSlack);
  CHECK(took < 30s);
  CHECK(router::test::http_request(port, "GET", "/health").status == 200);
}

}  // namespace

TEST_CASE("upstream fault: 200 MB of chunk extension cannot grow the router's memory", "[server][faults]") {
  run_flood("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=");
}

TEST_CASE("upstream fault: 200 MB of trailer cannot grow the router's memory", "[server][faults]") {
  run_flood("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            "2\r\n{}\r\n0\r\nX-Trailer: ");
}

// Issue 12, item 5. An upstream that echoes the credential it was sent (in an error message, an
// HTML page, a stream's error event, a model list error, even an answer): the client and the
// request log see the masked form only.
TEST_CASE("upstream fault: an upstream echoing the provider's credential never gets it relayed or stored",
          "[server][faults]") {
  const std::string key = "sk-echo-0123456789abcdefSECRET";
  const std::string masked = "sk-…CRET";
  MockUpstream up;
  std::atomic<int> n{0};
  up.on("/v1/chat/completions", [&](const MockRequest& req, MockConn& c) {
    const std::string sent = req.header("authorization").substr(7);  // "Bearer <key>"
    switch (++n) {
      case 1:
        c.respond(401, fmt::format(R"({{"error":{{"message":"Incorrect API key provided: {}","type":"invalid_request_error"}}}})",
                                   sent));
        break;
      case 2:  // the key straddles where the router cuts its excerpt of an unknown body (300 bytes)
        c.respond(500, std::string(290, 'x') + sent + " is not valid", "text/html");
        break;
      case 3:
        c.begin_chunked();
        c.chunk(fmt::format("data: {{\"error\":{{\"message\":\"key {} is over quota\",\"type\":\"server_error\"}}}}\n\n", sent));
        c.end_chunked();
        break;
      default: c.respond(200, MockUpstream::completion_json("your key is " + sent));
    }
  });
  up.on("/v1/models", [](const MockRequest& req, MockConn& c) {
    c.respond(401, fmt::format(R"({{"error":{{"message":"bad key {}"}}}})", req.header("authorization").substr(7)));
  });
  ServerFixture f;
  f.add_provider("primary", "openai", boost::json::object{{"baseURL", up.url("/v1")}, {"apiKey", key}});
  f.link("primary", "gpt-test");
  f.set("active_provider", "primary");
  f.start(1);

  std::vector<router::test::HttpResponse> replies;
  const auto start = std::chrono::steady_clock::now();
  replies.push_back(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat));
  replies.push_back(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat));
  replies.push_back(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kStreamChat));
  replies.push_back(router::test::http_request(f.port(), "POST", "/v1/chat/completions", kChat));
  replies.push_back(router::test::http_request(f.port(), "GET", "/v1/models?provider=primary"));
  CHECK(std::chrono::steady_clock::now() - start < kBound);  // a stream ending after its error event ends
  CHECK(replies[0].status == 401);
  CHECK(replies[1].status == 502);
  CHECK(replies[2].status == 200);
  CHECK(replies[2].error.empty());
  CHECK(replies[3].status == 200);
  CHECK(replies[4].status == 502);
  for (const auto& r : replies) {
    INFO(r.status << " " << r.body);
    CHECK(r.body.find(key) == std::string::npos);
    CHECK(r.body.find("0123456789abcdef") == std::string::npos);  // no part of it either
  }
  CHECK_THAT(replies[0].body, Contains(masked));
  CHECK_THAT(replies[2].body, Contains(masked));
  CHECK_THAT(replies[3].body, Contains("your key is " + masked));
  for (const auto& row : f.logs(5)) {
    INFO(row.endpoint << " " << row.status << " " << row.error);
    CHECK(row.error.find(key) == std::string::npos);
    CHECK(row.response_body.value_or("").find(key) == std::string::npos);
  }
}
