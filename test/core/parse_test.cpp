#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/parse.hpp"
#include "core/text.hpp"

using namespace router::core;

TEST_CASE("parse_duration_ms: units and rejections", "[core]") {
  CHECK(parse_duration_ms("250ms") == 250);
  CHECK(parse_duration_ms("30s") == 30'000);
  CHECK(parse_duration_ms("30m") == 1'800'000);
  CHECK(parse_duration_ms("24h") == 86'400'000);
  CHECK(parse_duration_ms("7d") == 604'800'000);
  CHECK(parse_duration_ms("2w") == 1'209'600'000);
  for (const char* bad : {"", "-1s", "5x", "h", "1.5h", "99999999999999999999d", "9223372036854775807w"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_duration_ms(bad), Error);
  }
}

TEST_CASE("units: a bare number is refused with a hint unless the key's name carries the unit", "[core]") {
  // "timeout=30" once meant 30 ms for a provider and 30 s for a setting.
  CHECK_THROWS_WITH(parse_duration_ms("30"), Catch::Contains("say the unit, e.g. 30s or 30ms"));
  CHECK_THROWS_WITH(parse_size("1024"), Catch::Contains("say the unit, e.g. 1024B or 1024k"));
  CHECK(parse_duration_ms("30", BareNumber::kInUnit) == 30);
  CHECK(parse_size("1024", BareNumber::kInUnit) == 1024);
  CHECK(bare_number_for("server.max_body_bytes") == BareNumber::kInUnit);
  CHECK(bare_number_for("poll_ms") == BareNumber::kInUnit);
  CHECK(bare_number_for("timeout") == BareNumber::kRefuse);
  CHECK(bare_number_for("server.read_timeout") == BareNumber::kRefuse);
  CHECK(bare_number_for("_ms") == BareNumber::kRefuse);
  // The human forms read back to the same value.
  for (const std::int64_t ms : {1LL, 250LL, 1000LL, 30'000LL, 90'000LL, 120'000LL, 3'600'000LL, 86'400'000LL,
                                604'800'000LL, 1'234'567LL}) {
    CAPTURE(ms);
    CHECK(parse_duration_ms(format_duration_ms(ms)) == ms);
  }
  CHECK(format_duration_ms(120'000) == "2m");
  CHECK(format_duration_ms(90'000) == "90s");
  CHECK(format_duration_ms(250) == "250ms");
  for (const std::int64_t b : {1LL, 1000LL, 1024LL, 65'536LL, 8LL << 20, 1LL << 30, 3'000'000LL}) {
    CAPTURE(b);
    CHECK(parse_size(format_size(b)) == b);
  }
  CHECK(format_size(8LL << 20) == "8 MiB");
}

TEST_CASE("parse_size: binary and decimal multiples", "[core]") {
  CHECK(parse_size("1024B") == 1024);
  CHECK(parse_size("64k") == 65536);
  CHECK(parse_size("8MiB") == 8 * 1024 * 1024);
  CHECK(parse_size("1MB") == 1'000'000);
  CHECK(parse_size("1GiB") == 1024LL * 1024 * 1024);
  CHECK_THROWS_AS(parse_size("lots"), Error);
  CHECK_THROWS_AS(parse_size("-5"), Error);
}

TEST_CASE("parse_time_point: relative durations and ISO dates", "[core]") {
  const std::int64_t now = 1'763'800'000'000;  // 2025-11-22T08:26:40Z
  CHECK(parse_time_point("30m", now) == now - 1'800'000);
  CHECK(parse_time_point("7d", now) == now - 7 * 86'400'000LL);
  CHECK(parse_time_point("2025-11-01T00:00:00Z", now) == 1'761'955'200'000);
  CHECK(parse_time_point("2025-11-01T12:30Z", now) == 1'761'955'200'000 + 45'000'000);
  // A date without Z is local midnight; it must round-trip through the local formatter.
  CHECK(format_local(parse_time_point("2025-11-01", now)) == "2025-11-01 00:00:00");
  for (const char* bad : {"yesterday", "2025-13-01", "2025-11-01T25:00", "2025-11-01X", "1969-01-01"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_time_point(bad, now), Error);
  }
}

TEST_CASE("RequestIdGenerator: ids increase, encode time, and round-trip as text", "[core]") {
  RequestIdGenerator gen(5);
  const std::int64_t t = 1'763'800'000'000;
  std::int64_t prev = 0;
  for (int i = 0; i < 20000; ++i) {  // more than one millisecond's sequence space
    const auto id = gen.next(t);
    REQUIRE(id > prev);
    prev = id;
  }
  const auto id = gen.next(t + 5000);
  CHECK(request_id_time_ms(id) == t + 5000);
  CHECK(id >= first_request_id_at(t + 5000));
  const auto text = format_request_id(id);
  CHECK(text.size() == 20);
  CHECK(parse_request_id(text) == id);
  CHECK(parse_request_id(text.substr(4)) == id);
  CHECK_FALSE(parse_request_id("req_xyz").has_value());
  CHECK_FALSE(parse_request_id("req_ffffffffffffffff").has_value());
  RequestIdGenerator other(6);
  CHECK(other.next(t) != RequestIdGenerator(5).next(t));
}

// Issue 15: two processes writing one logs database must not mint the same id. The old ids were
// time, a 6-bit worker lane and a sequence, so worker 0 of two processes shared a lane.
TEST_CASE("RequestIdGenerator: generators of different processes never collide, threads of one share it", "[core]") {
  const std::int64_t t = 1'763'800'000'000;
  RequestIdGenerator a(1);
  RequestIdGenerator b(2);
  std::set<std::int64_t> seen;
  for (int ms = 0; ms < 50; ++ms) {
    for (int i = 0; i < 100; ++i) {  // under the 128 a millisecond holds: time stays exact
      const auto x = a.next(t + ms);
      const auto y = b.next(t + ms);
      CHECK(request_id_time_ms(x) == t + ms);
      REQUIRE(seen.insert(x).second);
      REQUIRE(seen.insert(y).second);
    }
  }
  CHECK(a.tag() == 1);
  CHECK(RequestIdGenerator(0x1001).tag() == 1);  // 12 bits

  // The default tag is random per generator (per process).
  std::set<std::uint32_t> tags;
  for (int i = 0; i < 16; ++i) {
    tags.insert(RequestIdGenerator().tag());
  }
  CHECK(tags.size() > 1);

  // Every thread of a process takes ids from the one generator: unique, each thread's increasing.
  RequestIdGenerator shared(7);
  std::vector<std::vector<std::int64_t>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&shared, &out, t] {
      for (int i = 0; i < 5000; ++i) {
        out.push_back(shared.next(t + i / 50));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<std::int64_t> all;
  for (const auto& out : per_thread) {
    CHECK(std::is_sorted(out.begin(), out.end()));
    all.insert(out.begin(), out.end());
  }
  CHECK(all.size() == 4 * 5000);
}

TEST_CASE("text: suggestions, UTF-8, slugs and masking", "[core]") {
  const std::vector<std::string> cands{"provider", "model", "migrate", "stats", "status"};
  CHECK(suggest("provdier", cands) == "provider");
  // A dropped letter beats a wrong one; a swap beats both.
  CHECK(suggest("staus", cands) == "status");
  CHECK(suggest("stast", cands) == "stats");
  CHECK(suggest("stauts", cands) == "status");
  CHECK(suggest("mig", cands) == "migrate");
  CHECK_FALSE(suggest("zzzzzz", cands).has_value());
  CHECK(did_you_mean("modle", cands) == " (did you mean 'model'?)");
  const std::vector<std::string> ids{"alive", "dead", "oa", "baseURL"};
  CHECK(suggest("ded", ids) == "dead");
  CHECK(suggest("ao", ids) == "oa");
  CHECK(suggest("baseUrl", ids) == "baseURL");  // case slips are cheap
  CHECK_FALSE(suggest("nosuch", ids).has_value());

  CHECK(is_valid_utf8("héllo ✓ 😀"));
  CHECK_FALSE(is_valid_utf8("\xc3\x28"));
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK(to_valid_utf8("héllo ✓ 😀") == "héllo ✓ 😀");
  CHECK(to_valid_utf8("a\xff\xfe\xc3\x28" "b") == "a\uFFFD\uFFFD\uFFFD(b");  // one U+FFFD per bad byte
  CHECK(to_valid_utf8("\xe2\x9c") == "\uFFFD\uFFFD");                       // cut sequence
  CHECK(is_valid_utf8(to_valid_utf8("\xed\xa0\x80\xc0\xaf")));

  CHECK(is_slug("lm-studio"));
  CHECK(is_slug("a"));
  CHECK_FALSE(is_slug("-x"));
  CHECK_FALSE(is_slug("Upper"));
  CHECK_FALSE(is_slug("../etc"));
  CHECK_FALSE(is_slug(std::string(65, 'a')));
  CHECK(is_model_id("qwen3-max"));
  CHECK(is_model_id("openai/gpt-4o"));
  CHECK_FALSE(is_model_id("../../etc/passwd"));
  CHECK_FALSE(is_model_id("has space"));

  CHECK(mask_secret("sk-abcdefghijklmnop1234") == "sk-…1234");
  CHECK(mask_secret("abcdefghijklmnop1234") == "…1234");
  CHECK(mask_secret("short") == "••••");
  CHECK(mask_secret("env:OPENAI_API_KEY") == "env:OPENAI_API_KEY");
}

TEST_CASE("parse_json: a duplicate key anywhere is refused, naming it", "[core]") {
  // What boost::json alone would build from each text: the last value of a duplicate wins.
  const std::pair<std::string, std::string> cases[] = {
      {R"({"model":"a","model":"b"})", "model"},
      {R"({"model":"a","mo\u0064el":"b"})", "model"},  // the same key once unescaped
      {R"({"stream":false,"x":1,"stream":true})", "stream"},
      {R"({"messages":[],"messages":[{"role":"user"}]})", "messages"},
      {R"({"temperature":1,"temperature":2})", "temperature"},
  };
  for (const auto& [text, key] : cases) {
    CAPTURE(text);
    try {
      (void)parse_json(text, "JSON body");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::kInvalidArgument);
      CHECK(std::string(e.what()) == "invalid JSON body: duplicate key \"" + key +
                                         "\" (each key may appear once per object)");
      CHECK(e.param() == key);
    }
  }
  try {
    (void)parse_json(R"({"messages":[{"role":"user","content":"x","role":"system"}]})", "JSON body");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "invalid JSON body: duplicate key \"role\" in a nested object (each key may appear once per object)");
    CHECK(e.param().empty());
  }
  // A control character in the key is escaped in the message.
  CHECK_THROWS_WITH(parse_json("{\"a\\u001b[2J\":1,\"a\\u001b[2J\":2}"), Catch::Contains(R"("a\u001b[2J")"));
  // Equal keys in different objects, and equal values, are fine; the value is what boost::json builds.
  const std::string fine = R"({"a":{"k":1},"b":{"k":[{"k":2},{"k":3}]},"c":"k","d":[1,2.5,true,null,"s"],"e":{}})";
  CHECK(parse_json(fine) == boost::json::parse(fine));
  CHECK_THROWS_AS(parse_json(R"({"a":1} x)"), Error);
  CHECK_THROWS_AS(parse_json(""), Error);
}
