#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/json.hpp>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/migrator.hpp"
#include "db/sqlite/schema.hpp"
#include "support/cli.hpp"
#include "support/http_client.hpp"
#include "support/log_rows.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using router::test::CliDb;
using router::test::MockUpstream;
using router::test::run_router;
using router::test::ServeProcess;

namespace {

// Bodies as a client may send them: odd spacing, escapes, raw UTF-8, a trailing newline.
const std::string kOddRequest = "{ \"model\" :\"gpt-4o\",\n\t\"messages\":[ {\"role\":\"user\" , \"content\":"
                                "\"caf\\u00e9 \\ud83d\\ude00 \xe6\x97\xa5\xe6\x9c\xac \\\"q\\\"\"} ]}\n";
const std::string kOddResponse = R"({"id":"x","choices":[{"message":{"content":"\u00fc \/ ok"}}]}  )";

std::string long_message(int i) {
  return R"({"role":"user","content":")" + std::string(300, static_cast<char>('a' + i % 26)) + R"("})";
}

}  // namespace

TEST_CASE("cli bodies: an old-layout logs database migrates with a backup, its bodies read back byte for byte",
          "[cli][bodies]") {
  router::test::TempDir dir;
  const auto config = dir / "router.db";
  const auto logs_path = dir / "router-logs.db";
  const std::int64_t id1 = router::core::first_request_id_at(router::core::now_ms() - 60'000) + 5;
  const std::int64_t id2 = id1 + 1;
  {
    // The schema before bodies moved out of request_logs: migration 1 only, rows with bodies.
    router::db::Database old(logs_path, router::db::options_for(router::db::DbKind::kLogs));
    router::db::Migrator(old, router::db::logs_migrations().first(1)).apply();
    SQLite::Statement ins(old.sqlite(), R"sql(
INSERT INTO request_logs (request_id, created_at, endpoint, method, status, outcome, duration_us, request_bytes,
  response_bytes, request_body, response_body) VALUES (?1, ?2, '/v1/chat/completions', 'POST', ?3, ?4, 10, ?5, ?6, ?7, ?8))sql");
    auto row = [&](std::int64_t id, int status, const char* outcome, const std::optional<std::string>& req,
                   const std::optional<std::string>& res) {
      ins.reset();
      ins.bind(1, static_cast<std::int64_t>(id));
      ins.bind(2, static_cast<std::int64_t>(router::core::request_id_time_ms(id)));
      ins.bind(3, status);
      ins.bind(4, outcome);
      ins.bind(5, static_cast<std::int64_t>(req ? req->size() : 0));
      ins.bind(6, static_cast<std::int64_t>(res ? res->size() : 0));
      req ? ins.bind(7, *req) : ins.bind(7);
      res ? ins.bind(8, *res) : ins.bind(8);
      ins.exec();
    };
    row(id1, 200, "ok", kOddRequest, kOddResponse);
    row(id2, 502, "upstream_error", kOddRequest, std::nullopt);
  }
  // A command that needs the current schema refuses until `router migrate`.
  auto r = run_router(config.string(), {"history", "show", router::core::format_request_id(id1)});
  CHECK(r.exit_code == 6);
  r = run_router(config.string(), {"migrate"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  bool backed_up = false;
  for (const auto& e : std::filesystem::directory_iterator(dir / "backups")) {
    const auto name = e.path().filename().string();
    if (name.starts_with("router-logs-") && name.ends_with("-v1.db")) {
      backed_up = true;
      SQLite::Database copy(e.path().string(), SQLite::OPEN_READONLY);
      CHECK(copy.execAndGet("SELECT request_body FROM request_logs WHERE request_id = " + std::to_string(id1))
                .getString() == kOddRequest);
    }
  }
  CHECK(backed_up);
  {
    SQLite::Database d(logs_path.string(), SQLite::OPEN_READONLY);
    CHECK(d.execAndGet("SELECT count(*) FROM pragma_table_info('request_logs') WHERE name LIKE '%_body'").getInt() == 0);
  }

  r = run_router(config.string(), {"history", "show", router::core::format_request_id(id1), "--request"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == kOddRequest);
  r = run_router(config.string(), {"history", "show", router::core::format_request_id(id1), "--response"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == kOddResponse);
  r = run_router(config.string(), {"history", "show", router::core::format_request_id(id2), "--response"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("has no stored response body") != std::string::npos);
  r = run_router(config.string(), {"--json", "history", "show", router::core::format_request_id(id2)});
  REQUIRE(r.exit_code == 0);
  const auto doc = boost::json::parse(r.out).as_object();
  CHECK(doc.at("request_body").as_string() == kOddRequest);
  CHECK(doc.at("response_body").is_null());
}

TEST_CASE("cli bodies: history show --request/--response, misuse, and history --size", "[cli][bodies]") {
  router::test::TempDir dir;
  const auto config = dir / "router.db";
  std::vector<router::db::RequestLog> rows;
  const std::int64_t now = router::core::now_ms();
  std::string messages;
  for (int i = 0; i < 20; ++i) {
    messages += (i > 0 ? "," : "") + long_message(i);
    auto row = router::test::make_log(now - (20 - i) * 1000, i, "openai", "gpt-4o", router::db::Outcome::kOk, 1000);
    row.request_body = "{\"model\":\"gpt-4o\", \"messages\":[" + messages + "]}";
    row.response_body = kOddResponse;
    row.request_bytes = static_cast<std::int64_t>(row.request_body->size());
    row.response_bytes = static_cast<std::int64_t>(row.response_body->size());
    rows.push_back(row);
  }
  {
    router::test::LogsDb logs(dir / "router-logs.db");
    REQUIRE(logs.repo.insert_batch(rows).inserted == rows.size());
  }
  REQUIRE(run_router(config.string(), {"migrate"}).exit_code == 0);
  const auto last = router::core::format_request_id(rows.back().request_id);

  auto r = run_router(config.string(), {"history", "show", last, "--request"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == *rows.back().request_body);
  r = run_router(config.string(), {"history", "show", last, "--request", "--response"});
  CHECK(r.exit_code == 2);
  r = run_router(config.string(), {"--json", "history", "show", last, "--request"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("drop --json") != std::string::npos);
  r = run_router(config.string(), {"history", "--size", "--limit", "5"});
  CHECK(r.exit_code == 2);

  const auto size = router::test::router_json(config.string(), {"history", "--size"});
  CHECK(size.at("object") == "logs_size");
  CHECK(size.at("requests") == 20);
  CHECK(size.at("items") == 20);  // each message once, however many requests repeat it
  CHECK(size.at("file_bytes").as_int64() > 0);
  CHECK(size.at("ratio").as_double() > 3.0);
  r = run_router(config.string(), {"history", "--size"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("last 24h") != std::string::npos);
  CHECK(r.out.find("ratio") != std::string::npos);
}

TEST_CASE("cli replay: re-sends a logged request through the running server and links the new row",
          "[cli][bodies]") {
  MockUpstream up;
  up.on("/v1/chat/completions", [](const router::test::MockRequest& req, router::test::MockConn& c) {
    const auto doc = boost::json::parse(req.body).as_object();
    MockUpstream::json(MockUpstream::completion_json(std::string("model was ") + std::string(doc.at("model").as_string())))(
        req, c);
  });
  CliDb c;
  REQUIRE(c.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}).exit_code == 0);
  REQUIRE(c.run({"provider", "add", "ob", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}).exit_code == 0);
  REQUIRE(c.run({"model", "link", "oa", "gpt-a"}).exit_code == 0);
  REQUIRE(c.run({"model", "link", "oa", "gpt-b"}).exit_code == 0);
  REQUIRE(c.run({"model", "link", "ob", "gpt-a"}).exit_code == 0);
  REQUIRE(c.run({"set", "oa"}).exit_code == 0);

  ServeProcess serve(c.db, c.dir / "serve.log");
  INFO(serve.log());
  REQUIRE(serve.port() != 0);
  const std::string body = "{\"model\" : \"gpt-a\", \"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9\"}]}";
  const auto first = router::test::http_request(serve.port(), "POST", "/v1/chat/completions", body);
  REQUIRE(first.status == 200);
  const std::string original = first.header("x-request-id");
  // The writer flushes every few ms; the original must be stored before it can be replayed.
  router::test::ProcessResult shown;
  for (int i = 0; i < 100; ++i) {
    shown = c.run({"history", "show", original, "--request"});
    if (shown.exit_code == 0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out == body);

  auto doc = c.json({"replay", original, "--provider", "ob"});
  CHECK(doc.at("original") == boost::json::value(original));
  CHECK(doc.at("status") == 200);
  CHECK(doc.at("provider") == "ob");
  CHECK(boost::json::parse(doc.at("response_body").as_string()).at("choices").at(0).at("message").at("content") ==
        "model was gpt-a");
  const std::string replay = std::string(doc.at("request").as_string());
  CHECK(replay != original);
  // The replay is a logged request of its own, linked to the original, with the same bytes.
  boost::json::object shown_doc;
  for (int i = 0; i < 100; ++i) {
    const auto s = c.run({"--json", "history", "show", replay});
    if (s.exit_code == 0) {
      shown_doc = boost::json::parse(s.out).as_object();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_FALSE(shown_doc.empty());
  CHECK(shown_doc.at("replay_of") == boost::json::value(original));
  CHECK(shown_doc.at("provider") == "ob");
  CHECK(shown_doc.at("request_body") == boost::json::value(body));

  doc = c.json({"replay", original, "--model", "gpt-b"});
  CHECK(doc.at("provider") == "oa");
  CHECK(boost::json::parse(doc.at("response_body").as_string()).at("choices").at(0).at("message").at("content") ==
        "model was gpt-b");

  auto r = c.run({"replay", "req_0000000000000001"});
  CHECK(r.exit_code == 3);
  r = c.run({"replay", original, "--provider", "Not A Slug"});
  CHECK(r.exit_code == 2);
  // No server: the replay says how to get one.
  serve.stop();
  r = c.run({"replay", original});
  CHECK(r.exit_code == 6);
  CHECK(r.err.find("no running server") != std::string::npos);
}
