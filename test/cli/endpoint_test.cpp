#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/histogram.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/migrator.hpp"
#include "db/sqlite/schema.hpp"
#include "support/log_rows.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

// `history --endpoint` and `stats --by endpoint` (issue 14) through the real binary.

using Catch::Contains;
using router::db::Outcome;
using router::db::RequestLog;
using router::test::kHourMs;
using router::test::kMinuteMs;
using router::test::run_router;

namespace {

// 12 requests over the last quarter hour: every third to /v1/messages, every sixth (of the
// rest) to /v1/responses, the others to chat completions.
struct EndpointLogs {
  EndpointLogs() {
    const std::int64_t now = router::core::now_ms();
    for (int i = 0; i < 12; ++i) {
      RequestLog r = router::test::make_log(now - (12 - i) * kMinuteMs, i, i % 2 == 0 ? "openai" : "anthropic",
                                            "gpt-4o", i == 5 ? Outcome::kUpstreamError : Outcome::kOk, 1000 + i);
      r.endpoint = i % 3 == 0 ? "/v1/messages" : i % 4 == 1 ? "/v1/responses" : "/v1/chat/completions";
      rows.push_back(std::move(r));
    }
    router::test::LogsDb logs(dir / "router-logs.db");
    REQUIRE(logs.repo.insert_batch(rows).inserted == rows.size());
    REQUIRE(run_router(config.string(), {"migrate"}).exit_code == 0);
  }

  router::test::ProcessResult run(const std::vector<std::string>& args) const {
    return run_router(config.string(), args);
  }

  // The ids of the rows to `path`, newest first, as history lists them.
  std::vector<std::string> ids_to(const std::string& path) const {
    std::vector<std::string> ids;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (it->endpoint == path) {
        ids.push_back(router::core::format_request_id(it->request_id));
      }
    }
    return ids;
  }

  router::test::TempDir dir;
  std::filesystem::path config = dir / "router.db";
  std::vector<RequestLog> rows;
};

// key → requests of a stats document's groups.
std::map<std::string, std::int64_t> group_requests(const boost::json::value& doc) {
  std::map<std::string, std::int64_t> out;
  for (const auto& g : doc.at("groups").as_array()) {
    out[std::string(g.at("key").as_string())] = g.at("requests").as_int64();
  }
  return out;
}

boost::json::value json_of(const router::test::ProcessResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return boost::json::parse(r.out);
}

std::vector<std::string> listed_ids(const router::test::ProcessResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> ids;
  const auto doc = boost::json::parse(r.out);
  for (const auto& d : doc.at("data").as_array()) {
    ids.emplace_back(d.at("id").as_string());
  }
  return ids;
}

}  // namespace

TEST_CASE("cli history --endpoint: a path or a dialect name selects that endpoint's requests", "[cli]") {
  EndpointLogs logs;
  const auto messages = logs.ids_to("/v1/messages");
  REQUIRE(messages.size() == 4);
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "/v1/messages"})) == messages);
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "messages"})) == messages);
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "responses"})) == logs.ids_to("/v1/responses"));
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "chat"})) == logs.ids_to("/v1/chat/completions"));
  // Combined with the other filters (AND), and paged by the cursor like any filter.
  const auto anthropic = listed_ids(logs.run({"--json", "history", "--endpoint", "messages", "--provider", "anthropic"}));
  CHECK(anthropic == std::vector<std::string>{messages[0], messages[2]});
  const auto page = logs.run({"--json", "history", "--endpoint", "messages", "--limit", "3"});
  REQUIRE(page.exit_code == 0);
  const std::string cursor(boost::json::parse(page.out).at("next_cursor").as_string());
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "messages", "--cursor", cursor})) ==
        std::vector<std::string>{messages[3]});
  // An endpoint without a logged request matches nothing.
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "embeddings"})).empty());
  const auto none = logs.run({"history", "--endpoint", "/v1/completions"});
  CHECK(none.exit_code == 0);
  CHECK_THAT(none.out, Contains("no requests match"));

  // The table's ENDPOINT column and `history show` name the endpoint, the latter with its dialect.
  const auto table = logs.run({"history", "--endpoint", "messages"});
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Contains("ENDPOINT") && Contains("POST /v1/messages") && !Contains("/v1/chat/completions"));
  const auto show = logs.run({"history", "show", messages[0]});
  REQUIRE(show.exit_code == 0);
  CHECK_THAT(show.out, Contains("POST /v1/messages  (messages"));
}

TEST_CASE("cli history --endpoint: an unknown name exits 2 listing the accepted ones", "[cli]") {
  EndpointLogs logs;
  for (const char* bad : {"message", "Messages", "v1/messages", "/v1/messages/", "/v1/models", "chat' OR 1=1", ""}) {
    CAPTURE(bad);
    const auto r = logs.run({"history", "--endpoint", bad});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(std::string("error: unknown endpoint '") + bad +
                               "': name one of chat, messages, responses, embeddings, completions, count_tokens "
                               "or its path"));
  }
  const auto show = logs.run({"history", "--endpoint", "chat", "show", logs.ids_to("/v1/messages").at(0)});
  CHECK(show.exit_code == 2);
  CHECK_THAT(show.err, Contains("--endpoint filters the request list; it does not apply to 'history show'"));
}

TEST_CASE("cli stats --by endpoint: one group per endpoint, summing to the total", "[cli]") {
  EndpointLogs logs;
  const auto doc = json_of(logs.run({"--json", "stats", "--by", "endpoint"}));
  CHECK(doc.at("group_by") == "endpoint");
  CHECK(group_requests(doc) == std::map<std::string, std::int64_t>{
                                   {"/v1/chat/completions", 6}, {"/v1/messages", 4}, {"/v1/responses", 2}});
  CHECK(doc.at("groups").at(0).at("key") == "/v1/chat/completions");  // most requests first
  CHECK(doc.at("total").at("requests") == 12);
  CHECK(doc.at("total").at("errors") == 1);
  for (const auto& g : doc.at("groups").as_array()) {
    CHECK(g.at("errors") == (g.at("key") == "/v1/responses" ? 1 : 0));
  }
  // With --provider, and the other groupings still sum over every endpoint.
  const auto anthropic = json_of(logs.run({"--json", "stats", "--by", "endpoint", "--provider", "anthropic"}));
  CHECK(group_requests(anthropic) == std::map<std::string, std::int64_t>{
                                         {"/v1/chat/completions", 2}, {"/v1/messages", 2}, {"/v1/responses", 2}});
  CHECK(group_requests(json_of(logs.run({"--json", "stats", "--by", "provider"}))) ==
        std::map<std::string, std::int64_t>{{"anthropic", 6}, {"openai", 6}});
  CHECK(group_requests(json_of(logs.run({"--json", "stats", "--by", "model"}))) ==
        std::map<std::string, std::int64_t>{{"gpt-4o", 12}});

  const auto table = logs.run({"stats", "--by", "endpoint"});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Contains("ENDPOINT") && Contains("/v1/messages") && Contains("/v1/responses") &&
                            Contains("total"));
  const auto bad = logs.run({"stats", "--by", "dialect"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("error: invalid grouping 'dialect': expected one of provider, model, hour, day, endpoint"));
}

TEST_CASE("cli migrate: a logs database at v2 moves its rollups to chat completions, sums and rows survive",
          "[cli]") {
  router::test::TempDir dir;
  const auto config = dir / "router.db";
  const auto logs_path = dir / "router-logs.db";
  const std::int64_t hour_now = router::core::now_ms() / kHourMs;
  struct OldRollup {
    std::int64_t hour;
    std::string provider, model;
    std::int64_t requests, errors, prompt, completion;
    std::int64_t latency_us;  // every request took this long; half of them have a TTFT
  };
  // Hour -50 lost its raw rows to retention long ago; hour -2 still has them. The unrouted row is
  // under the empty provider.
  const std::vector<OldRollup> old_rollups{{hour_now - 50, "openai", "gpt-4o", 40, 2, 4000, 800, 900'000},
                                           {hour_now - 50, "groq", "llama", 10, 1, 500, 100, 300'000},
                                           {hour_now - 2, "openai", "gpt-4o", 3, 0, 30, 60, 200'000},
                                           {hour_now - 2, "", "", 2, 2, 0, 0, 50}};
  struct OldRow {
    std::int64_t id;
    const char* endpoint;
    const char* method;
    const char* provider;
    int status;
    const char* outcome;
  };
  const std::int64_t t0 = (hour_now - 2) * kHourMs + 5 * kMinuteMs;
  const std::vector<OldRow> old_rows{
      {router::core::first_request_id_at(t0), "/v1/chat/completions", "POST", "openai", 200, "ok"},
      {router::core::first_request_id_at(t0 + 1000), "/v1/chat/completions", "POST", "openai", 200, "ok"},
      {router::core::first_request_id_at(t0 + 2000), "/v1/chat/completions", "POST", "openai", 200, "ok"},
      {router::core::first_request_id_at(t0 + 3000), "/v1/models", "GET", nullptr, 401, "client_error"},
      {router::core::first_request_id_at(t0 + 4000), "/v1/nope", "POST", nullptr, 404, "client_error"}};
  {
    router::db::Database old(logs_path, router::db::options_for(router::db::DbKind::kLogs));
    router::db::Migrator(old, router::db::logs_migrations().first(2)).apply();
    SQLite::Statement rollup(old.sqlite(), R"sql(
INSERT INTO request_rollups (hour, provider_id, model, requests, errors, prompt_tokens, completion_tokens,
  duration_sum_us, latency_hist, ttft_hist) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10))sql");
    for (const auto& r : old_rollups) {
      router::core::Histogram latency;
      router::core::Histogram ttft;
      latency.record(r.latency_us, static_cast<std::uint64_t>(r.requests));
      ttft.record(r.latency_us / 3, static_cast<std::uint64_t>(r.requests / 2));
      const std::string latency_blob = latency.encode();
      const std::string ttft_blob = ttft.encode();
      rollup.reset();
      rollup.bind(1, r.hour);
      rollup.bind(2, r.provider);
      rollup.bind(3, r.model);
      rollup.bind(4, r.requests);
      rollup.bind(5, r.errors);
      rollup.bind(6, r.prompt);
      rollup.bind(7, r.completion);
      rollup.bind(8, r.requests * r.latency_us);
      rollup.bind(9, latency_blob.data(), static_cast<int>(latency_blob.size()));
      rollup.bind(10, ttft_blob.data(), static_cast<int>(ttft_blob.size()));
      rollup.exec();
    }
    SQLite::Statement row(old.sqlite(), R"sql(
INSERT INTO request_logs (request_id, created_at, endpoint, method, provider_id, model_requested, status, outcome,
  duration_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1000))sql");
    for (const auto& r : old_rows) {
      row.reset();
      row.bind(1, r.id);
      row.bind(2, static_cast<std::int64_t>(router::core::request_id_time_ms(r.id)));
      row.bind(3, r.endpoint);
      row.bind(4, r.method);
      r.provider ? row.bind(5, r.provider) : row.bind(5);
      r.provider ? row.bind(6, "gpt-4o") : row.bind(6);
      row.bind(7, r.status);
      row.bind(8, r.outcome);
      row.exec();
    }
  }
  REQUIRE(run_router(config.string(), {"stats"}).exit_code == 6);  // migration pending
  const auto migrated = run_router(config.string(), {"migrate"});
  INFO(migrated.out << migrated.err);
  REQUIRE(migrated.exit_code == 0);
  CHECK_THAT(migrated.out, Contains("applied 0003_endpoints"));
  bool backed_up = false;
  for (const auto& e : std::filesystem::directory_iterator(dir / "backups")) {
    const auto name = e.path().filename().string();
    if (name.starts_with("router-logs-") && name.ends_with("-v2.db")) {
      backed_up = true;
      SQLite::Database copy(e.path().string(), SQLite::OPEN_READONLY);
      CHECK(copy.execAndGet("SELECT sum(requests) FROM request_rollups").getInt64() == 55);
    }
  }
  CHECK(backed_up);

  // Every sum is what it was: the rows moved whole, histograms and all.
  std::int64_t routed = 0;
  std::int64_t errors = 0;
  std::int64_t prompt = 0;
  std::int64_t completion = 0;
  std::int64_t ttft = 0;
  for (const auto& r : old_rollups) {
    if (!r.provider.empty()) {
      routed += r.requests;
      errors += r.errors;
      prompt += r.prompt;
      completion += r.completion;
      ttft += r.requests / 2;
    }
  }
  const auto by_endpoint = json_of(run_router(config.string(), {"--json", "stats", "--since", "3d", "--by", "endpoint"}));
  CHECK(group_requests(by_endpoint) == std::map<std::string, std::int64_t>{{"/v1/chat/completions", routed}});
  const auto& total = by_endpoint.at("total");
  CHECK(total.at("requests") == routed);
  CHECK(total.at("errors") == errors);
  CHECK(total.at("prompt_tokens") == prompt);
  CHECK(total.at("completion_tokens") == completion);
  CHECK(total.at("ttft_us").at("count") == ttft);
  CHECK(total.at("latency_us").at("max") == 900'000);
  CHECK(total.at("latency_us").at("mean") == (40 * 900'000 + 10 * 300'000 + 3 * 200'000) / routed);
  CHECK(by_endpoint.at("unrouted").at("requests") == 2);
  CHECK(group_requests(json_of(run_router(config.string(), {"--json", "stats", "--since", "3d"}))) ==
        std::map<std::string, std::int64_t>{{"openai", 43}, {"groq", 10}});
  CHECK(group_requests(json_of(run_router(config.string(), {"--json", "stats", "--since", "3d", "--by", "hour"})))
            .size() == 2);

  // The old rows read back, and the endpoint filter finds them through the new index.
  const auto all = json_of(run_router(config.string(), {"--json", "history"}));
  REQUIRE(all.at("data").as_array().size() == old_rows.size());
  CHECK(all.at("data").at(0).at("endpoint") == "/v1/nope");
  CHECK(listed_ids(run_router(config.string(), {"--json", "history", "--endpoint", "chat"})).size() == 3);
  CHECK(listed_ids(run_router(config.string(), {"--json", "history", "--endpoint", "/v1/chat/completions",
                                                 "--provider", "openai", "--limit", "1"})) ==
        std::vector<std::string>{router::core::format_request_id(old_rows[2].id)});

  // New requests roll up beside the migrated rows, in the same hour, under their own endpoint.
  {
    router::test::LogsDb logs(logs_path);
    auto row = router::test::make_log(t0 + 10'000, 0, "openai", "gpt-4o", Outcome::kOk, 1000);
    row.endpoint = "/v1/messages";
    REQUIRE(logs.repo.insert_batch(std::vector<RequestLog>{row, router::test::make_log(t0 + 11'000, 0, "openai",
                                                                                        "gpt-4o", Outcome::kOk, 1000)})
                .inserted == 2);
  }
  const auto after = json_of(run_router(config.string(), {"--json", "stats", "--since", "3d", "--by", "endpoint"}));
  CHECK(group_requests(after) ==
        std::map<std::string, std::int64_t>{{"/v1/chat/completions", routed + 1}, {"/v1/messages", 1}});
}
