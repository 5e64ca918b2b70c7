#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "server/log_writer.hpp"
#include "support/http_client.hpp"
#include "support/log_rows.hpp"
#include "support/mock_upstream.hpp"
#include "support/server_fixture.hpp"
#include "support/temp_dir.hpp"

using router::test::MockUpstream;
using router::test::ServerFixture;

// Issue 15: a batch the logs database refused because another process held its write lock past
// busy_timeout (5 s) was counted as failed and its rows were gone (scripts/two-writers lost 5,362
// of 100,000). The writer keeps such a batch and writes it with the next one.
TEST_CASE("log writer: rows refused while another process holds the logs database are written after", "[server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("kept")));
  ServerFixture f;
  f.add_provider("oa", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.set("active_provider", "oa");
  f.start();

  SQLite::Database other((f.dir() / "router-logs.db").string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  for (int i = 0; i < 3; ++i) {
    CHECK(router::test::http_request(f.port(), "POST", "/v1/chat/completions", router::test::kChat).status == 200);
  }
  // Past the writer's busy_timeout: its write of these rows failed at least once.
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  other.exec("ROLLBACK");

  const auto logs = f.logs(3, std::chrono::seconds(15));
  CHECK(logs.size() == 3);
  const auto health = boost::json::parse(router::test::http_request(f.port(), "GET", "/health").body);
  CHECK(health.at("log_failures") == 0);
}

// A Responses previous_response_id names the response the client has just received; its row may
// still be in the writer's queue. wait_written() returns once a commit that began after the call
// has run, so a reader then finds every row pushed before it.
TEST_CASE("log writer: wait_written returns once the rows pushed before it are stored", "[server]") {
  router::test::TempDir dir;
  const auto path = dir / "logs.db";
  router::test::LogsDb reader(path);
  router::server::LogWriter writer(path, 2);
  writer.start();
  const auto now = router::core::now_ms();
  for (std::int64_t i = 0; i < 20; ++i) {
    const auto row = router::test::make_log(now, i, "p", "m", router::db::Outcome::kOk, 1000);
    writer.push(static_cast<std::size_t>(i % 2), router::server::LogItem{row});
    CHECK(writer.wait_written(std::chrono::seconds(5)));
    CHECK(reader.repo.find(row.request_id).has_value());  // each one, at once: no sleep, no poll
  }
  writer.stop();
  CHECK_FALSE(writer.wait_written(std::chrono::milliseconds(50)));  // stopped: nothing more will be written
}
