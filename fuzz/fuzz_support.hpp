#pragma once

// Shared by the stream-translator fuzz targets: feeding bytes through the SSE parser into an
// exchange, and a session store that keeps nothing.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <string_view>

#include "core/error.hpp"
#include "core/sse.hpp"
#include "providers/provider.hpp"

namespace router::fuzz {

class NullSink final : public providers::ChunkSink {
 public:
  void chunk(boost::json::object&& c) override {
    // Every chunk must serialise: the server writes it to the client as is.
    bytes += boost::json::serialize(c).size();
  }
  std::size_t bytes = 0;
};

class OneSessionStore final : public providers::SessionStore {
 public:
  std::optional<providers::SessionState> find(std::string_view, std::int64_t) override { return state; }
  void put(std::string_view, std::string_view, const providers::SessionState& s, std::int64_t) override { state = s; }
  std::optional<providers::SessionState> state;
};

/// A fuzz input as its first byte (which picks how the rest is split, 1..`max_piece` bytes a
/// piece) and the rest; nullopt for an empty input.
inline std::optional<std::pair<std::size_t, std::string_view>> split_input(const std::uint8_t* data, std::size_t size,
                                                                           std::size_t max_piece) {
  if (size == 0) {
    return std::nullopt;
  }
  return std::pair{1 + data[0] % max_piece, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

/// A streaming client request with `json` as its body.
inline providers::ChatRequest chat_request(std::string_view json, bool include_usage) {
  providers::ChatRequest req;
  req.body = boost::json::parse(json).as_object();
  req.stream = true;
  req.include_usage = include_usage;
  return req;
}

/// Splits `input` into pieces of `piece` bytes and drives `ex` like the server does: events until
/// kDone/kFailed, then on_end at EOF. Translators may throw core::Error (the server catches it).
inline void drive(providers::Exchange& ex, std::string_view input, std::size_t piece) {
  core::SseParser parser(64 * 1024);
  NullSink sink;
  bool over = false;
  const auto on_event = [&](const core::SseEvent& ev) {
    if (over) {
      return;
    }
    try {
      over = ex.on_event(ev, sink).state != providers::StreamStep::State::kContinue;
    } catch (const core::Error&) {
      over = true;
    }
  };
  for (std::size_t off = 0; off < input.size() && !over; off += piece) {
    if (!parser.feed(input.substr(off, piece), on_event)) {
      return;
    }
  }
  parser.finish(on_event);
  if (!over) {
    try {
      (void)ex.on_end(sink);
    } catch (const core::Error&) {
    }
  }
}

/// reply() and error_reply() on the same bytes: errors are fine, crashes are not.
inline void replies(providers::Exchange& ex, std::string_view input) {
  try {
    (void)ex.reply(std::string(input));
  } catch (const core::Error&) {
  }
  (void)ex.error_reply(529, "application/json", input);
  (void)ex.error_reply(403, "text/html", input);
}

}  // namespace router::fuzz
