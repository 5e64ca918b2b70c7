#include "server/proxy_call.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "core/text.hpp"
#include "routing/policy.hpp"
#include "server/context.hpp"
#include "server/answer.hpp"
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

bool is_event_stream(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "text/event-stream";
}


}  // namespace

core::Result<std::optional<std::string>> pinned_provider(const http::Request& request) {
  const auto it = request.find(kPinHeader);
  if (it == request.end()) {
    return std::optional<std::string>();
  }
  std::string pinned(it->value());
  if (auto valid = core::capture([&] { core::require_slug(pinned, "X-Router-Provider"); }); !valid) {
    return valid.error();
  }
  return std::optional<std::string>(std::move(pinned));
}

ProxyCall::ProxyCall(Call&& call, std::unique_ptr<dialects::Egress> egress)
    : call_(std::move(call)), egress_(std::move(egress)), record_(call_), deadline_(call_.worker.ioc) {}

ProxyCall::~ProxyCall() {
  if (upstream_) {
    upstream_->close();
  }
}

void ProxyCall::start(Ingress ingress) {
  // The client's body is parsed here, at the boundary; nothing after this throws.
  auto in = core::capture([&] { return ingress(call_.request); });
  if (!in) {
    return answer({in.error()});
  }
  chat_ = std::move(in->chat);
  translated_ = std::move(in->translated);
  if (!translated_.empty()) {
    chat_.raw = translated_;  // the view moved with the string's owner
  }
  if (in->egress) {
    egress_ = std::move(in->egress);
  }
  record_.row.model_requested = chat_.model;
  record_.row.stream = chat_.stream;
  auto pinned = pinned_provider(call_.request);
  if (!pinned) {
    return answer({pinned.error()});
  }
  auto plan = routing::plan(*call_.snapshot, chat_.model, *pinned, chat_.dialect);
  if (plan.refusal) {
    return answer({std::move(*plan.refusal)});
  }
  candidates_ = std::move(plan.candidates);
  call_.session->watch(weak_from_this());
  deadline_.expires_after(std::chrono::milliseconds(call_.snapshot->hot.request_timeout_ms));
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->finished_) {
      return;
    }
    self->timed_out_ = true;
    if (self->upstream_) {
      self->upstream_->close();  // the pending upstream operation fails and reports the timeout
    }
  });
  next_attempt();
}

// --- attempts ------------------------------------------------------------------------------------------

void ProxyCall::next_attempt() {
  ++attempt_;
  record_.begin_attempt(candidate());
  // A failed attempt's relay stays until the next head: this may run inside one of its calls.
  exchange_.reset();
  passthrough_ = provider().passes_through(chat_);
  auto exchange = core::capture(
      [&] { return provider().chat(chat_, candidate().model, providers::ChatContext{&call_.worker.conversations}); });
  if (!exchange) {
    return attempt_failed({exchange.error()});
  }
  exchange_ = std::move(*exchange);
  step();
}

// Setup requests first (a chat to create), each read whole; then the main request.
void ProxyCall::step() {
  auto setup = core::capture([&] { return exchange_->next_setup(); });
  if (!setup) {
    return attempt_failed({setup.error()});
  }
  if (*setup) {
    return fetch(call_.worker.pool, provider(), std::move(**setup), kMaxSetupBody,
                 [self = shared_from_this()](FetchResult&& r) { self->on_setup(std::move(r)); });
  }
  auto wire = core::capture([&] { return make_wire(provider(), exchange_->request()); });
  if (!wire) {
    return attempt_failed({wire.error()});
  }
  upstream_ = std::make_shared<http::UpstreamCall>(call_.worker.pool, origin_of(provider()), timeouts_of(provider()),
                                                   std::move(*wire));
  upstream_->start([self = shared_from_this()](beast::error_code ec) { self->on_head(ec); });
}

void ProxyCall::on_setup(FetchResult&& r) {
  if (stop_if_interrupted()) {
    return;
  }
  if (r.error) {
    return attempt_failed({std::move(*r.error)});
  }
  auto ok = core::capture([&] { exchange_->on_setup_reply(r.status, r.content_type, r.body); });
  if (!ok) {
    return attempt_failed({ok.error(), r.status, r.status});
  }
  step();
}

void ProxyCall::on_head(beast::error_code ec) {
  if (stop_if_interrupted()) {
    return;
  }
  if (ec) {
    const auto [code, what] = http::describe_io_error(ec);
    const auto& p = provider();
    return attempt_failed({Error(code, fmt::format("provider '{}' ({}): {}", p.id(), p.base_url().host_header(), what))});
  }
  const int status = upstream_->status();
  if (http::bodyless_status(static_cast<unsigned>(status))) {
    // 204 and 304 carry no body: nothing to translate. The client gets the same status with no
    // body and no framing headers; like any unusable 2xx, a 204 falls back first when it can.
    upstream_->release();
    Failure f{Error(ErrorCode::kUpstreamFailed, fmt::format("provider '{}' answered HTTP {} without a body", provider().id(), status)),
              status, status};
    f.reply = providers::ErrorReply{status, {}, std::nullopt};
    return attempt_failed(std::move(f));
  }
  if (status >= 200 && status < 300 && chat_.stream && is_event_stream(upstream_->head()[bhttp::field::content_type]) &&
      !upstream_->message_done()) {
    relay_.emplace(StreamRelay::Setup{call_, *this, *egress_, passthrough_, *exchange_,
                                      provider(), upstream_, chat_.include_usage,
                                      static_cast<std::size_t>(call_.snapshot->hot.log_max_body_bytes)});
    return relay_->start(shared_from_this());
  }
  upstream_->read_body(status >= 200 && status < 300 ? kMaxUpstreamBody : kMaxErrorBody,
                       [self = shared_from_this(), status](beast::error_code e, std::string&& body) {
                         self->on_body(status, e, std::move(body));
                       });
}

void ProxyCall::on_body(int status, beast::error_code ec, std::string&& body) {
  if (stop_if_interrupted()) {
    return;
  }
  const auto& p = provider();
  if (ec) {
    const auto [code, what] = http::describe_io_error(ec);
    return attempt_failed({Error(code, fmt::format("provider '{}' ({}): {}", p.id(), p.base_url().host_header(), what)),
                           std::nullopt, status});
  }
  p.scrub_secrets(body);
  if (status >= 200 && status < 300) {
    // The answer in the client's dialect (as the upstream sent it), else the chat form.
    auto out = passthrough_ ? core::Result<std::string>(std::move(body))
                            : core::capture([&] { return exchange_->reply(std::move(body)); });
    // One pass both rejects malformed JSON (which may still fall back) and finds the usage for
    // the log, so the writer never parses answers again.
    auto scan = !out ? core::Result<providers::CompletionScan>(out.error()) : core::capture([&] {
      return passthrough_ ? exchange_->check_native(*out) : providers::scan_completion(*out);
    });
    if (!scan || !scan->valid) {
      // Keep the translator's code: a qwen WAF page in a 200 is an authentication error.
      const Error e = scan ? Error(ErrorCode::kUpstreamFailed, "answered with malformed JSON") : scan.error();
      return attempt_failed({Error(e.code(), fmt::format("provider '{}' {}", p.id(), e.what())), status, status});
    }
    if (scan->usage) {
      record_.usage(*scan->usage);
    }
    record_.end_attempt(status, {}, true);
    report(true);
    const bool as_is = passthrough_ || chat_.dialect == core::Dialect::kChat;
    std::string rendered = as_is ? std::move(*out) : egress_->reply(boost::json::parse(*out).as_object());
    record_.row.response_body = rendered;
    auto res = json_response(call_, 200, std::move(rendered));
    res.set(kPinHeader, p.id());
    record_.answered(call_, res.body().size());
    call_.session->respond(std::move(res));
    return finish(200, db::Outcome::kOk, exchange_->ignored_options());
  }
  Failure f{Error(core::code_for_status(status), fmt::format("provider '{}' answered HTTP {}", p.id(), status)), status,
            status};
  f.reply = exchange_->error_reply(status, upstream_->head()[bhttp::field::content_type], body);
  f.retry_after = std::string(upstream_->head()[bhttp::field::retry_after]);
  attempt_failed(std::move(f));
}

// --- failures and the end ------------------------------------------------------------------------------

// Tells the attempt's provider's circuit breaker (routing/breaker.hpp) how the attempt went.
void ProxyCall::report(bool ok) {
  if (attempt_ == 0) {
    return;
  }
  if (auto* b = candidate().provider->breaker.get()) {
    if (ok) {
      b->succeeded();
    } else {
      const auto& hot = call_.snapshot->hot;
      b->failed(core::now_ms(), hot.breaker_failures, hot.breaker_cooldown_ms);
    }
  }
}

void ProxyCall::attempt_failed(Failure f) {
  std::string message = f.error.what();
  provider().scrub_secrets(message);  // it may quote the upstream
  f.error = Error(f.error.code(), message, f.error.param());
  record_.end_attempt(f.status, message);
  if (upstream_) {
    upstream_->close();
  }
  const routing::AttemptFailure judged{f.error.code(), f.head, f.reply ? f.reply->retry_like : std::nullopt,
                                       relay_ && relay_->output_started()};
  if (routing::counts_against(judged)) {
    report(false);
  }
  const auto next = routing::after_failure(*call_.snapshot, judged, attempt_, candidates_.size());
  core::log::debug("{} attempt {} failed ({}): {}", call_.request_id_text, attempt_,
                   next == routing::Next::kRetry ? "retrying" : "final", message);
  if (next == routing::Next::kRetry) {
    return next_attempt();
  }
  answer(std::move(f));
}

void ProxyCall::answer(Failure f) {
  if (finished_) {
    return;
  }
  finished_ = true;
  deadline_.cancel();
  ErrorAnswer e{f.error.code(), f.error.what(), f.error.param(), std::move(f.reply), f.status, std::move(f.retry_after)};
  if (attempt_ > 0) {
    e.provider = &provider();
  }
  answer_error(call_, *egress_, std::move(record_), e);
}

void ProxyCall::finish(int status, db::Outcome outcome, std::string error) {
  if (finished_) {
    return;
  }
  finished_ = true;
  deadline_.cancel();
  if (upstream_) {
    upstream_->close();
  }
  std::move(record_).submit(call_, status, outcome, std::move(error));
}

void ProxyCall::stream_failed_early(core::Error error) { attempt_failed({std::move(error), std::nullopt, 200}); }

void ProxyCall::stream_ended() {
  auto& r = relay_->result();
  record_.end_attempt(200, r.error, true);
  record_.row.ttfb_us = r.ttfb_us;
  record_.row.ttft_us = r.ttft_us;
  record_.row.response_bytes = r.bytes;
  record_.row.response_body = std::move(r.body);
  record_.row.body_truncated = r.body_truncated;
  if (r.usage) {
    record_.usage(*r.usage);
  }
  const bool complete = r.error.empty();
  report(complete);
  finish(200, complete ? db::Outcome::kOk : db::Outcome::kTruncated, complete ? exchange_->ignored_options() : r.error);
}

void ProxyCall::on_write_done(beast::error_code ec) {
  if (finished_) {
    return;
  }
  if (ec) {
    // The client is gone (reset, closed after a half-close, or past server.write_timeout). No
    // upstream operation is pending while a client write is (the next read starts from here),
    // so nothing else would finish the call: finish now.
    client_gone_ = true;
    (void)stop_if_interrupted();
    return;
  }
  relay_->on_write_done();
}

void ProxyCall::on_client_gone() {
  if (finished_) {
    return;
  }
  client_gone_ = true;
  if (relay_ && relay_->output_started() && (!upstream_ || upstream_->message_done())) {
    (void)stop_if_interrupted();  // waiting on a client write that failed: nothing upstream is pending
  } else if (upstream_) {
    upstream_->close();  // the pending upstream operation completes and finishes the call
  }
}

// The client left or the request deadline passed: finishes the call (the client gets the
// deadline's error, if it is still there) and tells the caller to stop.
bool ProxyCall::stop_if_interrupted() {
  if (finished_) {
    return true;
  }
  if (client_gone_) {
    if (relay_) {
      relay_->abandon();
    }
    record_.end_attempt(std::nullopt, "client disconnected");
    finish(core::http_status(ErrorCode::kClientClosed), db::Outcome::kCancelled,
           "client disconnected before the response was complete");
    return true;
  }
  if (!timed_out_) {
    return false;
  }
  const auto msg =
      fmt::format("no complete answer within server.request_timeout ({} ms)", call_.snapshot->hot.request_timeout_ms);
  record_.end_attempt(std::nullopt, "request timeout");
  timed_out_ = false;
  if (relay_ && relay_->output_started()) {
    relay_->fail(ErrorCode::kUpstreamTimeout, msg);  // delivers the error event, then stream_ended()
  } else {
    report(false);  // a provider that hangs past the deadline is failing, whatever its own timeout
    answer({Error(ErrorCode::kUpstreamTimeout, msg)});
  }
  return true;
}

}  // namespace router::server
