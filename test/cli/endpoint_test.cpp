#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/sqlite/log_repository.hpp"
#include "support/log_rows.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

// `history --endpoint` and `stats --by endpoint` (issue 14) through the real binary.

using Catch::Contains;
using router::db::Outcome;
using router::db::RequestLog;
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
  // Names without a logged request match nothing; so does an unlogged path.
  CHECK(listed_ids(logs.run({"--json", "history", "--endpoint", "embeddings"})).empty());
  const auto none = logs.run({"history", "--endpoint", "/v1/models"});
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
  for (const char* bad : {"message", "Messages", "v1/messages", ""}) {
    CAPTURE(bad);
    const auto r = logs.run({"history", "--endpoint", bad});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains(std::string("error: invalid endpoint '") + bad +
                               "': expected a path such as /v1/messages or one of chat, messages, responses, "
                               "embeddings, completions, count_tokens"));
  }
  const auto control = logs.run({"history", "--endpoint", "/v1/\x1b[31m"});
  CHECK(control.exit_code == 2);
  CHECK_THAT(control.err, Contains("error: invalid endpoint"));
  const auto show = logs.run({"history", "--endpoint", "chat", "show", logs.ids_to("/v1/messages").at(0)});
  CHECK(show.exit_code == 2);
  CHECK_THAT(show.err, Contains("--endpoint filters the request list; it does not apply to 'history show'"));
}
