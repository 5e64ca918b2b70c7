#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <optional>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/histogram.hpp"
#include "core/ids.hpp"
#include "db/sqlite/log_repository.hpp"
#include "support/log_rows.hpp"
#include "support/temp_dir.hpp"

using router::core::Histogram;
using router::db::LogRepository;
using router::db::Outcome;
using router::db::RequestLog;
using router::db::StatsGroup;
using router::db::StatsQuery;
using router::test::kHourMs;
using router::test::LogsDb;
using router::test::make_log;

namespace {

// A fixed hour start, far enough in the past for every test but within rollup retention.
const std::int64_t kBase = (router::core::now_ms() / kHourMs - 24 * 10) * kHourMs;

void check_same(const RequestLog& got, const RequestLog& want) {
  CHECK(got.request_id == want.request_id);
  CHECK(got.created_at == want.created_at);
  CHECK(got.endpoint == want.endpoint);
  CHECK(got.method == want.method);
  CHECK(got.client_addr == want.client_addr);
  CHECK(got.api_key_name == want.api_key_name);
  CHECK(got.model_requested == want.model_requested);
  CHECK(got.model_sent == want.model_sent);
  CHECK(got.provider_id == want.provider_id);
  CHECK(got.provider_type == want.provider_type);
  CHECK(got.stream == want.stream);
  CHECK(got.status == want.status);
  CHECK(got.outcome == want.outcome);
  CHECK(got.error == want.error);
  CHECK(got.duration_us == want.duration_us);
  CHECK(got.ttfb_us == want.ttfb_us);
  CHECK(got.ttft_us == want.ttft_us);
  CHECK(got.upstream_us == want.upstream_us);
  CHECK(got.prompt_tokens == want.prompt_tokens);
  CHECK(got.completion_tokens == want.completion_tokens);
  CHECK(got.total_tokens == want.total_tokens);
  CHECK(got.request_bytes == want.request_bytes);
  CHECK(got.response_bytes == want.response_bytes);
  CHECK(got.request_body == want.request_body);
  CHECK(got.response_body == want.response_body);
  CHECK(got.body_truncated == want.body_truncated);
  REQUIRE(got.attempts.size() == want.attempts.size());
  for (std::size_t i = 0; i < got.attempts.size(); ++i) {
    CHECK(got.attempts[i].provider_id == want.attempts[i].provider_id);
    CHECK(got.attempts[i].provider_type == want.attempts[i].provider_type);
    CHECK(got.attempts[i].model_sent == want.attempts[i].model_sent);
    CHECK(got.attempts[i].status == want.attempts[i].status);
    CHECK(got.attempts[i].error == want.attempts[i].error);
    CHECK(got.attempts[i].duration_us == want.attempts[i].duration_us);
  }
}

std::int64_t scalar(LogsDb& logs, const std::string& sql) {
  return logs.db.sqlite().execAndGet(sql).getInt64();
}

struct Rollup {
  std::int64_t requests = 0, errors = 0, prompt = 0, completion = 0, duration_sum = 0;
  Histogram latency, ttft;
};

std::optional<Rollup> read_rollup(LogsDb& logs, std::int64_t hour, const std::string& provider,
                                  const std::string& model) {
  SQLite::Statement s(
      logs.db.sqlite(),
      "SELECT requests, errors, prompt_tokens, completion_tokens, duration_sum_us, latency_hist, "
      "ttft_hist FROM request_rollups WHERE hour = ? AND provider_id = ? AND model = ?");
  s.bind(1, static_cast<std::int64_t>(hour));
  s.bind(2, provider);
  s.bind(3, model);
  if (!s.executeStep()) {
    return std::nullopt;
  }
  Rollup r;
  r.requests = s.getColumn(0).getInt64();
  r.errors = s.getColumn(1).getInt64();
  r.prompt = s.getColumn(2).getInt64();
  r.completion = s.getColumn(3).getInt64();
  r.duration_sum = s.getColumn(4).getInt64();
  r.latency = Histogram::decode(std::string(static_cast<const char*>(s.getColumn(5).getBlob()),
                                            static_cast<std::size_t>(s.getColumn(5).getBytes())));
  r.ttft = Histogram::decode(std::string(static_cast<const char*>(s.getColumn(6).getBlob()),
                                         static_cast<std::size_t>(s.getColumn(6).getBytes())));
  return r;
}

}  // namespace

TEST_CASE(
    "LogRepository: insert_batch stores rows, attempts and NULLs, find returns them unchanged",
    "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");

  const RequestLog full =
      make_log(kBase + 1000, 1, "openai", "gpt-4o", Outcome::kUpstreamError, 1'234'567);
  RequestLog sparse;  // no provider answered: every optional and nullable text left empty
  sparse.request_id = router::test::request_id_at(kBase + 2000);
  sparse.created_at = kBase + 2000;
  sparse.endpoint = "/v1/chat/completions";
  sparse.method = "POST";
  sparse.status = 503;
  sparse.outcome = Outcome::kNoProvider;
  sparse.duration_us = 80;
  sparse.body_truncated = true;

  const std::vector<RequestLog> batch{full, sparse};
  const auto res = logs.repo.insert_batch(batch);
  CHECK(res.inserted == 2);
  CHECK(res.duplicates == 0);

  const auto got = logs.repo.find(full.request_id);
  REQUIRE(got);
  REQUIRE(got->attempts.size() == 2);
  check_same(*got, full);
  const auto got_sparse = logs.repo.find(sparse.request_id);
  REQUIRE(got_sparse);
  check_same(*got_sparse, sparse);

  SQLite::Statement nulls(
      logs.db.sqlite(),
      "SELECT client_addr IS NULL, api_key_name IS NULL, provider_id IS NULL, error IS NULL, "
      "ttft_us IS NULL, prompt_tokens IS NULL, "
      "NOT EXISTS (SELECT 1 FROM request_bodies b WHERE b.request_id = request_logs.request_id), "
      "attempts FROM request_logs WHERE request_id = ?");
  nulls.bind(1, static_cast<std::int64_t>(sparse.request_id));
  REQUIRE(nulls.executeStep());
  for (int i = 0; i < 7; ++i) {
    CAPTURE(i);
    CHECK(nulls.getColumn(i).getInt() == 1);
  }
  CHECK(nulls.getColumn(7).getInt() == 0);
  CHECK(scalar(logs, "SELECT count(*) FROM request_attempts") == 2);
  CHECK(scalar(logs, "SELECT status IS NULL FROM request_attempts WHERE attempt = 1") == 0);

  CHECK_FALSE(logs.repo.find(full.request_id + 12345));
  CHECK(logs.repo.insert_batch({}).inserted == 0);
}

TEST_CASE(
    "LogRepository: a duplicate request_id is refused, counted and named, the rest of the batch is stored",
    "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  const RequestLog first = make_log(kBase + 10, 0, "openai", "gpt-4o", Outcome::kOk, 1000);
  CHECK(logs.repo.insert_batch(std::vector<RequestLog>{first}).inserted == 1);

  RequestLog clash = make_log(kBase + 10, 0, "anthropic", "claude", Outcome::kTimeout, 9999);
  const RequestLog fresh = make_log(kBase + 20, 0, "openai", "gpt-4o", Outcome::kOk, 2000);
  const RequestLog twice = make_log(kBase + 30, 0, "openai", "gpt-4o", Outcome::kOk, 3000);
  const auto res = logs.repo.insert_batch(std::vector<RequestLog>{clash, fresh, twice, twice});
  CHECK(res.inserted == 2);
  CHECK(res.duplicates == 2);
  CHECK(res.duplicate_ids == std::vector<std::int64_t>{clash.request_id, twice.request_id});

  const auto kept = logs.repo.find(first.request_id);
  REQUIRE(kept);
  CHECK(kept->provider_id == "openai");  // the stored row wins
  CHECK(kept->attempts.size() == 1);
  CHECK(scalar(logs, "SELECT count(*) FROM request_logs") == 3);
  CHECK(scalar(logs, "SELECT count(*) FROM request_attempts") == 3);
  // The skipped rows contribute nothing to the rollups either.
  CHECK_FALSE(read_rollup(logs, kBase / kHourMs, "anthropic", "claude"));
  const auto r = read_rollup(logs, kBase / kHourMs, "openai", "gpt-4o");
  REQUIRE(r);
  CHECK(r->requests == 3);
  CHECK(r->duration_sum == 6000);
}

TEST_CASE("LogRepository: rollups aggregate per hour, provider and model across batches", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  std::vector<RequestLog> a;
  std::vector<RequestLog> b;
  // Hour 0, openai/gpt-4o: 3 rows over two batches, one failed.
  a.push_back(make_log(kBase + 1, 0, "openai", "gpt-4o", Outcome::kOk, 100'000));
  a.push_back(make_log(kBase + 2, 1, "openai", "gpt-4o", Outcome::kTimeout, 5'000'000));
  b.push_back(make_log(kBase + 3, 2, "openai", "gpt-4o", Outcome::kOk, 300'000));
  // Hour 0, other model and provider; hour 1 of the first group.
  a.push_back(make_log(kBase + 4, 0, "openai", "gpt-4o-mini", Outcome::kOk, 50'000));
  b.push_back(make_log(kBase + 5, 0, "lm-studio", "gpt-4o", Outcome::kCancelled, 70'000));
  b.push_back(make_log(kBase + kHourMs + 7, 0, "openai", "gpt-4o", Outcome::kOk, 120'000));
  b.back().ttft_us.reset();
  b.back().prompt_tokens.reset();
  (void)logs.repo.insert_batch(a);
  (void)logs.repo.insert_batch(b);

  const std::int64_t h0 = kBase / kHourMs;
  CHECK(scalar(logs, "SELECT count(*) FROM request_rollups") == 4);
  const auto g = read_rollup(logs, h0, "openai", "gpt-4o");
  REQUIRE(g);
  CHECK(g->requests == 3);
  CHECK(g->errors == 1);
  CHECK(g->prompt == (10 + 0) + (10 + 1) + (10 + 2));
  CHECK(g->completion == (20 + 0) + (20 + 1) + (20 + 2));
  CHECK(g->duration_sum == 5'400'000);
  CHECK(g->latency.count() == 3);
  CHECK(g->latency.min() == 100'000);
  CHECK(g->latency.max() == 5'000'000);
  CHECK(g->latency.percentile(50) == Approx(300'000).epsilon(1.0 / 64));
  CHECK(g->ttft.count() == 3);
  CHECK(g->ttft.max() == 5'000'000 / 3);

  const auto cancelled = read_rollup(logs, h0, "lm-studio", "gpt-4o");
  REQUIRE(cancelled);
  CHECK(cancelled->errors == 1);
  const auto later = read_rollup(logs, h0 + 1, "openai", "gpt-4o");
  REQUIRE(later);
  CHECK(later->requests == 1);
  CHECK(later->prompt == 0);
  CHECK(later->ttft.empty());
  CHECK(later->latency.count() == 1);
}

TEST_CASE("LogRepository: prune deletes old rows and attempts in batches, vacuums, keeps rollups",
          "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  std::vector<RequestLog> rows;
  for (int i = 0; i < 12'000; ++i) {
    rows.push_back(make_log(kBase + i * 100, i % 7, i % 2 == 0 ? "openai" : "groq", "gpt-4o",
                            i % 10 == 0 ? Outcome::kUpstreamError : Outcome::kOk, 1000 + i));
  }
  (void)logs.repo.insert_batch(rows);
  const std::int64_t rollups = scalar(logs, "SELECT count(*) FROM request_rollups");
  const std::int64_t cutoff = kBase + 9'000 * 100;   // rows 0..8999 go
  const std::int64_t attempts_before = 9'000 + 900;  // failed rows have two attempts

  const auto dry = logs.repo.prune(cutoff, true);
  CHECK(dry.dry_run);
  CHECK(dry.rows == 9'000);
  CHECK(dry.attempts == attempts_before);
  CHECK(dry.rollups == 0);
  CHECK(scalar(logs, "SELECT count(*) FROM request_logs") == 12'000);

  logs.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");  // measure the file, not the WAL
  const auto size_before = std::filesystem::file_size(dir / "router-logs.db");
  const auto res = logs.repo.prune(cutoff, false);
  CHECK(res.rows == 9'000);
  CHECK(res.attempts == attempts_before);
  CHECK(res.batches >= 2);
  CHECK(res.longest_lock.count() > 0);
  CHECK(res.vacuumed_bytes > 0);
  CHECK(scalar(logs, "SELECT count(*) FROM request_logs") == 3'000);
  CHECK(scalar(logs, "SELECT min(request_id) FROM request_logs") == rows[9'000].request_id);
  CHECK(scalar(logs, "SELECT count(*) FROM request_attempts WHERE request_id < " +
                         std::to_string(rows[9'000].request_id)) == 0);
  CHECK(scalar(logs, "SELECT count(*) FROM request_attempts") == 3'000 + 300);
  CHECK(scalar(logs, "SELECT count(*) FROM request_rollups") == rollups);
  CHECK(scalar(logs, "PRAGMA freelist_count") == 0);
  logs.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  CHECK(std::filesystem::file_size(dir / "router-logs.db") < size_before);

  const auto again = logs.repo.prune(cutoff, false);
  CHECK(again.rows == 0);
  CHECK(again.items == 0);
  CHECK(again.batches == 2);  // one row transaction, one item collection: both find nothing
}

TEST_CASE("LogRepository: prune_step deletes at most max_rows per call and reports when done",
          "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  std::vector<RequestLog> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back(make_log(kBase + i, 0, "openai", "gpt-4o", Outcome::kOk, 1000));
  }
  (void)logs.repo.insert_batch(rows);
  const std::int64_t cutoff = kBase + 250;
  CHECK(logs.repo.prune_step(cutoff, 100) == 100);
  CHECK(scalar(logs, "SELECT min(request_id) FROM request_logs") == rows[100].request_id);
  CHECK(logs.repo.prune_step(cutoff, 100) == 100);
  CHECK(logs.repo.prune_step(cutoff, 100) == 50);
  CHECK(logs.repo.prune_step(cutoff, 100) == 0);
  CHECK(logs.repo.prune_step(cutoff, 0) == 0);
  CHECK(scalar(logs, "SELECT count(*) FROM request_logs") == 50);
  CHECK(scalar(logs, "SELECT count(*) FROM request_attempts") == 50);
}

TEST_CASE("LogRepository: rollups outlive raw rows until their own retention", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  const std::int64_t day = 24 * kHourMs;
  const std::int64_t now = router::core::now_ms();
  std::vector<RequestLog> rows{make_log(now - 500 * day, 0, "openai", "gpt-4o", Outcome::kOk, 1000),
                               make_log(now - 100 * day, 0, "openai", "gpt-4o", Outcome::kOk, 1000),
                               make_log(now - 1 * day, 0, "openai", "gpt-4o", Outcome::kOk, 1000)};
  (void)logs.repo.insert_batch(rows);
  SECTION("prune") {
    const auto res = logs.repo.prune(now - 30 * day, false);
    CHECK(res.rows == 2);
    CHECK(res.rollups == 1);  // the 500-day-old hour; the 100-day-old one stays for stats
  }
  SECTION("prune_step") { CHECK(logs.repo.prune_step(now - 30 * day, 1000) == 2); }
  CHECK(scalar(logs, "SELECT count(*) FROM request_rollups") == 2);
  CHECK(scalar(logs, "SELECT min(hour) FROM request_rollups") == (now - 100 * day) / kHourMs);
}

TEST_CASE("LogRepository: prune_sessions drops sessions not updated since the cutoff", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  logs.db.exec(
      "INSERT INTO provider_sessions VALUES ('a', 'qwen', 'c1', NULL, 1, 100), ('b', 'qwen', 'c2', "
      "'p', 1, 200), "
      "('c', 'qwen', 'c3', NULL, 1, 300)");
  CHECK(logs.repo.prune_sessions(250) == 2);
  CHECK(scalar(logs, "SELECT count(*) FROM provider_sessions") == 1);
  CHECK(logs.repo.prune_sessions(250) == 0);
}

TEST_CASE("LogRepository: last_request is the newest row, without bodies", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  CHECK_FALSE(logs.repo.last_request());
  (void)logs.repo.insert_batch(
      std::vector<RequestLog>{make_log(kBase + 5, 0, "groq", "llama", Outcome::kOk, 10),
                              make_log(kBase + 9, 0, "openai", "gpt-4o", Outcome::kOk, 10),
                              make_log(kBase + 7, 0, "groq", "llama", Outcome::kOk, 10)});
  const auto last = logs.repo.last_request();
  REQUIRE(last);
  CHECK(last->request.created_at == kBase + 9);
  CHECK(last->request.provider_id == "openai");
  CHECK(last->attempt_count == 1);
  CHECK_FALSE(last->request.request_body);
}

TEST_CASE("LogRepository: a writer without auto checkpoints leaves the copy to checkpoint()",
          "[db]") {
  router::test::TempDir dir;
  const auto path = dir / "router-logs.db";
  LogsDb writer(path);
  writer.repo.disable_auto_checkpoint();
  std::vector<RequestLog> rows;
  for (int i = 0; i < 12'000; ++i) {  // ~1,400 pages: past SQLite's 1,000-page auto checkpoint
    rows.push_back(make_log(kBase + i, 0, "openai", "gpt-4o", Outcome::kOk, 1000));
  }
  (void)writer.repo.insert_batch(rows);
  // Everything is still in the WAL: SQLite's default would have copied it after the commit.
  const auto before = std::filesystem::file_size(path);
  CHECK(before < 500'000);
  CHECK(std::filesystem::file_size(dir / "router-logs.db-wal") > 4'500'000);

  LogsDb checkpointer(path);
  CHECK(checkpointer.repo.checkpoint() == 0);
  CHECK(std::filesystem::file_size(path) > before + 4'000'000);
  CHECK(scalar(checkpointer, "SELECT count(*) FROM request_logs") == 12'000);
}

// Issue 15: rollups are SQL-side increments, so writers on several connections (processes, in
// production) adding to the same hours lose nothing; the histograms merge inside the UPSERT.
TEST_CASE("LogRepository: concurrent writers on two connections add up to a recount of the raw rows", "[db]") {
  router::test::TempDir dir;
  LogsDb first(dir / "router-logs.db");
  LogsDb second(dir / "router-logs.db");
  static constexpr int kBatches = 40;
  static constexpr int kRows = 25;
  auto write = [](LogsDb& logs, std::int64_t seq_base) {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<RequestLog> batch;
      for (int i = 0; i < kRows; ++i) {
        const std::int64_t ms = kBase + (b * kRows + i) * 997;  // 17 minutes of one hour
        batch.push_back(make_log(ms, seq_base + i, i % 2 == 0 ? "openai" : "groq", "gpt-4o",
                                 i % 5 == 0 ? Outcome::kTimeout : Outcome::kOk, 1000 + b * 37 + i));
      }
      const auto r = logs.repo.insert_batch(batch);
      REQUIRE(r.inserted == kRows);
    }
  };
  std::thread t1([&] { write(first, 0); });
  std::thread t2([&] { write(second, 64); });
  t1.join();
  t2.join();

  StatsGroup recount;
  std::size_t rows = 0;
  std::optional<std::int64_t> cursor;
  do {
    const auto page = first.repo.history({}, LogRepository::kMaxHistoryLimit, cursor);
    for (const auto& s : page.rows) {
      ++rows;
      recount.add_request(s.request.outcome, s.request.duration_us, s.request.ttft_us,
                          s.request.prompt_tokens.value_or(0), s.request.completion_tokens.value_or(0));
    }
    cursor = page.next_cursor;
  } while (cursor);
  CHECK(rows == 2 * kBatches * kRows);

  StatsQuery q;  // whole hours: the rollups alone
  q.since_ms = kBase;
  q.until_ms = kBase + 3 * kHourMs;
  const auto stats = second.repo.stats(q);
  CHECK(stats.raw_rows_scanned == 0);
  CHECK(stats.total.requests == recount.requests);
  CHECK(stats.total.errors == recount.errors);
  CHECK(stats.total.prompt_tokens == recount.prompt_tokens);
  CHECK(stats.total.completion_tokens == recount.completion_tokens);
  CHECK(stats.total.duration_sum_us == recount.duration_sum_us);
  CHECK(stats.total.latency == recount.latency);
  CHECK(stats.total.ttft == recount.ttft);
}

TEST_CASE("LogRepository: rollups are kept per endpoint, requests never routed share the empty one",
          "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  auto at = [&](std::int64_t offset, std::int64_t seq, const std::string& provider, const std::string& endpoint) {
    RequestLog r = make_log(kBase + offset, seq, provider, "m", Outcome::kOk, 1000 + seq);
    r.endpoint = endpoint;
    return r;
  };
  std::vector<RequestLog> batch{at(1, 0, "p", "/v1/chat/completions"), at(2, 0, "p", "/v1/messages"),
                                at(3, 0, "p", "/v1/messages"),         at(4, 0, "p", "/v1/responses")};
  // Refused before routing: the client chose these paths; they add no rollup row of their own.
  for (int i = 0; i < 5; ++i) {
    RequestLog refused = at(10 + i, 0, "", "/v1/nope-" + std::to_string(i));
    refused.outcome = Outcome::kClientError;
    refused.status = 404;
    refused.attempts.clear();
    batch.push_back(refused);
  }
  REQUIRE(logs.repo.insert_batch(batch).inserted == batch.size());
  // A second batch adds to the same rows.
  REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{at(20, 0, "p", "/v1/messages")}).inserted == 1);

  auto requests = [&](const std::string& provider, const std::string& endpoint) {
    SQLite::Statement s(logs.db.sqlite(),
                        "SELECT requests FROM request_rollups WHERE provider_id = ? AND endpoint = ?");
    s.bind(1, provider);
    s.bind(2, endpoint);
    return s.executeStep() ? s.getColumn(0).getInt64() : std::int64_t{0};
  };
  CHECK(scalar(logs, "SELECT count(*) FROM request_rollups") == 4);
  CHECK(requests("p", "/v1/chat/completions") == 1);
  CHECK(requests("p", "/v1/messages") == 3);
  CHECK(requests("p", "/v1/responses") == 1);
  CHECK(requests("", "") == 5);

  const auto res = logs.repo.stats({.since_ms = kBase, .until_ms = kBase + kHourMs,
                                    .group_by = router::db::StatsGroupBy::kEndpoint});
  REQUIRE(res.groups.size() == 3);
  CHECK(res.groups[0].key == "/v1/messages");
  CHECK(res.groups[0].requests == 3);
  CHECK(res.total.requests == 5);
  CHECK(res.unrouted.requests == 5);
}
