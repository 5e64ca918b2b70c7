#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/sse.hpp"
#include "db/log_types.hpp"
#include "http/server.hpp"
#include "providers/assembler.hpp"
#include "providers/provider.hpp"
#include "routing/routing.hpp"
#include "server/dispatcher.hpp"
#include "server/upstream_io.hpp"

namespace router::server {

/// One POST /v1/chat/completions from request to log row: validation, routing, upstream attempts
/// with fallback (DESIGN.md §5), the non-streaming answer or the event-by-event stream relay
/// paced by the client, and the request log record. Completion-handler driven; it owns the
/// client session (never the reverse) and lives while one of its operations is pending.
class ProxyCall final : public std::enable_shared_from_this<ProxyCall>, public http::ResponseListener {
 public:
  explicit ProxyCall(Call&& call);
  ~ProxyCall() override;

  /// Never throws: every failure becomes a response and a log row.
  void start();

  void on_write_done(boost::beast::error_code ec) override;
  void on_client_gone() override;

 private:
  // Why an attempt ended without an answer the client can have.
  struct Failure {
    core::ErrorCode code = core::ErrorCode::kUpstreamFailed;
    std::string message;
    std::optional<int> status;           ///< upstream HTTP status, when one arrived
    std::optional<providers::ErrorReply> reply;  ///< the client-facing error of an upstream status
    std::string retry_after;
  };

  class Chunks;

  void parse_request();
  void next_attempt();
  void step();
  void on_setup(FetchResult&& r);
  void connect();
  void on_connected(boost::beast::error_code ec, http::UpstreamConnectionPtr conn);
  void send();
  void on_sent(boost::beast::error_code ec, std::size_t n);
  void on_head(boost::beast::error_code ec, std::size_t n);
  void bodyless_answer(int status);
  void read_full();
  void on_full(boost::beast::error_code ec, std::size_t n);
  void begin_stream();
  void read_stream();
  void on_stream_data(boost::beast::error_code ec, std::size_t n);
  void on_event(const core::SseEvent& ev);
  void stream_failed(std::string message, bool retryable, core::ErrorCode code = core::ErrorCode::kUpstreamFailed);
  void note_output();
  void end_stream();
  void flush();

  /// An attempt failed; falls back when allowed and a candidate is left, else answers.
  void attempt_failed(Failure f, bool retryable);
  void io_failed(const boost::beast::error_code& ec, bool before_response);
  void record_attempt(std::optional<int> status, std::string error);
  void answer_error(const Failure& f);
  void respond(int status, std::string body, std::string_view retry_after = {});
  void finish(int status, db::Outcome outcome, std::string error);
  bool aborted();
  /// Pools the connection if `last` ended cleanly (UpstreamPool::release), else closes it.
  void release_connection(const boost::beast::http::basic_parser<false>& last);
  void close_connection();
  [[nodiscard]] const routing::Candidate& candidate() const { return decision_.candidates[attempt_ - 1]; }

  Call call_;
  providers::ChatRequest chat_;
  routing::Decision decision_;
  db::RequestLog log_;
  std::size_t attempt_ = 0;  // candidates tried so far
  std::unique_ptr<providers::Exchange> exchange_;
  std::int64_t attempt_start_ns_ = 0;
  bool stale_retry_done_ = false;
  http::WireMessage wire_;
  http::UpstreamConnectionPtr conn_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> head_parser_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> full_parser_;
  http::Timer deadline_;
  std::optional<Failure> last_failure_;

  // streaming
  core::SseParser sse_;
  std::optional<providers::StreamAssembler> assembler_;
  std::unique_ptr<char[]> read_buf_;  // streams only: a 16 KiB read window, not zeroed
  std::string out_;
  std::int64_t out_bytes_ = 0;
  bool passthrough_ = true;
  bool headers_sent_ = false;
  bool upstream_done_ = false;  // the upstream stream is over (complete or failed)
  bool done_seen_ = false;      // [DONE] (or the translated equivalent) reached out_
  bool stream_error_ = false;
  std::string stream_error_text_;
  std::optional<std::pair<std::string, bool>> event_failure_;  // set inside the SSE callback, acted on after it

  bool client_gone_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace router::server
