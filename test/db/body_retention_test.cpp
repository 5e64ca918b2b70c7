#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "db/sqlite/log_repository.hpp"
#include "support/log_rows.hpp"
#include "support/temp_dir.hpp"

using router::db::Outcome;
using router::db::RequestLog;
using router::test::LogsDb;
using router::test::make_log;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::string item(const std::string& tag, int i) {
  return R"({"role":"user","content":")" + tag + std::to_string(i) + std::string(200, 'x') + R"("})";
}

RequestLog with_items(std::int64_t ms, std::int64_t seq, const std::vector<std::string>& items) {
  RequestLog r = make_log(ms, seq, "openai", "gpt-4o", Outcome::kOk, 1000);
  std::string messages;
  for (const auto& it : items) {
    messages += (messages.empty() ? "" : ",") + it;
  }
  r.request_body = R"({"model":"gpt-4o","messages":[)" + messages + "]}";
  r.request_bytes = static_cast<std::int64_t>(r.request_body->size());
  return r;
}

// Runs retention steps until one reports nothing more to do; returns how many steps it took.
int retain(router::db::LogRepository& repo, std::int64_t cutoff_ms, std::optional<std::int64_t> body_cutoff_ms) {
  int steps = 1;
  while (repo.prune_step(cutoff_ms, 2000, body_cutoff_ms) == 2000) {
    ++steps;
    REQUIRE(steps < 1000);
  }
  return steps;
}

}  // namespace

TEST_CASE("body retention: bodies go after logging.body_retention_days, rows after logging.retention_days",
          "[db][bodies]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "logs.db");
  const std::int64_t now = router::core::now_ms();
  const std::string shared = item("shared", 0);
  // 10 days old: a shared item and 700 items of its own (more than one collection batch).
  std::vector<std::string> old_items{shared};
  for (int i = 0; i < 700; ++i) {
    old_items.push_back(item("old", i));
  }
  const RequestLog old_row = with_items(now - 10 * kDayMs, 1, old_items);
  // 3 days old and now: the shared item again, and one of their own.
  const RequestLog mid_row = with_items(now - 3 * kDayMs, 2, {shared, item("mid", 0)});
  const RequestLog new_row = with_items(now - 1000, 3, {shared, item("new", 0)});
  // Inserted in time order through one repository: the shared item's last_seen is refreshed by
  // the newer requests although the writer already knows it.
  REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{old_row}).inserted == 1);
  REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{mid_row}).inserted == 1);
  REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{new_row}).inserted == 1);
  CHECK(logs.repo.storage(0).items == 703);

  SECTION("the body tier alone: old bodies go, their rows and every kept body stay intact") {
    // Items are collected in batches of at most 500, so this takes several steps.
    CHECK(retain(logs.repo, 0, now - 7 * kDayMs) >= 2);
    const auto old_found = logs.repo.find(old_row.request_id);
    REQUIRE(old_found);  // the metadata row stays
    CHECK_FALSE(old_found->request_body);
    CHECK_FALSE(old_found->response_body);
    CHECK(old_found->attempts.size() == old_row.attempts.size());
    for (const auto* row : {&mid_row, &new_row}) {
      const auto found = logs.repo.find(row->request_id);
      REQUIRE(found);
      CHECK(found->request_body == row->request_body);
      CHECK(found->response_body == row->response_body);
    }
    // Only the shared item and the two newer requests' own items are left.
    CHECK(logs.repo.storage(0).items == 3);

    SECTION("a request using a kept item again, through a fresh repository, still reads back exactly") {
      router::db::LogRepository fresh(logs.db);
      const RequestLog again = with_items(now - 500, 4, {shared, item("new", 0), item("newer", 0)});
      REQUIRE(fresh.insert_batch(std::vector<RequestLog>{again}).inserted == 1);
      CHECK(fresh.find(again.request_id)->request_body == again.request_body);
      CHECK(fresh.storage(0).items == 4);
    }
  }
  SECTION("the row tier takes rows and their bodies; items only old rows used go too") {
    retain(logs.repo, now - 5 * kDayMs, std::nullopt);
    CHECK_FALSE(logs.repo.find(old_row.request_id));
    CHECK(logs.repo.find(mid_row.request_id)->request_body == mid_row.request_body);
    CHECK(logs.repo.storage(0).items == 3);
  }
  SECTION("an item stored again after it was collected is found by a writer that knew it") {
    retain(logs.repo, 0, now - 7 * kDayMs);
    // The same repository learnt "old1" 10 days ago; it must not trust that knowledge now.
    const RequestLog back = with_items(now - 200, 5, {item("old", 1)});
    REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{back}).inserted == 1);
    CHECK(logs.repo.find(back.request_id)->request_body == back.request_body);
  }
}
