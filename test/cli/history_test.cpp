#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/sqlite/log_repository.hpp"
#include "support/log_rows.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using Catch::Contains;
using router::db::Outcome;
using router::db::RequestLog;
using router::test::kMinuteMs;
using router::test::run_router;

namespace {

// A configuration path whose logs database holds `rows` (the binary finds <stem>-logs.db).
struct CliLogs {
  CliLogs() {
    const std::int64_t now = router::core::now_ms();
    for (int i = 0; i < 30; ++i) {
      const char* provider = i % 3 == 0 ? "groq" : "openai";
      const Outcome outcome = i % 5 == 4 ? Outcome::kUpstreamError : Outcome::kOk;
      rows.push_back(router::test::make_log(now - (30 - i) * kMinuteMs, i, provider, "gpt-4o",
                                            outcome, 100'000 + i * 1000));
    }
    RequestLog& cut = rows.back();  // the newest: a body stored truncated
    cut.request_body =
        std::string(R"({"model":"gpt-4o","messages":[{"role":"user","content":"aaaa)");
    cut.request_bytes = 5'000'000;
    cut.body_truncated = true;
    router::test::LogsDb logs(dir / "router-logs.db");
    (void)logs.repo.insert_batch(rows);
    // The configuration database too: read-only commands never create one (issue 19 item 2).
    REQUIRE(run_router(config.string(), {"migrate"}).exit_code == 0);
  }

  router::test::ProcessResult run(const std::vector<std::string>& args) const {
    return run_router(config.string(), args);
  }

  std::string id(std::size_t i) const {
    return router::core::format_request_id(rows[i].request_id);
  }

  router::test::TempDir dir;
  std::filesystem::path config = dir / "router.db";
  std::vector<RequestLog> rows;
};

void check_usage_error(const router::test::ProcessResult& r, const std::string& fragment) {
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("error: " + fragment));
}

}  // namespace

TEST_CASE("cli history: a table of the newest requests, filters and the cursor", "[cli]") {
  CliLogs logs;
  const auto r = logs.run({"history", "--limit", "5"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out,
             Contains("TIME") && Contains("PROVIDER") && Contains("OUTCOME") && Contains("TTFT"));
  // Newest first: rows 29, 28, ... 25.
  const auto pos29 = r.out.find(logs.id(29));
  const auto pos25 = r.out.find(logs.id(25));
  REQUIRE(pos29 != std::string::npos);
  REQUIRE(pos25 != std::string::npos);
  CHECK(pos29 < pos25);
  CHECK(r.out.find(logs.id(24)) == std::string::npos);
  CHECK_THAT(r.out, Contains("--cursor " + logs.id(25)));
  CHECK_THAT(r.out, Contains(router::core::format_local(logs.rows[29].created_at)));

  const auto groq =
      logs.run({"--json", "history", "--provider", "groq", "--outcome", "ok", "--limit", "100"});
  REQUIRE(groq.exit_code == 0);
  const auto doc = boost::json::parse(groq.out).as_object();
  CHECK(doc.at("has_more") == false);
  std::size_t want = 0;
  for (const auto& row : logs.rows) {
    want += row.provider_id == "groq" && row.outcome == Outcome::kOk ? 1 : 0;
  }
  const auto& data = doc.at("data").as_array();
  CHECK(data.size() == want);
  for (const auto& d : data) {
    CHECK(d.as_object().at("provider") == "groq");
    CHECK(d.as_object().at("outcome") == "ok");
  }

  // Two pages through --cursor: no overlap, and together the 10 newest.
  const auto p1 =
      boost::json::parse(logs.run({"--json", "history", "--limit", "5"}).out).as_object();
  const std::string cursor(p1.at("next_cursor").as_string());
  const auto p2r = logs.run({"history", "--limit", "5", "--cursor", cursor, "--json"});
  REQUIRE(p2r.exit_code == 0);
  const auto p2 = boost::json::parse(p2r.out).as_object();
  std::vector<std::string> ids;
  for (const auto* page : {&p1, &p2}) {
    for (const auto& d : page->at("data").as_array()) {
      ids.emplace_back(d.as_object().at("id").as_string());
    }
  }
  REQUIRE(ids.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(ids[i] == logs.id(29 - i));
  }

  const auto window = logs.run({"--json", "history", "--since", "10m", "--status", "200"});
  REQUIRE(window.exit_code == 0);
  const auto window_doc = boost::json::parse(window.out);
  for (const auto& d : window_doc.at("data").as_array()) {
    CHECK(d.as_object().at("status") == 200);
  }

  const auto none = logs.run({"history", "--model", "x' OR 1=1 --"});
  CHECK(none.exit_code == 0);
  CHECK_THAT(none.out, Contains("no requests match"));
}

TEST_CASE("cli history: invalid filters exit 2 with a clear message", "[cli]") {
  CliLogs logs;
  check_usage_error(logs.run({"history", "--outcome", "failed"}),
                    "invalid outcome 'failed': expected one of ok, client_error, upstream_error, "
                    "timeout, truncated, "
                    "cancelled, no_provider");
  check_usage_error(logs.run({"history", "--status", "99"}), "invalid status '99'");
  check_usage_error(logs.run({"history", "--status", "200 OR 1=1"}), "invalid status");
  check_usage_error(logs.run({"history", "--provider", "x' OR '1'='1"}), "invalid provider");
  check_usage_error(logs.run({"history", "--since", "last tuesday"}),
                    "invalid time 'last tuesday'");
  check_usage_error(logs.run({"history", "--since", "1h", "--until", "2h"}), "empty window");
  check_usage_error(logs.run({"history", "--limit", "0"}), "invalid limit '0'");
  check_usage_error(logs.run({"history", "--cursor", "nope"}), "invalid request id 'nope'");
  check_usage_error(logs.run({"history", "--provider", "groq", "show", logs.id(0)}),
                    "--provider filters the request list; it does not apply to 'history show'");
}

TEST_CASE("cli history show: attempts, timings, bodies, truncation, not found exits 3", "[cli]") {
  CliLogs logs;
  const auto failed = logs.run({"history", "show", logs.id(4)});
  INFO(failed.err);
  REQUIRE(failed.exit_code == 0);
  CHECK_THAT(failed.out, Contains(logs.id(4)) && Contains("upstream_error") &&
                             Contains("upstream returned 502"));
  CHECK_THAT(failed.out, Contains("attempts") && Contains("503") && Contains("first token"));
  CHECK_THAT(failed.out, Contains("request body") && Contains("response body"));
  CHECK_THAT(failed.out, Contains("\n  \"model\": \"gpt-4o\",\n"));  // pretty-printed
  CHECK_THAT(failed.out, Contains("\"content\": \"hello\""));

  const auto cut = logs.run({"history", "show", logs.id(29)});
  REQUIRE(cut.exit_code == 0);
  CHECK_THAT(cut.out, Contains("TRUNCATED") && Contains("… (truncated)"));
  CHECK_THAT(cut.out, Contains(R"("content":"aaaa)"));  // not JSON any more: shown as stored

  const auto json = logs.run({"--json", "history", "show", logs.id(4)});
  REQUIRE(json.exit_code == 0);
  const auto doc = boost::json::parse(json.out).as_object();
  CHECK(doc.at("id") == boost::json::value(logs.id(4)));
  CHECK(doc.at("attempts").as_array().size() == 2);
  CHECK(doc.at("request_body") == boost::json::value(*logs.rows[4].request_body));

  const std::string unknown = router::core::format_request_id(logs.rows[0].request_id + 1);
  const auto missing = logs.run({"history", "show", unknown});
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.err, Contains("error: request '" + unknown + "' not found"));
  check_usage_error(logs.run({"history", "show", "../etc/passwd"}), "invalid request id");
  CHECK(logs.run({"history", "show"}).exit_code == 2);
}

TEST_CASE("cli history prune: --dry-run counts, then prune deletes, stats keep the totals",
          "[cli]") {
  CliLogs logs;
  // Halfway between rows 14 and 15, as an ISO time (a relative one would race the clock).
  const std::int64_t cutoff = (logs.rows[14].created_at + logs.rows[15].created_at) / 2;
  const std::string before = router::core::format_utc(cutoff).substr(0, 19) + "Z";
  const auto dry = logs.run({"history", "prune", "--before", before, "--dry-run"});
  INFO(dry.err);
  REQUIRE(dry.exit_code == 0);
  CHECK_THAT(dry.out, Contains("would delete 15 requests"));
  CHECK(boost::json::parse(logs.run({"--json", "history", "--limit", "100"}).out)
            .at("data")
            .as_array()
            .size() == 30);

  const auto done = logs.run({"--json", "history", "prune", "--before", before});
  REQUIRE(done.exit_code == 0);
  const auto doc = boost::json::parse(done.out).as_object();
  CHECK(doc.at("dry_run") == false);
  CHECK(doc.at("requests") == 15);
  CHECK(doc.at("attempts") == 15 + 3);  // rows 4, 9 and 14 failed over: two attempts each
  CHECK(boost::json::parse(logs.run({"--json", "history", "--limit", "100"}).out)
            .at("data")
            .as_array()
            .size() == 15);
  const auto stats =
      boost::json::parse(logs.run({"--json", "stats", "--since", "1h"}).out).as_object();
  CHECK(stats.at("total").as_object().at("requests") == 30);

  check_usage_error(logs.run({"history", "prune"}), "--before is required");
  check_usage_error(logs.run({"history", "prune", "--before", "soon"}), "invalid time 'soon'");
}

TEST_CASE("cli stats: per provider with a total, --by, --provider, invalid values exit 2",
          "[cli]") {
  CliLogs logs;
  const auto table = logs.run({"stats"});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Contains("PROVIDER") && Contains("P99") && Contains("TTFT P95") &&
                            Contains("TOKENS OUT"));
  CHECK_THAT(table.out, Contains("openai") && Contains("groq") && Contains("total"));
  // Nothing was pruned: the window starts before the first request, which is no pruning.
  CHECK_THAT(table.out, !Contains("pruned"));
  CHECK(boost::json::parse(logs.run({"--json", "stats"}).out).at("window").at("exact") == true);

  const auto json = logs.run({"--json", "stats", "--since", "2h", "--by", "model"});
  REQUIRE(json.exit_code == 0);
  const auto doc = boost::json::parse(json.out).as_object();
  CHECK(doc.at("group_by") == "model");
  const auto& groups = doc.at("groups").as_array();
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].as_object().at("key") == "gpt-4o");
  CHECK(groups[0].as_object().at("requests") == 30);
  CHECK(groups[0].as_object().at("errors") == 6);

  const auto groq =
      boost::json::parse(logs.run({"--json", "stats", "--provider", "groq"}).out).as_object();
  CHECK(groq.at("total").as_object().at("requests") == 10);
  const auto hours = logs.run({"stats", "--by", "hour", "--since", "2h"});
  CHECK(hours.exit_code == 0);
  CHECK_THAT(hours.out, Contains("HOUR"));

  check_usage_error(logs.run({"stats", "--by", "week"}),
                    "invalid grouping 'week': expected one of provider, model, hour, day");
  check_usage_error(logs.run({"stats", "--since", "yesterday"}), "invalid time 'yesterday'");
  check_usage_error(logs.run({"stats", "--provider", "Bad Provider"}), "invalid provider");
}

TEST_CASE("cli history and stats on an empty logs database", "[cli]") {
  router::test::TempDir dir;
  const auto db = (dir / "router.db").string();
  REQUIRE(run_router(db, {"migrate"}).exit_code == 0);
  const auto h = run_router(db, {"history"});
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, Contains("no requests match"));
  const auto s = run_router(db, {"stats"});
  CHECK(s.exit_code == 0);
  CHECK_THAT(s.out, Contains("no requests in this window"));
  CHECK_THAT(s.out, !Contains("pruned"));
  CHECK(boost::json::parse(run_router(db, {"--json", "stats"}).out).at("window").at("exact") == true);
  const auto j = run_router(db, {"--json", "history"});
  CHECK(boost::json::parse(j.out).at("data").as_array().empty());
}
