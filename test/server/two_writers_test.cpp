#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "support/cli.hpp"
#include "support/http_client.hpp"
#include "support/log_rows.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using router::test::MockUpstream;
using router::test::run_router;

namespace {

// scripts/two-writers runs this case with ROUTER_TWO_WRITERS_REQUESTS=100000; the unit suite
// keeps the default small.
int requests_to_send() {
  const char* v = std::getenv("ROUTER_TWO_WRITERS_REQUESTS");
  return v != nullptr && *v != '\0' ? std::atoi(v) : 5000;
}

}  // namespace

// Issue 15: several `router serve` processes write one logs database. Request ids carry a
// per-process random tag (no collision), and rollups are SQL-side increments (no lost count).
TEST_CASE("serve: two processes on one database log every request exactly once, rollups equal a recount",
          "[server][slow]") {
  const int total = requests_to_send();
  REQUIRE(total > 0);
  MockUpstream up;
  up.on("/v1/chat/completions", [](const router::test::MockRequest& r, router::test::MockConn& c) {
    if (r.body.find("\"fail\"") != std::string::npos) {
      c.respond(500, R"({"error":{"message":"boom"}})");
    } else {
      c.respond(200, MockUpstream::completion_json("hi", "mock-model", 7, 3));
    }
  });
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  REQUIRE(run_router(db, {"provider", "add", "up", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}).exit_code == 0);
  REQUIRE(run_router(db, {"set", "up"}).exit_code == 0);
  REQUIRE(run_router(db, {"config", "set", "routing.max_attempts", "1"}).exit_code == 0);

  router::test::ProcessOptions opts;
  opts.unset_env = {"ROUTER_DB", "ROUTER_MASTER_KEY"};
  const auto log_a = (dir / "serve-a.log").string();
  const auto log_b = (dir / "serve-b.log").string();
  const std::vector<std::string> args{"--db", db, "serve", "--listen", "127.0.0.1:0", "--threads", "2"};
  std::vector<std::string> argv{ROUTER_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  router::test::Child a(argv, opts, log_a);
  router::test::Child b(argv, opts, log_b);
  const auto port_a = router::test::wait_for_listen_port(log_a, std::chrono::seconds(20));
  const auto port_b = router::test::wait_for_listen_port(log_b, std::chrono::seconds(20));
  REQUIRE(port_a != 0);
  REQUIRE(port_b != 0);

  const std::int64_t began_ms = router::core::now_ms();
  constexpr int kClientsPerServer = 4;
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
  std::atomic<int> next{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 2 * kClientsPerServer; ++i) {
    clients.emplace_back([&, port = i % 2 == 0 ? port_a : port_b] {
      router::test::HttpClient client(port);
      for (int n = next++; n < total; n = next++) {
        // Every 7th request fails upstream, so the error counters have something to add.
        const std::string model = n % 7 == 0 ? "fail" : "m";
        const auto r = client.request("POST", "/v1/chat/completions",
                                      R"({"model":")" + model + R"(","messages":[{"role":"user","content":"x"}]})");
        (r.status == 200 ? answered : failed)++;
      }
    });
  }
  for (auto& t : clients) {
    t.join();
  }
  REQUIRE(a.stop(SIGTERM, std::chrono::seconds(60)) == 0);
  REQUIRE(b.stop(SIGTERM, std::chrono::seconds(60)) == 0);
  const std::int64_t ended_ms = router::core::now_ms();
  INFO("serve A: " << router::test::read_file(log_a));
  INFO("serve B: " << router::test::read_file(log_b));
  CHECK(answered + failed == total);
  CHECK(failed == (total + 6) / 7);

  router::test::LogsDb logs(dir / "router-logs.db");
  // The raw rows, through the history query, oldest pages last.
  std::set<std::int64_t> ids;
  router::db::StatsGroup recount;
  std::optional<std::int64_t> cursor;
  std::size_t rows = 0;
  do {
    const auto page = logs.repo.history({}, router::db::LogRepository::kMaxHistoryLimit, cursor);
    for (const auto& s : page.rows) {
      const auto& r = s.request;
      ids.insert(r.request_id);
      ++rows;
      recount.add_request(r.outcome, r.duration_us, r.ttft_us, r.prompt_tokens.value_or(0),
                          r.completion_tokens.value_or(0));
    }
    cursor = page.next_cursor;
  } while (cursor);
  CHECK(rows == static_cast<std::size_t>(total));  // no lost row
  CHECK(ids.size() == rows);                         // no id collision (the key would refuse it anyway)

  // Whole hours only: stats() then reads nothing but the rollups.
  constexpr std::int64_t kHour = router::test::kHourMs;
  router::db::StatsQuery q;
  q.since_ms = began_ms / kHour * kHour;
  q.until_ms = (ended_ms / kHour + 1) * kHour;
  const auto stats = logs.repo.stats(q);
  CHECK(stats.raw_rows_scanned == 0);
  CHECK(stats.total.requests == recount.requests);
  CHECK(stats.total.errors == recount.errors);
  CHECK(stats.total.errors == (total + 6) / 7);
  CHECK(stats.total.prompt_tokens == recount.prompt_tokens);
  CHECK(stats.total.completion_tokens == recount.completion_tokens);
  CHECK(stats.total.duration_sum_us == recount.duration_sum_us);
  CHECK(stats.total.latency == recount.latency);
  CHECK(stats.total.ttft == recount.ttft);
  // Neither writer refused a row.
  CHECK(router::test::read_file(log_a).find("refused") == std::string::npos);
  CHECK(router::test::read_file(log_b).find("refused") == std::string::npos);
}
