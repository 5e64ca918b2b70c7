#include "support/fixtures.hpp"

#include <thread>

#include <boost/json.hpp>

#include "core/sse.hpp"
#include "support/temp_dir.hpp"

namespace router::test {

std::string fixture(std::string_view name) {
  return read_file(std::filesystem::path(ROUTER_FIXTURES) / std::string(name));
}

boost::json::object anthropic_config(const MockUpstream& up) {
  return {{"apiKey", "sk-ant-upstream-000000000001"}, {"baseURL", up.url()}, {"maxTokens", 1000}};
}

MockBehaviour sse_transcript(std::string sse, std::size_t piece, std::chrono::milliseconds gap) {
  return [sse = std::move(sse), piece, gap](const MockRequest&, MockConn& c) {
    c.begin_chunked();
    for (std::size_t off = 0; off < sse.size(); off += piece) {
      if (!c.chunk(std::string_view(sse).substr(off, piece))) {
        return;
      }
      std::this_thread::sleep_for(gap);
    }
    c.end_chunked();
  };
}

providers::StreamStep translate_stream(providers::Exchange& exchange, std::string_view sse, ChunkLog& sink,
                                       std::size_t piece) {
  core::SseParser parser;
  providers::StreamStep last;
  bool over = false;
  const auto on_event = [&](const core::SseEvent& ev) {
    if (over) {
      return;
    }
    last = exchange.on_event(ev, sink);
    over = last.state != providers::StreamStep::State::kContinue;
  };
  for (std::size_t off = 0; off < sse.size() && !over; off += piece) {
    (void)parser.feed(sse.substr(off, piece), on_event);
  }
  parser.finish(on_event);
  if (!over) {
    last = exchange.on_end(sink);
  }
  return last;
}

providers::ChatRequest chat_request(std::string_view json) {
  providers::ChatRequest r;
  r.body = boost::json::parse(json).as_object();
  if (const auto* s = r.body.if_contains("stream"); s != nullptr && s->is_bool()) {
    r.stream = s->as_bool();
  }
  return r;
}

std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const auto end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

}  // namespace router::test
