// A client's request as the server reads it: bytes, split anywhere, through the Beast request
// parser with the server's header and body limits, then what the dispatcher does before a handler
// runs (the Host check, target splitting, query decoding, route matching), then the chat body
// validation (duplicate keys included). Any bytes end in a parsed request or an error, never a
// crash, a hang or an unbounded allocation.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"
#include "fuzz_support.hpp"
#include "http/server.hpp"
#include "providers/provider.hpp"
#include "server/dispatcher.hpp"

namespace {

namespace bhttp = boost::beast::http;
using Parser = bhttp::request_parser<bhttp::string_body>;

// A small body limit keeps the interesting edge (over the limit or not) reachable.
constexpr std::size_t kBodyLimit = 4096;

void dispatch(Parser& parser) {
  auto req = parser.release();
  if (!router::http::valid_host_fields(req)) {
    return;  // a 400: no Host (HTTP/1.1), two, or not host[:port]
  }
  const std::string_view target(req.target().data(), req.target().size());
  const auto parsed = router::server::parse_target(target);
  if (!parsed) {
    return;  // a 400 "malformed query string"
  }
  for (const auto& [k, v] : parsed->query) {
    if (!router::core::is_valid_utf8(k) || !router::core::is_valid_utf8(v)) {
      __builtin_trap();  // decoded parameters reach SQL filters and JSON documents
    }
  }
  std::vector<std::string> params;
  std::string allowed;
  const auto* route = router::server::find_route(req.method(), parsed->path, params, allowed);
  for (const auto& p : params) {
    if (!router::core::is_valid_utf8(p) || p.find('\0') != std::string::npos) {
      __builtin_trap();
    }
  }
  if (route != nullptr && route->pattern == "/v1/chat/completions") {
    try {
      (void)router::providers::parse_chat_request(req.body());
    } catch (const router::core::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = router::fuzz::split_input(data, size, 512);
  if (!split) {
    return 0;
  }
  const auto [piece, input] = *split;
  const router::http::ServerLimits limits;
  // Requests follow each other on a keep-alive connection: parse as many as the bytes hold.
  std::string buffer;
  std::size_t fed = 0;
  while (true) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      if (!buffer.empty()) {
        const auto n = parser.put(boost::asio::buffer(buffer), ec);
        buffer.erase(0, n);
        if (ec == bhttp::error::need_more) {
          ec = {};
        } else if (ec) {
          return 0;  // rejected: 400, 413 or 431, and the connection closes
        } else if (n > 0) {
          continue;
        }
      }
      if (fed >= input.size()) {
        parser.put_eof(ec);
        if (!ec && parser.is_done()) {
          dispatch(parser);
        }
        return 0;
      }
      const auto next = input.substr(fed, piece);
      buffer.append(next);
      fed += next.size();
    }
    dispatch(parser);
    if (!parser.keep_alive()) {
      return 0;
    }
  }
}
