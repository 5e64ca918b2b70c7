#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/hash.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "providers/assembler.hpp"
#include "support/admin_api.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/mock_upstream.hpp"

using router::core::sha256_hex;
using router::test::AdminFixture;
using router::test::HttpClient;
using router::test::MockConn;
using router::test::MockRequest;
using router::test::MockUpstream;

namespace {

constexpr int kSessions = 25;
constexpr int kTurns = 40;

// A system prompt and tools every session shares (deduplicated across sessions), with escapes.
std::string system_prompt() {
  std::string s = R"(You are a careful coding agent. Quote with \"double quotes\", paths like C:\\src\\main.cpp, )"
                  R"(caf\u00e9 cr\u00e8me and \ud83d\ude00. )";
  for (int i = 0; i < 40; ++i) {
    s += fmt::format("Rule {}: keep answers short and never invent an API. ", i);
  }
  return s;
}

const std::string kTools =
    R"([{"type":"function","function":{"name":"read_file","description":"Read a file of the workspace and return its text, with line numbers.","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}},)"
    R"({"type":"function","function":{"name":"run_tests","description":"Run the test suite (or a filter of it) and return the failures only.","parameters":{"type":"object","properties":{"filter":{"type":"string"}}}}}])";

// The content of one user turn: session-specific, with raw UTF-8, escapes and control escapes.
std::string user_text(int session, int turn) {
  return fmt::format(R"(Session {} turn {}: fix the \"bug\" in \u00fcber.cpp \u2014 line {}\n\tgr\u00fc\u00dfe \ud83d\ude80 é 日本 {})",
                     session, turn, turn * 7, std::string(static_cast<std::size_t>(80 + (session * 13 + turn * 29) % 400), 'x'));
}

std::string assistant_text(int session, int turn) {
  return fmt::format("Done with turn {} of session {}: patched \u00fcber.cpp, ran the tests \xf0\x9f\x9a\x80 {}", turn,
                     session, std::string(static_cast<std::size_t>(100 + (turn * 31) % 300), 'y'));
}

// One request body of a session, formatted four ways (compact, spaced, indented, escaped keys in
// places where the splitter does not look): the stored bytes must be these, whatever they are.
std::string body_of(int session, int turn, bool stream) {
  const int style = session % 4;
  const std::string colon = style == 1 ? " : " : style == 2 ? ":\n  " : ":";
  const std::string comma = style == 1 ? " , " : style == 2 ? ",\n\t" : ",";
  auto msg = [&](std::string_view role, const std::string& content) {
    return fmt::format(R"({{"role"{}"{}"{}"content"{}"{}"}})", colon, role, comma, colon, content);
  };
  std::string messages = msg("system", system_prompt());
  for (int k = 0; k <= turn; ++k) {
    messages += comma + msg("user", user_text(session, k));
    if (k < turn) {
      const std::string a = boost::json::serialize(boost::json::value(assistant_text(session, k)));
      messages += comma + msg("assistant", a.substr(1, a.size() - 2));
    }
  }
  std::string body = "{" + std::string(style == 2 ? "\n  " : "") + R"("model")" + colon +
                     (stream ? R"("m-stream")" : R"("m-plain")") + comma + R"("messages")" + colon + "[" + messages +
                     "]" + comma + R"("tools")" + colon + kTools;
  if (stream) {
    body += comma + R"("stream")" + colon + "true" + comma + R"("stream_options")" + colon + R"({"include_usage":true})";
  }
  if (style == 3) {
    body += R"(,"metadata":{"note":"\u0041\u0042 \/ slash"})";
  }
  return body + (style == 2 ? "\n}\n" : "}");
}

// What the router logs for a stream: the completion reassembled from the chunks the client got.
std::string reassembled(const std::string& sse) {
  router::providers::StreamAssembler assembler(1 << 20);
  for (const auto& data : router::test::sse_data(sse)) {
    if (data != "[DONE]") {
      assembler.add(boost::json::parse(data).as_object());
    }
  }
  return boost::json::serialize(assembler.result());
}

struct Sent {
  std::string id;
  std::string request_sha;
  std::string response_sha;
};

}  // namespace

TEST_CASE("bodies: 1,000 varied requests are stored once per distinct item and rebuilt byte for byte",
          "[server][bodies]") {
  MockUpstream up;
  up.on("/v1/chat/completions", [](const MockRequest& req, MockConn& c) {
    const auto n = req.body.size();
    const std::string text = fmt::format("answer to {} bytes: caf\u00e9 \"quoted\" \\ {}", n, std::string(n % 97, 'z'));
    if (req.body.find("m-stream") != std::string::npos) {
      MockUpstream::sse({"The ", text, " \xf0\x9f\x98\x80"})(req, c);
    } else {
      // completion_json takes JSON string content, escaped.
      const std::string escaped = boost::json::serialize(boost::json::value(text));
      MockUpstream::json(MockUpstream::completion_json(escaped.substr(1, escaped.size() - 2)))(req, c);
    }
  });
  AdminFixture f;
  f.add_provider("oa", "openai", boost::json::object{{"baseURL", up.url("/v1")}});
  f.link("oa", "m-plain");
  f.link("oa", "m-stream");
  f.set("active_provider", "oa");
  f.start();

  std::vector<Sent> sent;
  std::int64_t received = 0;
  HttpClient client(f.port());
  for (int turn = 0; turn < kTurns; ++turn) {
    for (int session = 0; session < kSessions; ++session) {
      const bool stream = (session + turn) % 3 == 0;
      const std::string body = body_of(session, turn, stream);
      const auto r = client.request("POST", "/v1/chat/completions", body);
      REQUIRE(r.error.empty());
      INFO("session " << session << " turn " << turn << ": " << r.body);
      REQUIRE(r.status == 200);
      const std::string response = stream ? reassembled(r.body) : r.body;
      sent.push_back({r.header("x-request-id"), sha256_hex(body), sha256_hex(response)});
      received += static_cast<std::int64_t>(body.size() + r.body.size());
    }
  }
  REQUIRE(sent.size() == 1000);
  REQUIRE(f.logs_through(sent.back().id).size() == sent.size());

  router::db::Database logs(f.dir() / "router-logs.db");
  router::db::LogRepository repo(logs);
  int mismatches = 0;
  for (const auto& s : sent) {
    const auto found = repo.find(*router::core::parse_request_id(s.id));
    REQUIRE(found);
    REQUIRE(found->request_body);
    REQUIRE(found->response_body);
    if (sha256_hex(*found->request_body) != s.request_sha || sha256_hex(*found->response_body) != s.response_sha) {
      ++mismatches;
      UNSCOPED_INFO("mismatch: " << s.id);
    }
  }
  CHECK(mismatches == 0);

  // Linear, not quadratic: the items of earlier turns are stored once.
  const auto size = repo.storage(0);
  INFO("received " << received << " stored " << size.stored_bytes << " file " << size.file_bytes);
  CHECK(size.requests == 1000);
  CHECK(size.stored_bytes * 10 < size.received_bytes);

  // The admin API serves the same bytes.
  for (std::size_t i = 0; i < sent.size(); i += 97) {
    const auto req = f.get("/v1/requests/" + sent[i].id + "/body?part=request");
    REQUIRE(req.status() == 200);
    CHECK(req.http.header("content-type") == "application/octet-stream");
    CHECK(sha256_hex(req.http.body) == sent[i].request_sha);
    const auto res = f.get("/v1/requests/" + sent[i].id + "/body?part=response");
    REQUIRE(res.status() == 200);
    CHECK(sha256_hex(res.http.body) == sent[i].response_sha);
  }
  router::test::check_error(f.get("/v1/requests/" + sent[0].id + "/body?part=both"), 400, "invalid_request_error",
                            "part must be request or response");
  router::test::check_error(f.get("/v1/requests/" + sent[0].id + "/body"), 400, "invalid_request_error",
                            "part must be request or response");
  router::test::check_error(f.get("/v1/requests/req_0000000000000001/body?part=request"), 404,
                            "not_found_error", "not found");
}
