#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/sse.hpp"
#include "dialects/egress.hpp"
#include "http/server.hpp"
#include "http/upstream_call.hpp"
#include "providers/assembler.hpp"
#include "providers/provider.hpp"

namespace router::server {

struct Call;

/// What the relay needs from the call it serves.
class RelayOwner {
 public:
  virtual ~RelayOwner() = default;
  /// True once the call was interrupted (client gone, deadline); the owner has then finished it
  /// or is finishing it, and the relay stops.
  [[nodiscard]] virtual bool stop_if_interrupted() = 0;
  /// The stream failed before any byte reached the client: the attempt loop decides what next.
  virtual void stream_failed_early(core::Error error) = 0;
  /// The stream is over (complete, or ended by an error event) and its last write is on its way.
  virtual void stream_ended() = 0;
};

/// One streamed answer from the upstream's head to the client's last chunk: reads the upstream
/// in 16 KiB windows paced by the client's writes, splits events (SSE parser, which bounds each
/// event), and renders them through the client's Egress, or relays them byte for byte when the
/// upstream already speaks the client's dialect. Keeps the assembled answer for the log.
class StreamRelay {
 public:
  /// What the log learns from the stream.
  struct Result {
    std::string error;  ///< why it ended early ("" when complete)
    std::int64_t bytes = 0;
    std::optional<std::int64_t> ttfb_us;
    std::optional<std::int64_t> ttft_us;
    std::optional<std::string> body;  ///< the assembled answer in the client's dialect, credentials masked
    bool body_truncated = false;
    std::optional<providers::Usage> usage;
  };

  struct Setup {
    Call& call;
    RelayOwner& owner;
    dialects::Egress& egress;
    bool passthrough;  ///< the upstream speaks the client's dialect: relay its events as they are
    providers::Exchange& exchange;
    const providers::Provider& provider;
    http::UpstreamCallPtr upstream;
    bool include_usage;
    std::size_t max_log_body;
  };

  explicit StreamRelay(Setup setup);

  /// Starts reading; `owner` stays alive while an operation is pending, and hears of the
  /// client's writes (the session's listener).
  void start(std::shared_ptr<http::ResponseListener> owner);
  /// A client write finished without error.
  void on_write_done();
  /// True once the response head went to the client: nothing can fall back any more.
  [[nodiscard]] bool output_started() const noexcept { return headers_sent_ || !out_.empty(); }
  /// Ends the stream with an error event (request deadline); the owner finishes on stream_ended.
  void fail(core::ErrorCode code, const std::string& message);
  /// The client is gone: ends the response if it had begun.
  void abandon();
  [[nodiscard]] Result& result() noexcept { return result_; }

 private:
  void read();
  void on_data(boost::beast::error_code ec, std::size_t got);
  void on_event(const core::SseEvent& ev);
  void on_upstream_end();
  void relay_chunks(const core::SseEvent& ev);
  void translate(const core::SseEvent& ev);
  void failed(std::string message, core::ErrorCode code = core::ErrorCode::kUpstreamFailed);
  void flush();
  void end();

  class Sink;

  Setup s_;
  // Weak: the pending read or client write holds the owner; a strong copy here, inside the
  // owner, would keep it forever.
  std::weak_ptr<http::ResponseListener> keep_;
  core::SseParser sse_;
  providers::StreamAssembler assembler_;
  std::unique_ptr<char[]> buf_;  // a 16 KiB read window, not zeroed
  std::string out_;
  Result result_;
  bool headers_sent_ = false;
  bool upstream_done_ = false;  // the upstream stream is over (complete or failed)
  bool done_seen_ = false;      // the stream's terminal event reached out_
  bool ended_ = false;          // ended by an error (upstream's own error event, or ours)
  std::optional<std::string> event_failure_;  // set inside the SSE callback, acted on after it
};

}  // namespace router::server
