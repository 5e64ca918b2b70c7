#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "providers/provider.hpp"
#include "support/mock_upstream.hpp"

namespace router::test {

/// The bytes of a recorded-style transcript under test/fixtures/ ("qwen/stream_answer.sse").
[[nodiscard]] std::string fixture(std::string_view name);

/// A mock behaviour that streams `sse` as text/event-stream in pieces of `piece` bytes, cut
/// anywhere (mid-line included), each sent on its own after `gap`.
/// The config of an anthropic provider on `up` (a test key, maxTokens 1000).
[[nodiscard]] boost::json::object anthropic_config(const MockUpstream& up);

[[nodiscard]] MockBehaviour sse_transcript(std::string sse, std::size_t piece = 7,
                                           std::chrono::milliseconds gap = std::chrono::milliseconds(1));

/// Collects the chunks a translating exchange emits.
class ChunkLog final : public providers::ChunkSink {
 public:
  void chunk(boost::json::object&& c) override { chunks.push_back(std::move(c)); }
  std::vector<boost::json::object> chunks;
};

/// Feeds an SSE transcript through core::SseParser into `exchange`, in pieces of `piece` bytes,
/// then reports the end of input when it never said kDone. Returns the last step.
providers::StreamStep translate_stream(providers::Exchange& exchange, std::string_view sse, ChunkLog& sink,
                                       std::size_t piece = 5);

/// A client request as the server parses it: the JSON body, with `stream` taken from it.
[[nodiscard]] providers::ChatRequest chat_request(std::string_view json);

/// Every "data:" payload of an SSE body, in order.
[[nodiscard]] std::vector<std::string> sse_data(const std::string& body);

}  // namespace router::test
