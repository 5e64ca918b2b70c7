#include <catch2/catch.hpp>

#include <boost/beast/http/message.hpp>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/wire.hpp"

using router::http::format_request_head;
using router::http::format_response_head;

// Issue 12, item 4: the request line is the one place an unchecked value (an upstream's chat id)
// could end the line early and turn the rest into headers or a second request.
TEST_CASE("wire: a request target with a space or a control character is refused", "[http]") {
  std::string out;
  for (const std::string& target : std::vector<std::string>{"/a?id=x\r\nX-Injected: 1", "/a\nb", "/a b", std::string("/a\0b", 4), "/a\x7f", ""}) {
    INFO(target);
    CHECK_THROWS_AS(format_request_head(out, "POST", target, "h", {}, 0), router::core::Error);
  }
  format_request_head(out, "GET", "/v1/models?x=%20y", "h", {{"X-Ok", "1"}, {"X-Bad", "a\r\nb"}, {"X-Nul", std::string("a\0b", 3)}}, 0);
  CHECK(out == "GET /v1/models?x=%20y HTTP/1.1\r\nHost: h\r\nX-Ok: 1\r\n\r\n");
}

// Issue 12, item 3: 1xx, 204 and 304 never carry a body, so no framing header either.
TEST_CASE("wire: responses that never have a body get no Content-Length or Transfer-Encoding", "[http]") {
  namespace bhttp = boost::beast::http;
  std::string out;
  for (const auto status : {bhttp::status::no_content, bhttp::status::not_modified}) {
    bhttp::response_header<> head;
    head.result(status);
    format_response_head(out, head, 0, true, true);
    CHECK(out.find("Content-Length") == std::string::npos);
    CHECK(out.find("Transfer-Encoding") == std::string::npos);
    format_response_head(out, head, std::nullopt, true, true);
    CHECK(out.find("Transfer-Encoding") == std::string::npos);
  }
  bhttp::response_header<> ok;
  ok.result(bhttp::status::ok);
  format_response_head(out, ok, 0, true, true);
  CHECK(out.find("Content-Length: 0\r\n") != std::string::npos);
}
