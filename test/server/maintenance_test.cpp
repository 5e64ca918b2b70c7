#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "server/server.hpp"
#include "support/log_rows.hpp"
#include "support/server_fixture.hpp"

using router::db::Outcome;
using router::test::LogsDb;
using router::test::make_log;

namespace {

std::size_t stored_rows(LogsDb& logs) {
  return logs.repo.history({}, router::db::LogRepository::kMaxHistoryLimit).rows.size();
}

}  // namespace

// Issue 13: retention is a maintenance task that reads logging.retention_days from the current
// snapshot. It used to ride on each logged request (LogItem), so a lowered retention did nothing
// until the next request arrived, and a server that served none never pruned.
TEST_CASE("maintenance: a lowered logging.retention_days prunes old rows without any request", "[server]") {
  router::test::ServerFixture f;
  f.start();
  LogsDb logs(f.dir() / "router-logs.db");
  const std::int64_t now = router::core::now_ms();
  const std::vector<router::db::RequestLog> rows{
      make_log(now - 3 * 86'400'000LL, 0, "p", "m", Outcome::kOk, 1000),  // 3 days old
      make_log(now - 2 * 86'400'000LL, 0, "p", "m", Outcome::kOk, 1000),  // 2 days old
      make_log(now - 60'000, 0, "p", "m", Outcome::kOk, 1000)};           // a minute old
  REQUIRE(logs.repo.insert_batch(rows).inserted == 3);

  // The default 30 days keeps all three through a few retention periods.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  REQUIRE(stored_rows(logs) == 3);

  f.set("logging.retention_days", 1);  // a commit to the configuration, no request follows
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stored_rows(logs) != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const auto left = logs.repo.history({}, router::db::LogRepository::kMaxHistoryLimit).rows;
  REQUIRE(left.size() == 1);
  CHECK(left.front().request.request_id == rows.back().request_id);
}
