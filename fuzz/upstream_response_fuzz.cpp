// An upstream's answer as the router reads it (lib/http/upstream.hpp): bytes, split anywhere,
// into the connection's capped read buffer, through the head rules both upstream clients use
// (interim 1xx skipped, 101 refused, the head limit), then the body the way each client reads
// it: the proxy's stream relay (16 KiB windows into the SSE parser) and fetch()'s whole answer
// under a body limit. Chunk lines with extensions and trailers are Beast's; the buffer cap must
// bound them. Any bytes end in an answer or an error, never a crash, a hang or an unbounded
// allocation; a connection is only reusable after a complete final answer with nothing after it.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/sse.hpp"
#include "fuzz_support.hpp"
#include "http/upstream.hpp"
#include "http/wire.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using router::http::kMaxUpstreamPending;

constexpr std::size_t kBodyLimit = 64 * 1024;  // small, so the edge stays reachable
constexpr std::size_t kWindow = 16 * 1024;     // the proxy's stream read window

// The socket: hands out the input a piece at a time.
struct Upstream {
  std::string_view rest;
  std::size_t piece;
};

// Like Beast's read_some on the router's connection: parse what the buffer holds, read more
// (never past the cap) while the parser needs more, until `done`. Returns the parser's error,
// buffer_overflow at the cap, need_buffer when a buffer_body window is full, or the EOF result.
template <typename Parser, typename Done>
beast::error_code pump(Parser& p, beast::flat_buffer& buf, Upstream& up, Done done) {
  while (!done(p)) {
    beast::error_code ec;
    if (buf.size() > 0) {
      const auto n = p.put(buf.data(), ec);
      buf.consume(n);
      if (ec && ec != bhttp::error::need_more) {
        return ec;
      }
      if (!ec) {
        continue;
      }
    }
    if (buf.size() > kMaxUpstreamPending) {
      __builtin_trap();  // the cap is what bounds chunk lines and trailers
    }
    if (up.rest.empty()) {
      p.put_eof(ec);
      return ec ? ec : (done(p) ? beast::error_code{} : bhttp::error::end_of_stream);
    }
    const auto room = buf.max_size() - buf.size();
    if (room == 0) {
      return bhttp::error::buffer_overflow;
    }
    const auto take = std::min({up.piece, room, up.rest.size()});
    std::memcpy(buf.prepare(take).data(), up.rest.data(), take);
    buf.commit(take);
    up.rest.remove_prefix(take);
  }
  return {};
}

// The head of the final answer, as async_read_final_head reads it.
template <typename Body>
bool read_final_head(std::optional<bhttp::response_parser<Body>>& p, beast::flat_buffer& buf, Upstream& up,
                     boost::optional<std::uint64_t> body_limit) {
  for (int interim = 0;; ++interim) {
    router::http::prepare_parser(p, body_limit);
    if (pump(*p, buf, up, [](const auto& q) { return q.is_header_done(); })) {
      return false;
    }
    beast::error_code ec;
    if (!router::http::skip_interim(p->get().result_int(), interim, ec)) {
      if (!ec && p->get().result_int() / 100 == 1) {
        __builtin_trap();  // a 1xx may never be taken for the answer
      }
      return !ec;
    }
  }
}

void check_reuse(const bhttp::basic_parser<false>& p, const beast::flat_buffer& buf) {
  if (router::http::reusable(p, buf) && (!p.is_done() || buf.size() != 0)) {
    __builtin_trap();
  }
}

// ProxyCall's stream relay: the body through a fixed window into the SSE parser.
void stream_path(Upstream up) {
  beast::flat_buffer buf{kMaxUpstreamPending};
  std::optional<bhttp::response_parser<bhttp::buffer_body>> p;
  if (!read_final_head(p, buf, up, boost::none)) {
    return;
  }
  router::core::SseParser sse(kBodyLimit);
  char window[kWindow];
  std::size_t events = 0;
  const auto on_event = [&](const router::core::SseEvent&) { ++events; };
  while (!p->is_done()) {
    auto& body = p->get().body();
    body.data = window;
    body.size = sizeof window;
    const auto ec = pump(*p, buf, up, [](const auto& q) { return q.is_done(); });
    const std::size_t got = sizeof window - p->get().body().size;
    if (got > 0 && !sse.feed(std::string_view(window, got), on_event)) {
      return;  // an event over the limit
    }
    if (ec && ec != bhttp::error::need_buffer) {
      return;
    }
  }
  sse.finish(on_event);
  (void)events;
  check_reuse(*p, buf);
}

// fetch(): the whole answer under a body limit.
void fetch_path(Upstream up) {
  beast::flat_buffer buf{kMaxUpstreamPending};
  std::optional<bhttp::response_parser<bhttp::string_body>> p;
  if (!read_final_head(p, buf, up, kBodyLimit)) {
    return;
  }
  if (pump(*p, buf, up, [](const auto& q) { return q.is_done(); })) {
    return;
  }
  if (p->get().body().size() > kBodyLimit) {
    __builtin_trap();
  }
  if (router::http::bodyless_status(p->get().result_int()) && !p->get().body().empty()) {
    __builtin_trap();
  }
  check_reuse(*p, buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = router::fuzz::split_input(data, size, 512);
  if (!split) {
    return 0;
  }
  const auto [piece, input] = *split;
  stream_path(Upstream{input, piece});
  fetch_path(Upstream{input, piece});
  return 0;
}
