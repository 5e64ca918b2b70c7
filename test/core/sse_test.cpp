#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/sse.hpp"

using router::core::SseEvent;
using router::core::SseParser;

namespace {

struct Seen {
  std::string event;
  std::string data;
  std::string raw;
  bool has_data;
};

std::vector<Seen> parse_in_pieces(std::string_view input, std::size_t piece) {
  SseParser p;
  std::vector<Seen> out;
  auto cb = [&](const SseEvent& e) { out.push_back({std::string(e.event), std::string(e.data), std::string(e.raw), e.has_data}); };
  for (std::size_t i = 0; i < input.size(); i += piece) {
    REQUIRE(p.feed(input.substr(i, piece), cb));
  }
  p.finish(cb);
  return out;
}

}  // namespace

TEST_CASE("SseParser: any split of the input yields the same events and byte-exact raw blocks", "[core]") {
  const std::string input =
      "data: {\"a\":1}\n\n"
      ": keep-alive comment\n\n"
      "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n"
      "data: line one\ndata: line two\n\n"
      "event: ping\rdata:nospace\r\r"
      "id: 7\nretry: 100\ndata: [DONE]\n\n";
  for (std::size_t piece = 1; piece <= input.size(); ++piece) {
    CAPTURE(piece);
    const auto ev = parse_in_pieces(input, piece);
    REQUIRE(ev.size() == 6);
    CHECK(ev[0].data == "{\"a\":1}");
    CHECK(ev[0].raw == "data: {\"a\":1}\n\n");
    CHECK_FALSE(ev[1].has_data);
    CHECK(ev[1].raw == ": keep-alive comment\n\n");
    CHECK(ev[2].event == "message_start");
    CHECK(ev[2].data == "{\"type\":\"message_start\"}");
    CHECK(ev[2].raw == "event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n");
    CHECK(ev[3].data == "line one\nline two");
    CHECK(ev[4].event == "ping");
    CHECK(ev[4].data == "nospace");
    CHECK(ev[5].data == "[DONE]");
    std::string joined;
    for (const auto& e : ev) {
      joined += e.raw;
    }
    CHECK(joined == input);
  }
}

TEST_CASE("SseParser: an unfinished block stays pending and an oversized one fails", "[core]") {
  SseParser p(64);
  int n = 0;
  auto cb = [&](const SseEvent&) { ++n; };
  REQUIRE(p.feed("data: complete\n\ndata: cut in the mid", cb));
  CHECK(n == 1);
  CHECK(p.pending_bytes() == std::string_view("data: cut in the mid").size());
  CHECK_FALSE(p.feed(std::string(100, 'x'), cb));
  CHECK_FALSE(p.feed("\n\n", cb));  // stays failed
}
