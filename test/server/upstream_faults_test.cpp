// Upstream faults (issue 8; DESIGN.md §5.3, §7, §10): one table of broken upstreams, each run
// with a fallback provider configured and without one. Before the first byte reaches the client
// a failure falls back where DESIGN allows it (connection errors, resets, timeouts before the
// answer's head, 408/409/429/5xx, unusable 200s) and is otherwise an honest HTTP error; after it,
// the stream ends with an SSE error event and no [DONE]. Each case also checks the log row, that
// it ends in bounded time, and that no upstream connection or descriptor is left behind.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
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
