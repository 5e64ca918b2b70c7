// Operator experience (issue 19) and terminal safety (issue 12 item 18), on the real binary.
#include <catch2/catch.hpp>

#include <signal.h>

#include <boost/json.hpp>

#include <regex>
#include <string>
#include <thread>

#include "core/ids.hpp"
#include "core/clock.hpp"
#include "support/admin_api.hpp"
#include "support/cli.hpp"
#include "support/http_client.hpp"
#include "support/log_rows.hpp"
#include "support/mock_upstream.hpp"
#include "support/process.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;
using router::test::MockUpstream;

namespace {

constexpr const char* kModels = R"({"object":"list","data":[{"id":"m-1","object":"model"}]})";

void must(const router::test::ProcessResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + part.size())) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("cli units: durations and sizes take units, a bare number is refused with a hint", "[cli]") {
  CliDb t;
  auto r = t.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--set",
                  "timeout=30"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("invalid duration '30': say the unit, e.g. 30s or 30ms"));
  r = t.run({"config", "set", "server.read_timeout", "30"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("say the unit"));
  r = t.run({"config", "set", "server.max_body_bytes", "4096"});  // the unit is in the name
  CHECK(r.exit_code == 0);
  CHECK(t.json({"config", "get", "server.max_body_bytes"}).at("value") == 4096);

  must(t.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--set",
              "timeout=30s"}));
  r = t.run({"provider", "show", "oa"});
  INFO(r.out);
  CHECK(std::regex_search(r.out, std::regex(R"(timeout\s+30s\s)")));
  // Stored and served in milliseconds, as before.
  const auto doc = t.json({"provider", "show", "oa"});
  bool found = false;
  for (const auto& c : doc.at("config").as_array()) {
    if (c.at("key") == "timeout") {
      CHECK(c.at("value") == 30000);
      found = true;
    }
  }
  CHECK(found);
  CHECK_THAT(t.run({"provider", "types"}).out, Contains("2m"));  // the default timeout, in units
}

TEST_CASE("cli json: `router test --json` and POST /v1/providers/{id}/test are one document, numbers in decimal",
          "[cli][server]") {
  MockUpstream up;
  up.on("/v1/models", MockUpstream::json(kModels));
  router::test::AdminFixture f;
  f.start();
  REQUIRE(f.call("POST", "/v1/providers",
                 R"({"id":"ok","type":"openai","config":{"baseURL":")" + up.url("/v1") + R"("}})")
              .status() == 201);
  const auto api = f.call("POST", "/v1/providers/ok/test");
  INFO(api.http.body);
  REQUIRE(api.status() == 200);
  // Boost.JSON writes doubles as 4.10256E-1; the document says 0.410256.
  CHECK_FALSE(std::regex_search(api.http.body, std::regex(R"([0-9][eE][-+]?[0-9])")));
  CHECK(api.json.at("latency_ms").is_double());

  const auto cli = router::test::run_router(f.db(), {"--json", "test", "ok"});
  INFO(cli.out << cli.err);
  REQUIRE(cli.exit_code == 0);
  CHECK_FALSE(std::regex_search(cli.out, std::regex(R"([0-9][eE][-+]?[0-9])")));
  auto a = api.json.as_object();
  auto c = boost::json::parse(cli.out).as_object();
  CHECK(c.at("latency_ms").is_double());
  a.erase("latency_ms");
  c.erase("latency_ms");
  CHECK(boost::json::serialize(a) == boost::json::serialize(c));
}

TEST_CASE("cli mutations: every mutation prints its change lines once, old → new, secrets masked", "[cli]") {
  CliDb t;
  must(t.run({"provider", "add", "oa", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1", "--secret",
              "apiKey=sk-first-000000000000aaaa", "--description", "old text"}));

  auto r = t.run({"provider", "edit", "oa", "--description", "new text"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("description: old text → new text"));
  CHECK_THAT(r.out, !Contains("type openai"));

  r = t.run({"provider", "edit", "oa", "--secret", "apiKey=sk-second-00000000000bbbb"});
  CHECK_THAT(r.out, Contains("aaaa →") && Contains("bbbb"));
  CHECK_THAT(r.out, !Contains("sk-second-00000000000bbbb") && !Contains("sk-first-000000000000aaaa"));

  r = t.run({"config", "set", "server.read_timeout", "45s"});
  CHECK_THAT(r.out, Contains("server.read_timeout") && Contains("30s (default) → 45s"));
  r = t.run({"config", "set", "server.read_timeout", "1m"});
  CHECK_THAT(r.out, Contains("45s → 1m"));
  const auto rev = t.json({"log", "-n", "1"}).at("revisions").at(0).at("rev").as_int64();

  r = t.run({"revert", std::to_string(rev)});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("1m → 45s"));

  r = t.run({"provider", "remove", "oa", "--yes"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "baseURL") == 1);  // the change table once, not a preview and then again
  CHECK(count(r.out, "removed provider 'oa'") == 1);
}

TEST_CASE("cli suggestions: one rule everywhere, and errors point to the command's help", "[cli]") {
  CliDb t;
  must(t.run({"provider", "add", "dead", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1"}));
  auto r = t.run({"staus"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("did you mean 'status'?"));
  r = t.run({"help", "nosuch"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("unknown command 'nosuch'") && Contains("run 'router --help'"));
  r = t.run({"help", "provider", "ad"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("did you mean 'add'?") && Contains("'router provider --help'"));
  for (const char* cmd : {"history", "stats"}) {
    CAPTURE(cmd);
    r = t.run({cmd, "--provider", "ded"});
    CHECK(r.exit_code == 3);
    CHECK(r.err == "error: provider 'ded' not found (did you mean 'dead'?)\n");
  }
  CHECK(t.run({"history", "--provider", "dead"}).exit_code == 0);  // configured, never used
  r = t.run({"provider", "add", "x", "--bogus"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("(see 'router provider add --help')"));
}

TEST_CASE("cli history and stats: an endpoint column, requests never routed are their own stats line", "[cli]") {
  CliDb t;
  const std::int64_t now = router::core::now_ms();
  {
    router::test::LogsDb logs(t.dir / "router-logs.db");
    std::vector<router::db::RequestLog> rows;
    for (int i = 0; i < 4; ++i) {
      rows.push_back(router::test::make_log(now - (10 - i) * router::test::kMinuteMs, i, "up", "m-1",
                                            router::db::Outcome::kOk, 100'000));
    }
    auto rejected = router::test::make_log(now - 5 * router::test::kMinuteMs, 9, "", "",
                                           router::db::Outcome::kClientError, 50);
    rejected.endpoint = "/v1/models";
    rejected.method = "GET";
    rejected.status = 401;
    rejected.attempts.clear();
    rows.push_back(rejected);
    (void)logs.repo.insert_batch(rows);
  }
  // The configuration database too: read-only commands never create one (issue 19 item 2).
  REQUIRE(t.run({"migrate"}).exit_code == 0);
  auto r = t.run({"history"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("ENDPOINT") && Contains("GET /v1/models") && Contains("POST /v1/chat/completions"));

  r = t.run({"stats"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("not routed: 1 request(s)"));
  CHECK_THAT(r.out, !Contains("(none)"));
  const auto doc = t.json({"stats"});
  CHECK(doc.at("total").at("requests") == 4);
  CHECK(doc.at("total").at("errors") == 0);
  CHECK(doc.at("unrouted").at("requests") == 1);
}

TEST_CASE("cli terminal safety: control characters from clients print escaped in every human view", "[cli]") {
  CliDb t;
  const std::string evil = "gpt\x1b[2J\x1b]0;owned\x07\r\nFAKE ROW\xc2\x9b" "31m";
  std::string id;
  {
    router::test::LogsDb logs(t.dir / "router-logs.db");
    auto row = router::test::make_log(router::core::now_ms() - router::test::kMinuteMs, 0, "up", evil,
                                      router::db::Outcome::kUpstreamError, 1000);
    row.error = "upstream said \x1b[31mred\r";
    row.attempts.at(0).error = row.error;
    id = router::core::format_request_id(row.request_id);
    (void)logs.repo.insert_batch(std::vector<router::db::RequestLog>{row});
  }
  must(t.run({"provider", "add", "up", "--type", "openai", "--set", "baseURL=http://127.0.0.1:9/v1"}));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"history"}, {"history", "show", id}, {"stats", "--by", "model"}, {"route", "-m", evil}}) {
    const auto r = t.run(args);
    INFO(args.at(0) << ": " << r.out << r.err);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\r') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
    CHECK(r.out.find("\xc2\x9b") == std::string::npos);
    CHECK((r.out.find("FAKE ROW") == std::string::npos || r.out.find("\\nFAKE ROW") != std::string::npos));
  }
  const auto r = t.run({"history", "show", id});
  CHECK_THAT(r.out, Contains("gpt\\x1b[2J") && Contains("\\r\\nFAKE ROW") && Contains("\\u009b31m"));
}

TEST_CASE("serve log: each configuration warning once, state changes said, an optional access log", "[cli][server]") {
  MockUpstream up;
  up.on("/v1/chat/completions", MockUpstream::json(MockUpstream::completion_json("hi")));
  CliDb t;
  must(t.run({"provider", "add", "up", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}));
  must(t.run({"provider", "add", "other", "--type", "openai", "--set", "baseURL=" + up.url("/v1")}));
  must(t.run({"provider", "add", "off", "--type", "openai", "--set", "baseURL=" + up.url("/v1"), "--secret",
              "apiKey=env:OPSB_MISSING_API_KEY", "--disabled"}));
  must(t.run({"set", "up"}));
  must(t.run({"config", "set", "log.requests", "all"}));

  const auto log = t.dir / "serve.log";
  router::test::ProcessOptions opts;
  opts.unset_env = {"ROUTER_DB", "ROUTER_MASTER_KEY", "OPSB_MISSING_API_KEY"};
  router::test::Child serve({ROUTER_BINARY, "--db", t.db, "serve", "--listen", "127.0.0.1:0", "--threads", "3"}, opts,
                            log.string());
  const auto port = router::test::wait_for_listen_port(log.string(), std::chrono::seconds(10));
  INFO(router::test::read_file(log));
  REQUIRE(port != 0);
  const std::string chat = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  auto requests = [&](int n) {
    for (int i = 0; i < n; ++i) {
      CHECK(router::test::http_request(port, "POST", "/v1/chat/completions", chat).status == 200);
    }
  };
  requests(4);
  must(t.run({"set", "other"}));  // every worker reloads; the change is said once
  requests(4);
  must(t.run({"provider", "disable", "up"}));
  requests(4);
  must(t.run({"config", "set", "log.requests", "errors"}));
  requests(3);  // all ok: no access lines
  REQUIRE(serve.stop(SIGTERM, std::chrono::seconds(20)) == 0);

  const std::string text = router::test::read_file(log);
  INFO(text);
  CHECK(count(text, "OPSB_MISSING_API_KEY") == 1);
  CHECK(count(text, "active provider changed: 'up' → 'other'") == 1);
  CHECK(count(text, "provider 'up': enabled → disabled") == 1);
  // 12 requests while log.requests = all (the one that saw the switch to errors may be the 12th).
  CHECK(count(text, "msg=request ") == 12);
  CHECK(std::regex_search(text, std::regex(R"(ts=\S+ level=info msg=request id=req_[0-9a-f]+ method=POST )"
                                           R"(path=/v1/chat/completions status=200 outcome=ok duration_ms=[0-9.]+ )"
                                           R"(provider=up model=m client=127\.0\.0\.1)")));
}
