#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "db/body_split.hpp"

using router::db::decode_layout;
using router::db::encode_layout;
using router::db::envelope_of;
using router::db::join_body;
using router::db::kMinItemBytes;
using router::db::pack;
using router::db::split_body;
using router::db::unpack;

namespace {

std::string long_text(char c) { return std::string(kMinItemBytes, c); }

// Splits, stores every item under a fake id, and joins again.
std::string round_trip(const std::string& body, std::vector<std::string>* items_out = nullptr) {
  const auto split = split_body(body);
  std::vector<std::int64_t> ids;
  std::vector<std::string> items;
  for (std::size_t i = 0; i < split.items.size(); ++i) {
    ids.push_back(static_cast<std::int64_t>(i) * 1000 + 7);
    items.push_back(split.text.substr(split.items[i].offset, split.items[i].size));
  }
  const auto layout = decode_layout(encode_layout(split, ids));
  REQUIRE(layout.size() == items.size());
  for (std::size_t i = 0; i < layout.size(); ++i) {
    CHECK(layout[i].item_id == ids[i]);
  }
  if (items_out != nullptr) {
    *items_out = items;
  }
  return join_body(unpack(pack(envelope_of(split))), layout, items);
}

}  // namespace

TEST_CASE("split_body cuts messages and tools at element boundaries, byte-exact", "[db][bodies]") {
  const std::string sys = R"({"role":"system","content":")" + long_text('s') + R"("})";
  const std::string tool = R"({ "type" : "function", "function": {"name":"f","description":")" + long_text('t') +
                           R"(\"quoted\\"}})";
  const std::string user = "{\"role\":\"user\",\"content\":\"caf\\u00e9 \\ud83d\\ude00 \\\\\\\" " + long_text('u') + "\"}";
  const std::string body = "{ \"model\" : \"m\",\n  \"messages\" :[ " + sys + " ,\n\t" + user +
                           ",{\"role\":\"user\",\"content\":\"hi\"}  ],\"tools\":[" + tool + "] , \"stream\":true }";
  std::vector<std::string> items;
  CHECK(round_trip(body, &items) == body);
  REQUIRE(items.size() == 3);  // the short "hi" message stays in the envelope
  CHECK(items[0] == sys);
  CHECK(items[1] == user);
  CHECK(items[2] == tool);
  const auto split = split_body(body);
  CHECK(envelope_of(split).find("\"hi\"") != std::string::npos);
  // The same message in another body has the same key.
  const auto other = split_body("{\"messages\":[" + sys + "]}");
  REQUIRE(other.items.size() == 1);
  CHECK(other.items[0].hash == split.items[0].hash);
}

TEST_CASE("split_body keeps odd bodies whole or partly split, always exact", "[db][bodies]") {
  const std::string msg = R"({"role":"user","content":")" + long_text('x') + R"("})";
  const std::vector<std::string> bodies{
      "",
      "not json at all",
      "[1,2,3]",
      "{}",
      "{\"messages\":[]}",
      "{\"messages\":\"" + long_text('y') + "\"}",                // a string, not an array
      "{\"messages\":[" + msg + "," + msg.substr(0, 50),          // cut short (logging.max_body_bytes)
      "{\"messages\":[" + msg + "],\"input\":[" + msg + "]",      // missing the final brace
      "{\"system\":\"" + long_text('z') + "\",\"messages\":[" + msg + "]}",
      "\xef\xbb\xbf{\"messages\":[" + msg + "]}",                 // a BOM: not split, still exact
      "{\"a\":\"}\\\"]\",\"messages\":[" + msg + "]}",             // brackets and quotes inside strings
  };
  for (const auto& body : bodies) {
    CAPTURE(body);
    CHECK(round_trip(body) == body);
  }
  CHECK(split_body(bodies[6]).items.size() == 1);
  CHECK(split_body(bodies[8]).items.size() == 2);
}

TEST_CASE("pack compresses what it can and unpack refuses damaged blobs", "[db][bodies]") {
  const std::string text(10000, 'a');
  const auto packed = pack(text);
  CHECK(packed.size() < 200);
  CHECK(unpack(packed) == text);
  CHECK(unpack(pack("short")) == "short");
  CHECK(pack("short").size() == 6);
  auto damaged = packed;
  damaged[packed.size() / 2] = static_cast<char>(damaged[packed.size() / 2] ^ 0x55);
  CHECK_THROWS_AS(unpack(damaged), router::core::Error);
  CHECK_THROWS_AS(unpack(""), router::core::Error);
  CHECK_THROWS_AS(unpack(std::string("\x07zz", 3)), router::core::Error);
  CHECK_THROWS_AS(decode_layout("\xff"), router::core::Error);
}
