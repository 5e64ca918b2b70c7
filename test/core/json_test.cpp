#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "core/error.hpp"
#include "core/json.hpp"

using router::core::compact_json;
using router::core::pretty_json;

TEST_CASE("json: doubles print as the shortest decimal that round-trips, never in exponent form", "[core]") {
  // Boost's own serializer writes these as 4.10256E-1 and 0E0.
  CHECK(compact_json(boost::json::value(0.410256)) == "0.410256");
  CHECK(compact_json(boost::json::value(0.0)) == "0");
  CHECK(compact_json(boost::json::value(12.5)) == "12.5");
  CHECK(compact_json(boost::json::value(0.1 + 0.2)) == "0.30000000000000004");
  CHECK(compact_json(boost::json::value(std::numeric_limits<double>::quiet_NaN())) == "null");
  CHECK(compact_json(boost::json::value(std::numeric_limits<double>::infinity())) == "null");
  const boost::json::value doc{{"rate", 0.25}, {"n", 3}, {"s", "a\"b"}, {"list", {1.5, nullptr, true}}};
  CHECK(compact_json(doc) == R"({"rate":0.25,"n":3,"s":"a\"b","list":[1.5,null,true]})");
  CHECK(pretty_json(doc).find("\"rate\": 0.25") != std::string::npos);

  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-30, 30);
  for (int i = 0; i < 2000; ++i) {
    const double d = std::ldexp(mantissa(rng), exponent(rng));
    const std::string text = compact_json(boost::json::value(d));
    CAPTURE(d, text);
    CHECK(text.find('E') == std::string::npos);
    // strtod reads decimals exactly (Boost 1.81's parser may be off by an ulp).
    CHECK(std::strtod(text.c_str(), nullptr) == d);
  }
}

TEST_CASE("json: numbers beyond a double's range are refused, never passed on as NaN or Infinity", "[core]") {
  // Found by fuzz_chat_request: Boost reads 0e964 as NaN and 1e400 as inf, and serialises them
  // back as `NaN`/`Infinity`, so a client's body turned into an upstream body that is not JSON.
  for (const char* text : {R"({"temperature":0e964})", R"({"t":1e400})", R"([-1e999])", R"({"a":{"b":-0e+9999}})"}) {
    INFO(text);
    try {
      (void)router::core::parse_json(text, "JSON body");
      FAIL("accepted");
    } catch (const router::core::Error& e) {
      CHECK(e.code() == router::core::ErrorCode::kInvalidArgument);
      CHECK(std::string(e.what()).find("invalid JSON body") == 0);
    }
  }
  // Large but finite values still parse and round-trip as JSON.
  const auto v = router::core::parse_json(R"({"a":1e308,"b":0e10,"c":-2.5e-300})");
  CHECK(router::core::is_valid_json(boost::json::serialize(v)));
}
