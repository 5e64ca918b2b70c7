#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/sqlite/log_repository.hpp"
#include "support/log_rows.hpp"
#include "support/percentile.hpp"
#include "support/temp_dir.hpp"

using router::core::Error;
using router::db::HistoryFilter;
using router::db::LogRepository;
using router::db::Outcome;
using router::db::RequestLog;
using router::db::StatsGroup;
using router::db::StatsGroupBy;
using router::db::StatsQuery;
using router::test::exact_percentile;
using router::test::kDocumentedPercentileBound;
using router::test::kHourMs;
using router::test::kMinuteMs;
using router::test::LogsDb;

namespace {

const std::vector<std::string> kEndpoints{"/v1/chat/completions", "/v1/messages", "/v1/responses"};

// 3,000 known rows over six whole hours starting at `base`, inserted in shuffled batches (the
// writer stores requests in completion order, not id order).
struct Fixture {
  explicit Fixture(std::int64_t base_ms, int count = 3000, std::int64_t span = 6 * kHourMs)
      : base(base_ms), logs(dir / "router-logs.db") {
    std::mt19937_64 rng(11);
    const std::vector<std::string> providers{"openai", "groq", "lm-studio"};
    const std::vector<std::string> models{"gpt-4o", "llama", "qwen"};
    const std::vector<std::pair<Outcome, int>> outcomes{{Outcome::kOk, 200},
                                                        {Outcome::kOk, 200},
                                                        {Outcome::kOk, 200},
                                                        {Outcome::kOk, 200},
                                                        {Outcome::kClientError, 400},
                                                        {Outcome::kUpstreamError, 429},
                                                        {Outcome::kUpstreamError, 502},
                                                        {Outcome::kTimeout, 504}};
    std::lognormal_distribution<double> latency(std::log(800'000.0), 1.0);
    for (int i = 0; i < count; ++i) {
      const std::int64_t ms =
          base + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span));
      const auto& [outcome, status] = outcomes[rng() % outcomes.size()];
      RequestLog r = router::test::make_log(ms, i, providers[rng() % 3], models[rng() % 3], outcome,
                                            static_cast<std::int64_t>(latency(rng)));
      r.status = status;
      r.endpoint = kEndpoints[static_cast<std::size_t>(i) % kEndpoints.size()];
      if (rng() % 2 == 0) {
        r.ttft_us.reset();
      }
      rows.push_back(std::move(r));
    }
    std::vector<RequestLog> shuffled = rows;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (std::size_t i = 0; i < shuffled.size(); i += 500) {
      const auto end = std::min(shuffled.size(), i + 500);
      (void)logs.repo.insert_batch(std::span<const RequestLog>(shuffled.data() + i, end - i));
    }
  }

  std::vector<std::int64_t> expected_ids(const std::function<bool(const RequestLog&)>& keep) const {
    std::vector<std::int64_t> ids;
    for (const auto& r : rows) {
      if (keep(r)) {
        ids.push_back(r.request_id);
      }
    }
    std::sort(ids.rbegin(), ids.rend());
    return ids;
  }

  std::int64_t base;
  router::test::TempDir dir;
  LogsDb logs;
  std::vector<RequestLog> rows;
};

std::vector<std::int64_t> ids_of(const router::db::HistoryPage& page) {
  std::vector<std::int64_t> ids;
  for (const auto& s : page.rows) {
    ids.push_back(s.request.request_id);
  }
  return ids;
}

// Brute-force aggregate of the rows a predicate keeps: what stats() must reproduce.
struct Expected {
  std::int64_t requests = 0, errors = 0, prompt = 0, completion = 0, duration_sum = 0;
  std::vector<std::int64_t> durations, ttfts;

  void add(const RequestLog& r) {
    ++requests;
    errors += r.outcome == Outcome::kOk ? 0 : 1;
    prompt += r.prompt_tokens.value_or(0);
    completion += r.completion_tokens.value_or(0);
    duration_sum += r.duration_us;
    durations.push_back(r.duration_us);
    if (r.ttft_us) {
      ttfts.push_back(*r.ttft_us);
    }
  }
};

void check_within_bound(std::int64_t got, std::int64_t want) {
  CHECK(std::abs(static_cast<double>(got - want)) <=
        kDocumentedPercentileBound * static_cast<double>(want));
}

void check_group(const StatsGroup& g, const Expected& e) {
  CAPTURE(g.key);
  CHECK(g.requests == e.requests);
  CHECK(g.errors == e.errors);
  CHECK(g.prompt_tokens == e.prompt);
  CHECK(g.completion_tokens == e.completion);
  CHECK(g.duration_sum_us == e.duration_sum);
  CHECK(g.latency.count() == e.durations.size());
  CHECK(g.ttft.count() == e.ttfts.size());
  for (const int p : {50, 95, 99}) {
    CAPTURE(p);
    check_within_bound(g.latency.percentile(p), exact_percentile(e.durations, p));
  }
  for (const int p : {50, 95}) {
    CAPTURE(p);
    check_within_bound(g.ttft.percentile(p), exact_percentile(e.ttfts, p));
  }
}

// Groups the fixture rows in [from, to) the way stats() does and compares every group.
void check_stats(const Fixture& f, const router::db::StatsResult& res, std::int64_t from,
                 std::int64_t to, const std::function<std::string(const RequestLog&)>& key_of,
                 const std::optional<std::string>& provider = std::nullopt) {
  std::map<std::string, Expected> want;
  Expected total;
  for (const auto& r : f.rows) {
    if (r.created_at >= from && r.created_at < to && (!provider || r.provider_id == *provider)) {
      want[key_of(r)].add(r);
      total.add(r);
    }
  }
  REQUIRE(res.groups.size() == want.size());
  for (const auto& g : res.groups) {
    REQUIRE(want.count(g.key) == 1);
    check_group(g, want[g.key]);
  }
  check_group(res.total, total);
}

}  // namespace

TEST_CASE("LogRepository::history: newest first, every filter matches a brute-force scan", "[db]") {
  const std::int64_t base = (router::core::now_ms() / kHourMs - 48) * kHourMs;
  Fixture f(base);
  struct Case {
    const char* name;
    HistoryFilter filter;
    std::function<bool(const RequestLog&)> keep;
  };
  const std::vector<Case> cases{
      {"all", {}, [](const RequestLog&) { return true; }},
      {"provider",
       {.provider = "groq"},
       [](const RequestLog& r) { return r.provider_id == "groq"; }},
      {"model",
       {.model = "llama"},
       [](const RequestLog& r) { return r.model_requested == "llama"; }},
      {"outcome",
       {.outcome = Outcome::kTimeout},
       [](const RequestLog& r) { return r.outcome == Outcome::kTimeout; }},
      {"status", {.status = 429}, [](const RequestLog& r) { return r.status == 429; }},
      {"endpoint",
       {.endpoint = "/v1/messages"},
       [](const RequestLog& r) { return r.endpoint == "/v1/messages"; }},
      {"endpoint+provider+until",
       {.provider = "groq", .endpoint = "/v1/responses", .until_ms = base + 3 * kHourMs},
       [&](const RequestLog& r) {
         return r.provider_id == "groq" && r.endpoint == "/v1/responses" &&
                r.created_at < base + 3 * kHourMs;
       }},
      {"window",
       {.since_ms = base + 2 * kHourMs, .until_ms = base + 4 * kHourMs},
       [&](const RequestLog& r) {
         return r.created_at >= base + 2 * kHourMs && r.created_at < base + 4 * kHourMs;
       }},
      {"provider+outcome+since",
       {.provider = "openai", .outcome = Outcome::kOk, .since_ms = base + kHourMs},
       [&](const RequestLog& r) {
         return r.provider_id == "openai" && r.outcome == Outcome::kOk &&
                r.created_at >= base + kHourMs;
       }},
      {"model+status+until",
       {.model = "qwen", .status = 200, .until_ms = base + 3 * kHourMs},
       [&](const RequestLog& r) {
         return r.model_requested == "qwen" && r.status == 200 && r.created_at < base + 3 * kHourMs;
       }},
      {"no match", {.provider = "nobody"}, [](const RequestLog&) { return false; }},
      {"SQL metacharacters are data",
       {.provider = "x' OR '1'='1"},
       [](const RequestLog&) { return false; }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto page = f.logs.repo.history(c.filter, LogRepository::kMaxHistoryLimit);
    const auto want = f.expected_ids(c.keep);
    CHECK(ids_of(page) == want);
    CHECK_FALSE(page.next_cursor);
  }
  const auto newest = f.logs.repo.history({}, 1);
  REQUIRE(newest.rows.size() == 1);
  CHECK(newest.rows[0].request.request_id ==
        f.expected_ids([](const RequestLog&) { return true; }).front());
  CHECK_FALSE(newest.rows[0].request.request_body);
  CHECK(newest.rows[0].attempt_count >= 1);

  CHECK_THROWS_AS(f.logs.repo.history({}, 0), Error);
  CHECK_THROWS_AS(f.logs.repo.history({}, LogRepository::kMaxHistoryLimit + 1), Error);
}

TEST_CASE("LogRepository::history: a quoted model name is matched exactly", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  const std::int64_t t = (router::core::now_ms() / kHourMs - 5) * kHourMs;
  const std::string odd = R"(we'ird"model;--)";
  (void)logs.repo.insert_batch(std::vector<RequestLog>{
      router::test::make_log(t, 0, "openai", odd, Outcome::kOk, 10),
      router::test::make_log(t + 1, 0, "openai", "plain", Outcome::kOk, 10)});
  const auto page = logs.repo.history({.model = odd}, 10);
  REQUIRE(page.rows.size() == 1);
  CHECK(page.rows[0].request.model_requested == odd);
}

TEST_CASE("LogRepository::history: the endpoint filter is served by its index", "[db]") {
  router::test::TempDir dir;
  LogsDb logs(dir / "router-logs.db");
  // The shape of history()'s query with an endpoint filter (log_query.cpp): an id range, the
  // endpoint, newest first.
  SQLite::Statement plan(logs.db.sqlite(), R"sql(EXPLAIN QUERY PLAN SELECT request_id, status FROM request_logs
WHERE request_id >= ?1 AND request_id < ?2 AND endpoint = ?7 ORDER BY request_id DESC LIMIT ?8)sql");
  std::string detail;
  while (plan.executeStep()) {
    detail += plan.getColumn(3).getString() + "\n";
  }
  INFO(detail);
  CHECK(detail.find("USING INDEX request_logs_by_endpoint (endpoint=? AND request_id>? AND request_id<?)") !=
        std::string::npos);
  CHECK(detail.find("TEMP B-TREE") == std::string::npos);  // the index gives the order too
}

TEST_CASE("LogRepository::history: cursor pages have no duplicates or gaps while rows arrive",
          "[db]") {
  const std::int64_t base = (router::core::now_ms() / kHourMs - 48) * kHourMs;
  Fixture f(base, 400);
  const HistoryFilter filter{.provider = "openai"};
  const auto snapshot =
      f.expected_ids([](const RequestLog& r) { return r.provider_id == "openai"; });
  REQUIRE(snapshot.size() > 50);

  std::vector<std::int64_t> seen;
  std::optional<std::int64_t> cursor;
  int pages = 0;
  bool late_inserted = false;
  RequestLog late;
  do {
    const auto page = f.logs.repo.history(filter, 7, cursor);
    REQUIRE(page.rows.size() <= 7);
    for (const auto id : ids_of(page)) {
      seen.push_back(id);
    }
    cursor = page.next_cursor;
    ++pages;
    // New traffic keeps arriving between pages: newer ids, which belong before page one.
    std::vector<RequestLog> fresh;
    for (int i = 0; i < 5; ++i) {
      fresh.push_back(router::test::make_log(base + 7 * kHourMs + pages * 10 + i, 8000 + i,
                                             "openai", "gpt-4o", Outcome::kOk, 1000));
    }
    // Once, a long request that started early is logged late: its id is below the cursor, so
    // it shows up in a later page, in order, exactly once.
    if (!late_inserted && cursor && pages == 3) {
      late = router::test::make_log(base + 1, 8100, "openai", "gpt-4o", Outcome::kOk, 50'000'000);
      fresh.push_back(late);
      late_inserted = true;
    }
    (void)f.logs.repo.insert_batch(fresh);
  } while (cursor);

  REQUIRE(late_inserted);
  std::vector<std::int64_t> want = snapshot;
  want.push_back(late.request_id);
  std::sort(want.rbegin(), want.rend());
  CHECK(seen == want);
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == seen.size());
  CHECK(pages == static_cast<int>((want.size() + 6) / 7));

  SECTION("a last page that is exactly full says there is nothing more") {
    const auto all = f.logs.repo.history(filter, LogRepository::kMaxHistoryLimit);
    const auto n = all.rows.size();
    const auto exact = f.logs.repo.history(filter, n);
    CHECK(exact.rows.size() == n);
    CHECK_FALSE(exact.next_cursor);
    const auto short_by_one = f.logs.repo.history(filter, n - 1);
    REQUIRE(short_by_one.next_cursor);
    CHECK(*short_by_one.next_cursor == all.rows[n - 2].request.request_id);
  }
}

TEST_CASE("LogRepository::stats: whole hours come from rollups and match the raw rows", "[db]") {
  const std::int64_t base = (router::core::now_ms() / kHourMs - 48) * kHourMs;
  Fixture f(base);
  const std::int64_t until = base + 6 * kHourMs;
  SECTION("by provider") {
    const auto res = f.logs.repo.stats(
        {.since_ms = base, .until_ms = until, .group_by = StatsGroupBy::kProvider});
    CHECK(res.raw_rows_scanned == 0);
    CHECK(res.exact);
    CHECK(res.since_ms == base);
    CHECK(res.until_ms == until);
    check_stats(f, res, base, until, [](const RequestLog& r) { return r.provider_id; });
    for (std::size_t i = 1; i < res.groups.size(); ++i) {
      CHECK(res.groups[i - 1].requests >= res.groups[i].requests);
    }
  }
  SECTION("by model, one provider") {
    const auto res = f.logs.repo.stats({.since_ms = base,
                                        .until_ms = until,
                                        .group_by = StatsGroupBy::kModel,
                                        .provider = "groq"});
    check_stats(
        f, res, base, until, [](const RequestLog& r) { return r.model_requested; }, "groq");
  }
  SECTION("by endpoint, every provider: the rollups are kept per endpoint") {
    const auto res =
        f.logs.repo.stats({.since_ms = base, .until_ms = until, .group_by = StatsGroupBy::kEndpoint});
    CHECK(res.raw_rows_scanned == 0);
    REQUIRE(res.groups.size() == kEndpoints.size());
    check_stats(f, res, base, until, [](const RequestLog& r) { return r.endpoint; });
    for (std::size_t i = 1; i < res.groups.size(); ++i) {
      CHECK(res.groups[i - 1].requests >= res.groups[i].requests);
    }
  }
  SECTION("by hour: chronological, keyed by the UTC hour start") {
    const auto res =
        f.logs.repo.stats({.since_ms = base, .until_ms = until, .group_by = StatsGroupBy::kHour});
    REQUIRE(res.groups.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
      CHECK(res.groups[i].start_ms == base + static_cast<std::int64_t>(i) * kHourMs);
      CHECK(res.groups[i].key == router::core::format_utc(res.groups[i].start_ms));
    }
    check_stats(f, res, base, until, [&](const RequestLog& r) {
      return router::core::format_utc(r.created_at / kHourMs * kHourMs);
    });
  }
  SECTION("by day: local calendar days") {
    const auto res =
        f.logs.repo.stats({.since_ms = base, .until_ms = until, .group_by = StatsGroupBy::kDay});
    REQUIRE_FALSE(res.groups.empty());
    for (const auto& g : res.groups) {
      CHECK(router::core::format_local(g.start_ms).substr(0, 10) == g.key);
      CHECK(router::core::format_local(g.start_ms).substr(11) == "00:00:00");
    }
    check_stats(f, res, base, until, [](const RequestLog& r) {
      return router::core::format_local(r.created_at / kHourMs * kHourMs).substr(0, 10);
    });
  }
  SECTION("rollups keep answering after the raw rows are pruned") {
    (void)f.logs.repo.prune(until, false);
    REQUIRE(f.logs.repo.history({}, 10).rows.empty());
    const auto res = f.logs.repo.stats({.since_ms = base, .until_ms = until});
    check_stats(f, res, base, until, [](const RequestLog& r) { return r.provider_id; });
  }
}

TEST_CASE("LogRepository::stats: partial edge hours are read from raw rows, exactly", "[db]") {
  const std::int64_t base = (router::core::now_ms() / kHourMs - 48) * kHourMs;
  Fixture f(base);
  auto in = [&](std::int64_t from, std::int64_t to) {
    return std::count_if(f.rows.begin(), f.rows.end(), [&](const RequestLog& r) {
      return r.created_at >= from && r.created_at < to;
    });
  };
  SECTION("both edges") {
    const std::int64_t since = base + 30 * kMinuteMs;
    const std::int64_t until = base + 3 * kHourMs + 15 * kMinuteMs;
    const auto res = f.logs.repo.stats({.since_ms = since, .until_ms = until});
    CHECK(res.exact);
    CHECK(res.raw_rows_scanned == in(since, base + kHourMs) + in(base + 3 * kHourMs, until));
    check_stats(f, res, since, until, [](const RequestLog& r) { return r.provider_id; });
  }
  SECTION("both edges by endpoint, one provider") {
    const std::int64_t since = base + 40 * kMinuteMs;
    const std::int64_t until = base + 4 * kHourMs + 5 * kMinuteMs;
    const auto res = f.logs.repo.stats(
        {.since_ms = since, .until_ms = until, .group_by = StatsGroupBy::kEndpoint, .provider = "openai"});
    CHECK(res.exact);
    CHECK(res.raw_rows_scanned > 0);
    check_stats(
        f, res, since, until, [](const RequestLog& r) { return r.endpoint; }, "openai");
  }
  SECTION("a window inside one hour") {
    const std::int64_t since = base + 2 * kHourMs + 10 * kMinuteMs;
    const std::int64_t until = base + 2 * kHourMs + 20 * kMinuteMs;
    const auto res =
        f.logs.repo.stats({.since_ms = since, .until_ms = until, .group_by = StatsGroupBy::kModel});
    CHECK(res.raw_rows_scanned == in(since, until));
    check_stats(f, res, since, until, [](const RequestLog& r) { return r.model_requested; });
  }
  SECTION("an edge whose raw rows were pruned is taken whole from its rollup") {
    (void)f.logs.repo.prune(base + 20 * kMinuteMs, false);
    const std::int64_t since = base + 10 * kMinuteMs;
    const auto res = f.logs.repo.stats({.since_ms = since, .until_ms = base + 2 * kHourMs});
    CHECK_FALSE(res.exact);
    CHECK(res.since_ms == base);
    CHECK(res.raw_rows_scanned == 0);
    check_stats(f, res, base, base + 2 * kHourMs,
                [](const RequestLog& r) { return r.provider_id; });
  }
  SECTION("an unaligned end in the past reports the requested end") {
    const auto res = f.logs.repo.stats({.since_ms = base, .until_ms = base + 90 * kMinuteMs});
    CHECK(res.exact);
    CHECK(res.until_ms == base + 90 * kMinuteMs);
    CHECK(res.raw_rows_scanned == in(base + kHourMs, base + 90 * kMinuteMs));
  }
  CHECK_THROWS_AS(f.logs.repo.stats({.since_ms = base + kHourMs, .until_ms = base + kHourMs}),
                  Error);
}

TEST_CASE("LogRepository::stats: an open end counts the current hour from its rollup", "[db]") {
  const std::int64_t now = router::core::now_ms();
  const std::int64_t base = (now / kHourMs - 3) * kHourMs;
  // Rows up to a minute ago, over the last three hours and the current one.
  Fixture f(base, 1000, now - kMinuteMs - base);
  const std::int64_t since = now - 2 * kHourMs - 7 * kMinuteMs;
  const auto res = f.logs.repo.stats({.since_ms = since});
  CHECK(res.exact);
  CHECK_FALSE(res.until_ms);
  const std::int64_t first_full = (since / kHourMs + 1) * kHourMs;
  CHECK(res.raw_rows_scanned ==
        std::count_if(f.rows.begin(), f.rows.end(), [&](const RequestLog& r) {
          return r.created_at >= since && r.created_at < first_full;
        }));
  check_stats(f, res, since, now + kHourMs, [](const RequestLog& r) { return r.provider_id; });
}
