#include "server/proxy_call.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"

namespace router::server {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using core::Error;
using core::ErrorCode;

namespace {

constexpr std::size_t kMaxUpstreamBody = 32 * 1024 * 1024;  // a chat answer larger than this is broken
constexpr std::size_t kMaxErrorBody = 1024 * 1024;
constexpr std::size_t kMaxSetupBody = 1024 * 1024;
constexpr std::string_view kPinHeader = "X-Router-Provider";
constexpr std::size_t kStreamReadBuffer = 16 * 1024;

std::int64_t since_us(std::int64_t start_ns) { return (core::mono_ns() - start_ns) / 1000; }

bool is_event_stream(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "text/event-stream";
}

std::string sse_error_event(ErrorCode code, std::string_view message) {
  boost::json::object err{{"message", message}, {"type", core::error_type(code)}, {"code", core::error_name(code)}};
  // No "event:" line: the OpenAI SDKs raise an APIError for a data line holding "error".
  return fmt::format("data: {}\n\n", boost::json::serialize(boost::json::object{{"error", std::move(err)}}));
}

db::Outcome outcome_for(const ErrorCode code, std::optional<int> status) {
  if (status && *status >= 400) {  // a 2xx that could not be used is judged by the error code
    if (*status == 408 || *status == 504) return db::Outcome::kTimeout;
    if (*status == 429 || *status >= 500) return db::Outcome::kUpstreamError;
    return db::Outcome::kClientError;
  }
  switch (code) {
    case ErrorCode::kUpstreamTimeout: return db::Outcome::kTimeout;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kPayloadTooLarge:
    case ErrorCode::kNotFound:
      return db::Outcome::kClientError;
    case ErrorCode::kNoProvider: return db::Outcome::kNoProvider;
    default: return db::Outcome::kUpstreamError;
  }
}

}  // namespace

// What a translating provider emits: serialised as SSE for the client, kept for the log.
class ProxyCall::Chunks final : public providers::ChunkSink {
 public:
  explicit Chunks(ProxyCall& call) : call_(call) {}
  void chunk(boost::json::object&& c) override {
    call_.assembler_->add(c);
    call_.out_ += "data: ";
    call_.out_ += boost::json::serialize(c);
    call_.out_ += "\n\n";
  }

 private:
  ProxyCall& call_;
};

ProxyCall::ProxyCall(Call&& call) : call_(std::move(call)), deadline_(call_.worker.ioc) {}

ProxyCall::~ProxyCall() {
  if (conn_) {
    conn_->close();
  }
}

// --- request -------------------------------------------------------------------------------------------

void ProxyCall::parse_request() {
  chat_ = providers::parse_chat_request(call_.request.body());
  log_.model_requested = chat_.model;
  log_.stream = chat_.stream;
}

void ProxyCall::start() {
  log_ = begin_log(call_);
  try {
    parse_request();
    std::optional<std::string> pinned;
    if (const auto it = call_.request.find(kPinHeader); it != call_.request.end()) {
      pinned = std::string(it->value());
      core::require_slug(*pinned, "X-Router-Provider");
    }
    decision_ = routing::decide(*call_.snapshot, chat_.model, pinned, false);
    if (decision_.candidates.empty()) {
      decision_ = routing::decide(*call_.snapshot, chat_.model, pinned, true);  // now say why
      std::vector<std::string> why;
      for (const auto& s : decision_.skipped) {
        why.push_back(fmt::format("{}: {}", s.provider_id, s.reason));
      }
      std::string msg = pinned && !call_.snapshot->find(*pinned)
                            ? fmt::format("provider '{}' (X-Router-Provider) does not exist", *pinned)
                            : fmt::format("no provider can serve model '{}'", chat_.model.empty() ? "default" : chat_.model);
      if (!why.empty()) {
        msg += " (" + core::join(why, "; ") + ")";
      }
      throw Error(pinned && !call_.snapshot->find(*pinned) ? ErrorCode::kNotFound : ErrorCode::kNoProvider, msg);
    }
  } catch (const Error& e) {
    respond(core::http_status(e.code()), error_body(e.code(), e.what(), e.param()));
    finish(core::http_status(e.code()),
           e.code() == ErrorCode::kNoProvider ? db::Outcome::kNoProvider : db::Outcome::kClientError, e.what());
    return;
  }
  call_.session->watch(weak_from_this());
  deadline_.expires_after(std::chrono::milliseconds(call_.snapshot->hot.request_timeout_ms));
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->finished_) {
      return;
    }
    self->timed_out_ = true;
    if (self->conn_) {
      self->conn_->close();  // the pending upstream operation fails and reports the timeout
    }
  });
  next_attempt();
}

// --- attempts ------------------------------------------------------------------------------------------

void ProxyCall::next_attempt() {
  if (attempt_ >= decision_.candidates.size()) {
    return answer_error(last_failure_ ? *last_failure_ : Failure{ErrorCode::kNoProvider, "no provider answered"});
  }
  ++attempt_;
  const auto& c = candidate();
  attempt_start_ns_ = core::mono_ns();
  stale_retry_done_ = false;
  log_.provider_id = c.provider->row.id;
  log_.provider_type = c.provider->row.type;
  log_.model_sent = c.model;
  try {
    exchange_ = c.provider->impl->chat(chat_, c.model, providers::ChatContext{&call_.worker.sessions});
  } catch (const Error& e) {
    return attempt_failed(Failure{e.code(), e.what()}, true);
  }
  step();
}

void ProxyCall::step() {
  try {
    if (auto setup = exchange_->next_setup()) {
      fetch(call_.worker.pool, *candidate().provider->impl, std::move(*setup), kMaxSetupBody,
            [self = shared_from_this()](FetchResult&& r) { self->on_setup(std::move(r)); });
      return;
    }
    wire_ = make_wire(*candidate().provider->impl, exchange_->request());
  } catch (const Error& e) {
    return attempt_failed(Failure{e.code(), e.what()}, e.code() != ErrorCode::kInvalidArgument);
  }
  if (auto c = call_.worker.pool.take(origin_of(*candidate().provider->impl))) {
    conn_ = std::move(c);
    send();
    return;
  }
  connect();
}

void ProxyCall::on_setup(FetchResult&& r) {
  if (aborted()) {
    return;
  }
  if (r.error) {
    return attempt_failed(Failure{r.error->code(), r.error->what()}, true);
  }
  try {
    exchange_->on_setup_reply(r.status, r.content_type, r.body);
  } catch (const Error& e) {
    const bool retryable = call_.snapshot->hot.retry_on(r.status) || e.code() == ErrorCode::kUpstreamFailed;
    return attempt_failed(Failure{e.code(), e.what(), r.status}, retryable);
  }
  step();
}

void ProxyCall::connect() {
  const auto& p = *candidate().provider->impl;
  call_.worker.pool.connect(origin_of(p), p.timeouts().connect,
                            beast::bind_front_handler(&ProxyCall::on_connected, shared_from_this()));
}

void ProxyCall::on_connected(beast::error_code ec, http::UpstreamConnectionPtr conn) {
  if (conn && (client_gone_ || timed_out_)) {
    conn->close();
  }
  if (aborted()) {
    return;
  }
  if (ec) {
    return io_failed(ec, true);
  }
  conn_ = std::move(conn);
  send();
}

void ProxyCall::send() {
  conn_->expires_after(candidate().provider->impl->timeouts().first_byte);
  conn_->async_write(wire_.buffers(), beast::bind_front_handler(&ProxyCall::on_sent, shared_from_this()));
}

void ProxyCall::on_sent(beast::error_code ec, std::size_t) {
  if (aborted()) {
    return;
  }
  if (ec) {
    return io_failed(ec, true);
  }
  // No body limit yet: it depends on the status (read_full), and streams are bounded per event
  // by the SSE parser.
  http::async_read_final_head(*conn_, head_parser_, boost::none,
                              beast::bind_front_handler(&ProxyCall::on_head, shared_from_this()));
}

void ProxyCall::on_head(beast::error_code ec, std::size_t) {
  if (aborted()) {
    return;
  }
  if (ec) {
    return io_failed(ec, true);
  }
  const auto& res = head_parser_->get();
  const int status = static_cast<int>(res.result_int());
  if (http::bodyless_status(res.result_int())) {
    return bodyless_answer(status);
  }
  if (status >= 200 && status < 300 && chat_.stream && is_event_stream(res[bhttp::field::content_type]) &&
      !head_parser_->is_done()) {
    return begin_stream();
  }
  read_full();
}

// 204 and 304 carry no body: nothing to translate. The client gets the same status with no body
// and no framing headers, so its connection stays in step; like any unusable 2xx, a 204 falls
// back first when another provider can serve.
void ProxyCall::bodyless_answer(int status) {
  release_connection(*head_parser_);  // the message ended with its head
  head_parser_.reset();
  Failure f{ErrorCode::kUpstreamFailed,
            fmt::format("provider '{}' answered HTTP {} without a body", candidate().provider->row.id, status), status};
  f.reply = providers::ErrorReply{status, {}, std::nullopt};
  attempt_failed(std::move(f), status < 300 || call_.snapshot->hot.retry_on(status));
}

void ProxyCall::read_full() {
  const int status = static_cast<int>(head_parser_->get().result_int());
  const std::size_t limit = status >= 200 && status < 300 ? kMaxUpstreamBody : kMaxErrorBody;
  // Beast checks a Content-Length against body_limit only while parsing the head, which the
  // head parser did without a limit; string_body would then reserve whatever was announced.
  if (const auto length = head_parser_->content_length(); length && *length > limit) {
    return io_failed(bhttp::error::body_limit, false);
  }
  full_parser_.emplace(std::move(*head_parser_));
  head_parser_.reset();
  full_parser_->body_limit(limit);
  conn_->async_read(*full_parser_, beast::bind_front_handler(&ProxyCall::on_full, shared_from_this()));
}

void ProxyCall::on_full(beast::error_code ec, std::size_t) {
  if (aborted()) {
    return;
  }
  if (ec) {
    return io_failed(ec, false);
  }
  release_connection(*full_parser_);
  auto res = full_parser_->release();
  full_parser_.reset();
  const int status = static_cast<int>(res.result_int());
  const std::string content_type(res[bhttp::field::content_type]);
  std::string body = std::move(res.body());
  // Before anything quotes it (an excerpt cut inside a secret would no longer match).
  candidate().provider->impl->scrub_secrets(body);

  if (status >= 200 && status < 300) {
    std::string out;
    try {
      out = exchange_->reply(std::move(body));
      // One pass both rejects malformed JSON (which may still fall back) and finds the usage
      // for the log, so the writer never parses answers again.
      const auto scan = providers::scan_completion(out);
      if (!scan.valid) {
        throw Error(ErrorCode::kUpstreamFailed, "answered with malformed JSON");
      }
      if (scan.usage) {
        log_.prompt_tokens = scan.usage->prompt_tokens;
        log_.completion_tokens = scan.usage->completion_tokens;
        log_.total_tokens = scan.usage->total_tokens;
      }
    } catch (const Error& e) {
      // Keep the translator's code: a qwen WAF page in a 200 is an authentication error.
      return attempt_failed(
          Failure{e.code(), fmt::format("provider '{}' {}", candidate().provider->row.id, e.what()), status}, true);
    }
    record_attempt(status, {});
    log_.upstream_us = since_us(attempt_start_ns_);
    log_.response_body = out;
    respond(200, std::move(out));
    return finish(200, db::Outcome::kOk, exchange_->ignored_options());
  }

  Failure f{core::code_for_status(status), fmt::format("provider '{}' answered HTTP {}", candidate().provider->row.id, status),
            status};
  f.reply = exchange_->error_reply(status, content_type, body);
  f.retry_after = std::string(res[bhttp::field::retry_after]);
  const auto& retry = call_.snapshot->hot;
  const bool retryable = retry.retry_on(status) || (f.reply->retry_like && retry.retry_on(*f.reply->retry_like));
  attempt_failed(std::move(f), retryable);
}

// --- streaming -----------------------------------------------------------------------------------------

void ProxyCall::begin_stream() {
  passthrough_ = exchange_->passthrough_stream();
  assembler_.emplace(static_cast<std::size_t>(call_.snapshot->hot.log_max_body_bytes));
  sse_ = core::SseParser();
  read_buf_ = std::make_unique_for_overwrite<char[]>(kStreamReadBuffer);
  read_stream();
}

void ProxyCall::read_stream() {
  auto& body = head_parser_->get().body();
  body.data = read_buf_.get();
  body.size = kStreamReadBuffer;
  conn_->expires_after(candidate().provider->impl->timeouts().first_byte);
  conn_->async_read_some(*head_parser_, beast::bind_front_handler(&ProxyCall::on_stream_data, shared_from_this()));
}

void ProxyCall::on_stream_data(beast::error_code ec, std::size_t) {
  if (aborted()) {
    return;
  }
  const std::size_t got = kStreamReadBuffer - head_parser_->get().body().size;
  if (ec == bhttp::error::need_buffer) {
    ec = {};
  }
  if (got > 0) {
    const bool ok = sse_.feed(std::string_view(read_buf_.get(), got), [this](const core::SseEvent& ev) { on_event(ev); });
    if (!ok) {
      return stream_failed("upstream sent an event larger than the limit", !headers_sent_ && out_.empty());
    }
    if (event_failure_) {
      auto [message, retryable] = std::move(*event_failure_);
      event_failure_.reset();
      return stream_failed(std::move(message), retryable);
    }
  }
  if (ec) {
    const auto [code, what] = http::describe_io_error(ec);
    return stream_failed(fmt::format("provider '{}': stream broke: {}", candidate().provider->row.id, what),
                         code != ErrorCode::kUpstreamTimeout && !headers_sent_ && out_.empty(), code);
  }
  // After an error event the upstream may still end its stream: that end must be seen here,
  // or flush() would wait on a finished message for bytes that never come.
  if (stream_error_ && !head_parser_->is_done()) {
    return flush();
  }
  if (head_parser_->is_done()) {
    sse_.finish([this](const core::SseEvent& ev) { on_event(ev); });
    if (sse_.pending_bytes() == 0) {
      release_connection(*head_parser_);
    } else {
      close_connection();  // cut mid-event
    }
    if (!done_seen_ && !stream_error_) {
      if (passthrough_) {
        return stream_failed(fmt::format("provider '{}': stream ended without [DONE]", candidate().provider->row.id),
                             !headers_sent_ && out_.empty());
      }
      providers::StreamStep end;
      Chunks sink(*this);
      try {
        end = exchange_->on_end(sink);
      } catch (const Error& e) {
        end = {providers::StreamStep::State::kFailed, e.what()};
      }
      if (end.state == providers::StreamStep::State::kFailed) {
        return stream_failed(end.error, !headers_sent_ && out_.empty());
      }
      out_ += "data: [DONE]\n\n";
      done_seen_ = true;
    }
    upstream_done_ = true;
  }
  flush();
}

void ProxyCall::on_event(const core::SseEvent& ev) {
  if (stream_error_ || done_seen_ || event_failure_) {
    return;  // nothing after the end (Qwen repeats response.created after finishing)
  }
  if (!passthrough_) {
    Chunks sink(*this);
    providers::StreamStep st;
    try {
      st = exchange_->on_event(ev, sink);
    } catch (const Error& e) {
      st = {providers::StreamStep::State::kFailed, e.what()};
    }
    if (st.state == providers::StreamStep::State::kFailed) {
      event_failure_.emplace(std::move(st.error), !headers_sent_ && out_.empty());
    } else if (st.state == providers::StreamStep::State::kDone) {
      out_ += "data: [DONE]\n\n";
      done_seen_ = true;
    }
    return;
  }
  if (!ev.has_data) {
    out_.append(ev.raw);  // comments and keep-alives pass through
    return;
  }
  if (ev.data == "[DONE]") {
    out_.append(ev.raw);
    done_seen_ = true;
    return;
  }
  unsigned char scratch[4096];
  boost::json::monotonic_resource mr(scratch, sizeof scratch);
  boost::system::error_code ec;
  auto v = boost::json::parse(ev.data, ec, &mr);
  if (ec || !v.is_object()) {
    event_failure_.emplace(fmt::format("provider '{}' sent a malformed stream event", candidate().provider->row.id),
                           !headers_sent_ && out_.empty());
    return;
  }
  const auto& obj = v.as_object();
  if (obj.contains("error")) {
    std::string raw(ev.raw);  // the upstream's own error event, already in OpenAI's shape
    candidate().provider->impl->scrub_secrets(raw);
    out_.append(raw);
    stream_error_ = true;
    stream_error_text_ = fmt::format("provider '{}' reported an error mid-stream", candidate().provider->row.id);
    return;
  }
  assembler_->add(obj);
  const auto* choices = obj.if_contains("choices");
  const bool usage_only = choices != nullptr && choices->is_array() && choices->as_array().empty() && obj.contains("usage");
  if (usage_only && !chat_.include_usage) {
    return;  // the router asked for it (audit log); the client did not
  }
  out_.append(ev.raw);
}

void ProxyCall::stream_failed(std::string message, bool retryable, ErrorCode code) {
  candidate().provider->impl->scrub_secrets(message);  // translators quote upstream text
  if (!headers_sent_ && out_.empty()) {
    // Nothing reached the client: fall back when allowed, else answer with an HTTP error. A 200
    // carrying only an error event would be a stream that never started, logged as truncated.
    close_connection();
    head_parser_.reset();
    return attempt_failed(Failure{code, std::move(message)}, retryable);
  }
  // Bytes reached the client: no fallback, no fake [DONE]; an honest error event ends it.
  close_connection();
  stream_error_ = true;
  stream_error_text_ = message;
  out_ += sse_error_event(ErrorCode::kUpstreamFailed, message);
  upstream_done_ = true;
  flush();
}

void ProxyCall::flush() {
  if (finished_ || client_gone_) {
    return;
  }
  if (out_.empty() && !upstream_done_) {
    return read_stream();  // nothing for the client yet (before the head: keep the chance of a fallback)
  }
  const bool last = upstream_done_;
  if (!headers_sent_) {
    http::ResponseHead head{bhttp::status::ok, call_.request.version()};
    head.set(bhttp::field::server, "router");
    head.set(bhttp::field::content_type, "text/event-stream");
    head.set(bhttp::field::cache_control, "no-cache");
    head.set("X-Accel-Buffering", "no");
    head.set("X-Request-Id", call_.request_id_text);
    head.set(kPinHeader, candidate().provider->row.id);
    if (call_.worker.shared.draining.load(std::memory_order_relaxed)) {
      head.keep_alive(false);
    }
    headers_sent_ = true;
    log_.ttfb_us = since_us(call_.session->received_ns());
    note_output();
    call_.session->stream_begin(std::move(head), shared_from_this(), out_, last);
  } else {
    note_output();
    call_.session->stream_write(out_, last);
  }
  if (last) {
    end_stream();
  }
}

void ProxyCall::note_output() {
  if (!log_.ttft_us && assembler_ && assembler_->has_output()) {
    log_.ttft_us = since_us(call_.session->received_ns());
  }
  out_bytes_ += static_cast<std::int64_t>(out_.size());
}

// The last write is on its way (the session holds this call until it completes): log and finish.
void ProxyCall::end_stream() {
  record_attempt(200, stream_error_ ? stream_error_text_ : std::string());
  log_.upstream_us = since_us(attempt_start_ns_);
  log_.response_bytes = out_bytes_;
  if (assembler_) {
    log_.response_body = boost::json::serialize(assembler_->result());
    candidate().provider->impl->scrub_secrets(*log_.response_body);
    log_.body_truncated = assembler_->truncated();
    if (const auto& u = assembler_->usage()) {
      log_.prompt_tokens = u->prompt_tokens;
      log_.completion_tokens = u->completion_tokens;
      log_.total_tokens = u->total_tokens;
    }
  }
  finish(200, stream_error_ ? db::Outcome::kTruncated : db::Outcome::kOk,
         stream_error_ ? stream_error_text_ : exchange_->ignored_options());
}

void ProxyCall::on_write_done(beast::error_code ec) {
  if (finished_) {
    return;
  }
  if (ec) {
    // The client is gone (reset, closed after a half-close, or past server.write_timeout). No
    // upstream operation is pending while a client write is (the next read starts from here),
    // so nothing else would finish the call: close the upstream connection and finish now.
    client_gone_ = true;
    close_connection();
    aborted();
    return;
  }
  out_.clear();
  if (timed_out_ || client_gone_) {
    aborted();
    return;
  }
  flush();
}

// --- failures and the end ------------------------------------------------------------------------------

void ProxyCall::on_client_gone() {
  if (finished_) {
    return;
  }
  client_gone_ = true;
  if (conn_) {
    conn_->close();  // the pending upstream operation completes and finishes the call
  } else if (headers_sent_) {
    aborted();       // waiting on a client write that failed: nothing upstream is pending
  }
}

bool ProxyCall::aborted() {
  if (finished_) {
    return true;
  }
  if (client_gone_) {
    if (headers_sent_) {
      call_.session->stream_write({}, true);
    }
    record_attempt(std::nullopt, "client disconnected");
    finish(499, db::Outcome::kCancelled, "client disconnected before the response was complete");
    return true;
  }
  if (timed_out_) {
    const auto msg = fmt::format("no complete answer within server.request_timeout ({} ms)",
                                 call_.snapshot->hot.request_timeout_ms);
    record_attempt(std::nullopt, "request timeout");
    if (headers_sent_) {
      stream_error_ = true;
      out_ += sse_error_event(ErrorCode::kUpstreamTimeout, msg);
      upstream_done_ = true;
      // Deliver the error event, then end; finish() runs from flush().
      stream_error_text_ = msg;
      timed_out_ = false;
      close_connection();
      flush();
      return true;
    }
    answer_error(Failure{ErrorCode::kUpstreamTimeout, msg});
    return true;
  }
  return false;
}

void ProxyCall::io_failed(const beast::error_code& ec, bool before_response) {
  if (before_response && conn_ && conn_->reused && !stale_retry_done_ && http::stale_connection_error(ec)) {
    // A pooled keep-alive connection the upstream had already closed: retry once on a fresh one.
    stale_retry_done_ = true;
    close_connection();
    return connect();
  }
  close_connection();
  head_parser_.reset();
  full_parser_.reset();
  const auto [code, what] = http::describe_io_error(ec);
  const auto& p = *candidate().provider->impl;
  Failure f{code, fmt::format("provider '{}' ({}): {}", p.id(), p.base_url().host_header(), what)};
  // Connection errors always fail over; a timeout only before the first response byte.
  const bool retryable = code != ErrorCode::kUpstreamTimeout || before_response;
  attempt_failed(std::move(f), retryable);
}

void ProxyCall::record_attempt(std::optional<int> status, std::string error) {
  if (attempt_ == 0 || log_.attempts.size() >= attempt_) {
    return;
  }
  const auto& c = candidate();
  log_.attempts.push_back(db::RequestAttempt{c.provider->row.id, c.provider->row.type, c.model, status, std::move(error),
                                             since_us(attempt_start_ns_)});
}

void ProxyCall::attempt_failed(Failure f, bool retryable) {
  if (attempt_ > 0) {
    candidate().provider->impl->scrub_secrets(f.message);  // it may quote the upstream
  }
  record_attempt(f.status, f.message);
  const bool more = attempt_ < decision_.candidates.size();
  core::log::debug("{} attempt {} failed ({}): {}", call_.request_id_text, attempt_, retryable ? "retryable" : "final",
                   f.message);
  last_failure_ = std::move(f);
  if (retryable && more) {
    exchange_.reset();
    return next_attempt();
  }
  answer_error(*last_failure_);
}

void ProxyCall::answer_error(const Failure& f) {
  int status = core::http_status(f.code);
  std::string body;
  if (f.reply) {
    status = f.reply->status;
    body = f.reply->body;
  } else {
    body = providers::openai_error_body(status, f.message, core::error_name(f.code));
  }
  if (attempt_ > 0) {
    // The reply was built from scrubbed text; this is the last line of defence for what
    // translators add.
    candidate().provider->impl->scrub_secrets(body);
  }
  log_.response_body = body;
  respond(status, std::move(body), f.retry_after);
  finish(status, outcome_for(f.code, f.status), f.message);
}

void ProxyCall::respond(int status, std::string body, std::string_view retry_after) {
  auto res = json_response(call_, status, std::move(body));
  if (http::bodyless_status(res.result_int())) {
    res.erase(bhttp::field::content_type);
    res.body().clear();
  }
  if (attempt_ > 0) {
    res.set(kPinHeader, candidate().provider->row.id);
  }
  if (!retry_after.empty()) {
    res.set(bhttp::field::retry_after, retry_after);
  }
  log_.ttfb_us = since_us(call_.session->received_ns());
  log_.response_bytes = static_cast<std::int64_t>(res.body().size());
  call_.session->respond(std::move(res));
}

void ProxyCall::finish(int status, db::Outcome outcome, std::string error) {
  if (finished_) {
    return;
  }
  finished_ = true;
  deadline_.cancel();
  close_connection();
  log_.status = status;
  log_.outcome = outcome;
  log_.error = std::move(error);
  log_.duration_us = since_us(call_.session->received_ns());
  log_.request_body = std::move(call_.request.body());
  submit_log(call_, std::move(log_));
}

void ProxyCall::release_connection(const bhttp::basic_parser<false>& last) {
  if (conn_) {
    call_.worker.pool.release(std::move(conn_), last);
  }
}

void ProxyCall::close_connection() {
  if (conn_) {
    conn_->close();
    conn_.reset();
  }
}

void handle_chat_completions(Call& call) { std::make_shared<ProxyCall>(std::move(call))->start(); }

}  // namespace router::server
