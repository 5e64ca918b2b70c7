#include "server/stream_relay.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <utility>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "server/context.hpp"
#include "server/dispatcher.hpp"

namespace router::server {

namespace bhttp = boost::beast::http;
using core::ErrorCode;

namespace {

constexpr std::size_t kReadWindow = 16 * 1024;

std::int64_t since_us(std::int64_t start_ns) { return (core::mono_ns() - start_ns) / 1000; }

}  // namespace

// What a translating provider emits: rendered for the client, kept for the log.
class StreamRelay::Sink final : public providers::ChunkSink {
 public:
  explicit Sink(StreamRelay& relay) : relay_(relay) {}
  void chunk(boost::json::object&& c) override {
    relay_.assembler_.add(c);
    if (!relay_.s_.passthrough) {
      relay_.s_.egress.chunk(c, relay_.out_);
    }
  }

 private:
  StreamRelay& relay_;
};

StreamRelay::StreamRelay(Setup setup)
    : s_(setup), assembler_(setup.max_log_body), buf_(std::make_unique_for_overwrite<char[]>(kReadWindow)) {}

void StreamRelay::start(std::shared_ptr<http::ResponseListener> keep) {
  keep_ = std::move(keep);
  read();
}

void StreamRelay::read() {
  s_.upstream->read_some(buf_.get(), kReadWindow,
                         [this, keep = keep_.lock()](boost::beast::error_code ec, std::size_t got) { on_data(ec, got); });
}

void StreamRelay::on_data(boost::beast::error_code ec, std::size_t got) {
  if (s_.owner.stop_if_interrupted()) {
    return;
  }
  if (got > 0) {
    if (!sse_.feed(std::string_view(buf_.get(), got), [this](const core::SseEvent& ev) { on_event(ev); })) {
      return failed("upstream sent an event larger than the limit");
    }
    if (event_failure_) {
      return failed(std::exchange(event_failure_, std::nullopt).value());
    }
  }
  if (ec) {
    const auto [code, what] = http::describe_io_error(ec);
    return failed(fmt::format("provider '{}': stream broke: {}", s_.provider.id(), what), code);
  }
  // After an error event the upstream may still end its stream: that end must be seen here,
  // or flush() would wait on a finished message for bytes that never come.
  if (ended_ && !s_.upstream->message_done()) {
    return flush();
  }
  if (s_.upstream->message_done()) {
    return on_upstream_end();
  }
  flush();
}

void StreamRelay::on_upstream_end() {
  sse_.finish([this](const core::SseEvent& ev) { on_event(ev); });
  if (sse_.pending_bytes() == 0) {
    s_.upstream->release();
  } else {
    s_.upstream->close();  // cut mid-event
  }
  if (!done_seen_ && !ended_) {
    if (s_.exchange.chunk_stream()) {
      return failed(fmt::format("provider '{}': stream ended without [DONE]", s_.provider.id()));
    }
    Sink sink(*this);
    auto last = core::capture([&] { return s_.exchange.on_end(sink); });
    if (!last) {
      return failed(last.error().what());
    }
    if (last->state == providers::StreamStep::State::kFailed) {
      return failed(std::move(last->error));
    }
    if (!s_.passthrough) {
      s_.egress.end(out_);
    }
    done_seen_ = true;
  }
  upstream_done_ = true;
  flush();
}

void StreamRelay::on_event(const core::SseEvent& ev) {
  if (ended_ || done_seen_ || event_failure_) {
    return;  // nothing after the end (Qwen repeats response.created after finishing)
  }
  if (s_.exchange.chunk_stream()) {
    return relay_chunks(ev);
  }
  translate(ev);
}

// An upstream in another wire: the exchange reads each event into chat chunks, which the client
// gets rendered in its dialect, or, when the upstream speaks that dialect, only the log keeps
// while the client gets the event's bytes.
void StreamRelay::translate(const core::SseEvent& ev) {
  Sink sink(*this);
  auto step = core::capture([&] { return s_.exchange.on_event(ev, sink); });
  if (!step) {
    event_failure_ = step.error().what();
    return;
  }
  if (step->state == providers::StreamStep::State::kFailed) {
    if (s_.passthrough && step->reported && output_started()) {
      // The upstream's own error event, already in the client's dialect. Before any output it
      // is a failed attempt instead, which may still fall back.
      result_.error = std::move(step->error);
      ended_ = true;
      std::string raw(ev.raw);
      s_.provider.scrub_secrets(raw);
      out_.append(raw);
      return;
    }
    event_failure_ = std::move(step->error);
    return;
  }
  if (s_.passthrough) {
    out_.append(ev.raw);
  }
  if (step->state == providers::StreamStep::State::kDone) {
    if (!s_.passthrough) {
      s_.egress.end(out_);
    }
    done_seen_ = true;
  }
}

// An OpenAI-SSE upstream: its events are chat chunks, relayed byte for byte to a client of its
// dialect and rendered through the Egress for any other.
void StreamRelay::relay_chunks(const core::SseEvent& ev) {
  if (!ev.has_data) {
    if (s_.passthrough) {
      out_.append(ev.raw);  // comments and keep-alives pass through
    }
    return;
  }
  if (ev.data == "[DONE]") {
    if (s_.passthrough) {
      out_.append(ev.raw);
    } else {
      s_.egress.end(out_);
    }
    done_seen_ = true;
    return;
  }
  unsigned char scratch[4096];
  boost::json::monotonic_resource mr(scratch, sizeof scratch);
  boost::system::error_code ec;
  auto v = boost::json::parse(ev.data, ec, &mr);
  if (ec || !v.is_object()) {
    event_failure_ = providers::malformed_event(s_.provider.id()).error;
    return;
  }
  const auto& obj = v.as_object();
  if (obj.contains("error")) {
    result_.error = fmt::format("provider '{}' reported an error mid-stream", s_.provider.id());
    ended_ = true;
    if (!s_.passthrough) {
      return s_.egress.fail(ErrorCode::kUpstreamFailed, result_.error, out_);
    }
    std::string raw(ev.raw);  // the upstream's own error event, already in the dialect's shape
    s_.provider.scrub_secrets(raw);
    out_.append(raw);
    return;
  }
  assembler_.add(obj);
  const auto* choices = obj.if_contains("choices");
  const bool usage_only = choices != nullptr && choices->is_array() && choices->as_array().empty() && obj.contains("usage");
  if (usage_only && !s_.include_usage) {
    return;  // the router asked for it (audit log); the client did not
  }
  if (s_.passthrough) {
    out_.append(ev.raw);
  } else {
    s_.egress.chunk(obj, out_);
  }
}

void StreamRelay::failed(std::string message, ErrorCode code) {
  s_.provider.scrub_secrets(message);  // translators quote upstream text
  s_.upstream->close();
  if (!output_started()) {
    // Nothing reached the client: the attempt loop may fall back, else answers with an HTTP
    // error. A 200 carrying only an error event would be a stream that never started.
    return s_.owner.stream_failed_early(core::Error(code, std::move(message)));
  }
  // Bytes reached the client: no fallback, no fake terminal event; an honest error event ends it.
  fail(ErrorCode::kUpstreamFailed, message);
}

void StreamRelay::fail(ErrorCode code, const std::string& message) {
  s_.upstream->close();
  ended_ = true;
  result_.error = message;
  s_.egress.fail(code, message, out_);
  upstream_done_ = true;
  flush();
}

void StreamRelay::abandon() {
  if (headers_sent_) {
    s_.call.session->stream_write({}, true);
  }
}

void StreamRelay::flush() {
  if (out_.empty() && !upstream_done_) {
    return read();  // nothing for the client yet (before the head: keep the chance of a fallback)
  }
  const bool last = upstream_done_;
  const auto received_ns = s_.call.session->received_ns();
  if (!result_.ttft_us && assembler_.has_output()) {
    result_.ttft_us = since_us(received_ns);
  }
  result_.bytes += static_cast<std::int64_t>(out_.size());
  if (!headers_sent_) {
    http::ResponseHead head{bhttp::status::ok, s_.call.request.version()};
    head.set(bhttp::field::server, "router");
    head.set(bhttp::field::content_type, "text/event-stream");
    head.set(bhttp::field::cache_control, "no-cache");
    head.set("X-Accel-Buffering", "no");
    head.set("X-Request-Id", s_.call.request_id_text);
    head.set(kPinHeader, s_.provider.id());
    if (s_.call.worker.shared.draining.load(std::memory_order_relaxed)) {
      head.keep_alive(false);
    }
    headers_sent_ = true;
    result_.ttfb_us = since_us(received_ns);
    s_.call.session->stream_begin(std::move(head), keep_.lock(), out_, last);
  } else {
    s_.call.session->stream_write(out_, last);
  }
  if (last) {
    end();
  }
}

// The last write is on its way (the session holds the call until it completes).
void StreamRelay::end() {
  // The log keeps the answer in the dialect the client spoke: a chat completion, one Messages
  // `message`, one Responses `response`.
  result_.body = s_.egress.reply(assembler_.result());
  s_.provider.scrub_secrets(*result_.body);
  result_.body_truncated = assembler_.truncated();
  result_.usage = assembler_.usage();
  s_.owner.stream_ended();
}

void StreamRelay::on_write_done() {
  out_.clear();
  if (!s_.owner.stop_if_interrupted()) {
    flush();
  }
}

}  // namespace router::server
