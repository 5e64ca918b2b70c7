#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/dialect.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/log_documents.hpp"
#include "support/log_rows.hpp"
#include "support/temp_dir.hpp"

using router::core::Error;
using router::core::ErrorCode;
using router::db::HistoryParams;
using router::db::Outcome;
using router::db::StatsGroupBy;
using router::db::StatsParams;
using router::test::kHourMs;

namespace {

constexpr std::int64_t kNow = 1'763'800'000'000;  // 2025-11-22T08:26:40Z

std::set<std::string> keys_of(const boost::json::object& o) {
  std::set<std::string> keys;
  for (const auto& kv : o) {
    keys.emplace(kv.key());
  }
  return keys;
}

// Runs `fn`, expecting kInvalidArgument that names `param` and mentions `fragment`.
template <typename Fn>
void check_rejects(Fn&& fn, const std::string& param, const std::string& fragment) {
  try {
    fn();
    FAIL("accepted invalid input for " << param);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::kInvalidArgument);
    CHECK(e.param() == param);
    CHECK_THAT(e.what(), Catch::Contains(fragment));
  }
}

}  // namespace

TEST_CASE("parse_history_params: converts every parameter", "[db]") {
  const auto req = router::db::parse_history_params(HistoryParams{.provider = "lm-studio",
                                                                  .model = "qwen/qwen3:32b",
                                                                  .outcome = "upstream_error",
                                                                  .status = "502",
                                                                  .since = "24h",
                                                                  .until = "30m",
                                                                  .limit = "20",
                                                                  .cursor = "req_0191a2b3c4d5e6f7"},
                                                    kNow);
  CHECK(req.filter.provider == "lm-studio");
  CHECK(req.filter.model == "qwen/qwen3:32b");
  CHECK(req.filter.outcome == Outcome::kUpstreamError);
  CHECK(req.filter.status == 502);
  CHECK(req.filter.since_ms == kNow - 24 * kHourMs);
  CHECK(req.filter.until_ms == kNow - kHourMs / 2);
  CHECK(req.limit == 20);
  CHECK(req.cursor == 0x0191a2b3c4d5e6f7);

  const auto defaults = router::db::parse_history_params({}, kNow);
  CHECK(defaults.limit == router::db::kDefaultHistoryLimit);
  CHECK_FALSE(defaults.filter.provider);
  CHECK_FALSE(defaults.filter.endpoint);
  CHECK_FALSE(defaults.filter.since_ms);
  CHECK_FALSE(defaults.cursor);
}

TEST_CASE("parse_history_params: an endpoint is a dialect's name or its path, stored as the path", "[db]") {
  const std::vector<std::pair<std::string, std::string>> names{{"chat", "/v1/chat/completions"},
                                                               {"messages", "/v1/messages"},
                                                               {"responses", "/v1/responses"},
                                                               {"embeddings", "/v1/embeddings"},
                                                               {"completions", "/v1/completions"},
                                                               {"count_tokens", "/v1/messages/count_tokens"}};
  REQUIRE(router::core::dialects().size() == names.size());
  for (const auto& [name, path] : names) {
    CAPTURE(name);
    CHECK(router::db::parse_history_params({.endpoint = name}, kNow).filter.endpoint == path);
    CHECK(router::db::parse_history_params({.endpoint = path}, kNow).filter.endpoint == path);
    REQUIRE(router::core::dialect_of_path(path) != nullptr);
    CHECK(router::core::dialect_of_path(path)->name == name);
  }
  CHECK(router::core::dialect_of_path("/v1/models") == nullptr);
}

TEST_CASE("parse_history_params: rejects each bad parameter, naming it", "[db]") {
  using router::db::parse_history_params;
  check_rejects([] { (void)parse_history_params({.outcome = "failed"}, kNow); }, "outcome",
                "expected one of ok, client_error, upstream_error, timeout, truncated, cancelled, "
                "no_provider");
  check_rejects([] { (void)parse_history_params({.provider = "x' OR '1'='1"}, kNow); }, "provider",
                "invalid provider");
  check_rejects([] { (void)parse_history_params({.provider = "LM Studio"}, kNow); }, "provider",
                "invalid provider");
  check_rejects([] { (void)parse_history_params({.model = ""}, kNow); }, "model", "invalid model");
  check_rejects([] { (void)parse_history_params({.model = "gpt\n4"}, kNow); }, "model",
                "invalid model");
  check_rejects([] { (void)parse_history_params({.model = std::string(201, 'm')}, kNow); }, "model",
                "invalid model");
  for (const char* status : {"99", "600", "5xx", "", "200; DROP TABLE request_logs"}) {
    CAPTURE(status);
    check_rejects([&] { (void)parse_history_params({.status = status}, kNow); }, "status",
                  "invalid status");
  }
  check_rejects([] { (void)parse_history_params({.since = "yesterday"}, kNow); }, "since",
                "invalid time");
  check_rejects([] { (void)parse_history_params({.until = "2026-13-01"}, kNow); }, "until",
                "invalid time");
  check_rejects([] { (void)parse_history_params({.since = "1h", .until = "2h"}, kNow); }, "since",
                "empty window");
  for (const char* limit : {"0", "10001", "-5", "ten"}) {
    CAPTURE(limit);
    check_rejects([&] { (void)parse_history_params({.limit = limit}, kNow); }, "limit",
                  "invalid limit");
  }
  check_rejects([] { (void)parse_history_params({.cursor = "req_xyz"}, kNow); }, "cursor",
                "invalid request id");
  for (const char* endpoint : {"message", "CHAT", "/v1/models", "/v1/chat/completions?x=1", ""}) {
    CAPTURE(endpoint);
    check_rejects([&] { (void)parse_history_params({.endpoint = endpoint}, kNow); }, "endpoint",
                  "name one of chat, messages, responses, embeddings, completions, count_tokens or its path");
  }
}

TEST_CASE("parse_stats_params: defaults to the last 24 hours by provider, rejects bad values",
          "[db]") {
  using router::db::parse_stats_params;
  const auto q = parse_stats_params({}, kNow);
  CHECK(q.since_ms == kNow - 24 * kHourMs);
  CHECK_FALSE(q.until_ms);
  CHECK(q.group_by == StatsGroupBy::kProvider);
  const auto by_day =
      parse_stats_params({.since = "30d", .until = "1d", .by = "day", .provider = "groq"}, kNow);
  CHECK(by_day.since_ms == kNow - 30 * 24 * kHourMs);
  CHECK(by_day.until_ms == kNow - 24 * kHourMs);
  CHECK(by_day.group_by == StatsGroupBy::kDay);
  CHECK(by_day.provider == "groq");
  CHECK(parse_stats_params({.since = "99999d"}, kNow).since_ms == 0);
  check_rejects([] { (void)parse_stats_params({.by = "week"}, kNow); }, "by",
                "expected one of provider, model, hour, day, endpoint");
  check_rejects([] { (void)parse_stats_params({.provider = "Groq!"}, kNow); }, "provider",
                "invalid provider");
  check_rejects([] { (void)parse_stats_params({.since = "1h", .until = "1h"}, kNow); }, "since",
                "empty window");
}

TEST_CASE("parse_request_id_param: with or without the prefix", "[db]") {
  CHECK(router::db::parse_request_id_param("req_00000000000000ff") == 255);
  CHECK(router::db::parse_request_id_param("00000000000000ff") == 255);
  check_rejects([] { (void)router::db::parse_request_id_param("../../etc/passwd"); }, "id",
                "invalid request id");
}

TEST_CASE("log documents: request, history and stats shapes", "[db]") {
  router::test::TempDir dir;
  router::test::LogsDb logs(dir / "router-logs.db");
  const std::int64_t base = (router::core::now_ms() / kHourMs - 30) * kHourMs;
  auto failed = router::test::make_log(base + 1000, 1, "openai", "gpt-4o", Outcome::kUpstreamError,
                                       2'000'000);
  failed.ttft_us.reset();
  failed.api_key_name.clear();
  failed.response_body.reset();
  auto ok = router::test::make_log(base + 2000, 2, "groq", "llama", Outcome::kOk, 500'000);
  (void)logs.repo.insert_batch(std::vector<router::db::RequestLog>{failed, ok});

  const std::set<std::string> summary_keys{"id",
                                           "created_at",
                                           "endpoint",
                                           "method",
                                           "client_addr",
                                           "api_key",
                                           "model",
                                           "model_sent",
                                           "provider",
                                           "provider_type",
                                           "stream",
                                           "status",
                                           "outcome",
                                           "error",
                                           "duration_us",
                                           "ttfb_us",
                                           "ttft_us",
                                           "upstream_us",
                                           "attempt_count",
                                           "usage",
                                           "request_bytes",
                                           "response_bytes",
                                           "body_truncated"};

  SECTION("one request: summary fields, attempts, bodies as stored text, nulls for absent values") {
    const auto found = logs.repo.find(failed.request_id);
    REQUIRE(found);
    const auto doc = router::db::request_document(*found);
    auto want = summary_keys;
    want.insert({"attempts", "request_body", "response_body", "replay_of"});
    CHECK(keys_of(doc) == want);
    CHECK(doc.at("id") == boost::json::value(router::core::format_request_id(failed.request_id)));
    CHECK(doc.at("created_at") == boost::json::value(router::core::format_utc(base + 1000)));
    CHECK(doc.at("outcome") == "upstream_error");
    CHECK(doc.at("status") == 502);
    CHECK(doc.at("api_key").is_null());
    CHECK(doc.at("ttft_us").is_null());
    CHECK(doc.at("ttfb_us") == 500'000);
    CHECK(doc.at("error") == "upstream returned 502");
    CHECK(doc.at("attempt_count") == 2);
    CHECK(doc.at("usage").as_object().at("prompt_tokens") == 11);
    CHECK(doc.at("request_body") == boost::json::value(*failed.request_body));
    CHECK(doc.at("response_body").is_null());
    const auto& attempts = doc.at("attempts").as_array();
    REQUIRE(attempts.size() == 2);
    const auto& first = attempts[0].as_object();
    CHECK(keys_of(first) == std::set<std::string>{"attempt", "provider", "provider_type",
                                                  "model_sent", "status", "error", "duration_us"});
    CHECK(first.at("attempt") == 1);
    CHECK(first.at("status") == 503);
    CHECK(attempts[1].as_object().at("attempt") == 2);
  }

  SECTION("a history page: summaries only, with the cursor to continue") {
    const auto page = logs.repo.history({}, 1);
    const auto doc = router::db::history_document(page);
    CHECK(keys_of(doc) == std::set<std::string>{"object", "data", "has_more", "next_cursor"});
    CHECK(doc.at("object") == "list");
    CHECK(doc.at("has_more") == true);
    CHECK(doc.at("next_cursor") ==
          boost::json::value(router::core::format_request_id(ok.request_id)));
    const auto& data = doc.at("data").as_array();
    REQUIRE(data.size() == 1);
    CHECK(keys_of(data[0].as_object()) == summary_keys);
    CHECK(data[0].as_object().at("provider") == "groq");
    const auto last = router::db::history_document(logs.repo.history({}, 5));
    CHECK(last.at("has_more") == false);
    CHECK(last.at("next_cursor").is_null());
  }

  SECTION("stats: window, groups and total") {
    const auto stats = logs.repo.stats(
        {.since_ms = base, .until_ms = base + kHourMs, .group_by = StatsGroupBy::kHour});
    const auto doc = router::db::stats_document(stats);
    CHECK(keys_of(doc) == std::set<std::string>{"object", "group_by", "window", "groups", "total", "unrouted"});
    CHECK(doc.at("group_by") == "hour");
    const auto& window = doc.at("window").as_object();
    CHECK(window.at("since") == boost::json::value(router::core::format_utc(base)));
    CHECK(window.at("until") == boost::json::value(router::core::format_utc(base + kHourMs)));
    CHECK(window.at("exact") == true);
    const auto& groups = doc.at("groups").as_array();
    REQUIRE(groups.size() == 1);
    const auto& g = groups[0].as_object();
    CHECK(keys_of(g) == std::set<std::string>{"key", "start", "requests", "errors", "error_rate",
                                              "latency_us", "ttft_us", "prompt_tokens",
                                              "completion_tokens"});
    CHECK(g.at("requests") == 2);
    CHECK(g.at("errors") == 1);
    CHECK(g.at("error_rate").as_double() == 0.5);
    CHECK(g.at("latency_us").as_object().at("max") == 2'000'000);
    CHECK(g.at("latency_us").as_object().at("mean") == 1'250'000);
    CHECK(g.at("ttft_us").as_object().at("count") == 1);
    const auto& total = doc.at("total").as_object();
    CHECK_FALSE(total.contains("key"));
    CHECK(total.at("requests") == 2);

    const auto empty = router::db::stats_document(
        logs.repo.stats({.since_ms = base - 5 * kHourMs, .until_ms = base}));
    CHECK(empty.at("groups").as_array().empty());
    CHECK(empty.at("total").as_object().at("latency_us").as_object().at("p50").is_null());
    CHECK(empty.at("total").as_object().at("error_rate").as_double() == 0.0);
  }

  SECTION("prune") {
    const auto doc = router::db::prune_document(logs.repo.prune(base + 1500, true));
    CHECK(doc.at("dry_run") == true);
    CHECK(doc.at("requests") == 1);
    CHECK(doc.at("attempts") == 2);
    CHECK(doc.at("before") == boost::json::value(router::core::format_utc(base + 1500)));
  }
}
