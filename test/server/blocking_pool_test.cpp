#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <boost/json.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "support/admin_api.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"

using router::test::AdminFixture;
using router::test::HttpClient;
using router::test::MockUpstream;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Issue 13: admin handlers ran SQLite on the I/O worker, so an admin call waiting on a locked
// database (busy_timeout) stalled every stream on that worker. They run on the blocking pool now.
TEST_CASE("blocking pool: an admin call waiting on a locked database does not delay a stream", "[server]") {
  constexpr int kEvents = 20;
  constexpr auto kPace = milliseconds(50);
  constexpr auto kLockHeld = milliseconds(2000);
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::sse(std::vector<std::string>(kEvents, "tick"), kPace));
  AdminFixture f;
  f.add_provider("oa", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.link("oa", "gpt-test");
  f.set("active_provider", "oa");
  f.start(1);  // one I/O worker: the stream and the admin call share it

  // Another program holds the configuration's write lock: the admin write below waits for it.
  SQLite::Database other(f.db(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  const auto locked_at = Clock::now();

  router::test::AdminReply admin;
  Clock::duration admin_took{};
  std::thread admin_call([&] {
    const auto t0 = Clock::now();
    admin = f.call("PUT", "/v1/settings/routing.max_attempts", R"({"value":4})");
    admin_took = Clock::now() - t0;
  });
  std::this_thread::sleep_for(milliseconds(200));  // the admin call is waiting on the lock now

  std::vector<Clock::time_point> arrivals;
  HttpClient c(f.port());
  const auto sent = Clock::now();
  const auto r = c.stream("POST", "/v1/chat/completions", router::test::kStreamChat, {}, [&](std::string_view) {
    arrivals.push_back(Clock::now());
    return true;
  });
  const auto stream_done = Clock::now();
  std::this_thread::sleep_for(kLockHeld - (Clock::now() - locked_at));
  other.exec("ROLLBACK");
  admin_call.join();

  INFO(r.error);
  REQUIRE(r.status == 200);
  CHECK(router::test::sse_data(r.body).size() == kEvents + 3);  // role, ticks, finish, [DONE]
  // The stream ran while the admin call was blocked ...
  CHECK(stream_done - locked_at < kLockHeld);
  REQUIRE_FALSE(arrivals.empty());
  // ... and at its own pace: no event waited on the admin call.
  auto worst = arrivals.front() - sent;
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    worst = std::max(worst, arrivals[i] - arrivals[i - 1]);
  }
  CHECK(std::chrono::duration_cast<milliseconds>(worst).count() < 500);
  // The admin call did wait for the lock, then succeeded.
  CHECK(admin.status() == 200);
  CHECK(std::chrono::duration_cast<milliseconds>(admin_took).count() >= 1500);
}
