#include "server/log_record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "server/context.hpp"
#include "server/log_writer.hpp"

namespace router::server {

namespace {

std::int64_t since_us(std::int64_t start_ns) { return (core::mono_ns() - start_ns) / 1000; }

// log.requests: one logfmt line per finished client request, on stderr.
void access_line(const db::RequestLog& log, config::RequestLines mode) {
  if (mode == config::RequestLines::kOff || (mode == config::RequestLines::kErrors && log.outcome == db::Outcome::kOk)) {
    return;
  }
  using core::log::logfmt_value;
  std::string line = fmt::format("msg=request id={} method={} path={} status={} outcome={} duration_ms={:.1f}",
                                 core::format_request_id(log.request_id), logfmt_value(log.method),
                                 logfmt_value(log.endpoint), log.status, db::outcome_name(log.outcome),
                                 static_cast<double>(log.duration_us) / 1000.0);
  const std::pair<const char*, const std::string*> optional[] = {
      {"provider", &log.provider_id}, {"model", &log.model_requested}, {"client", &log.client_addr},
      {"key", &log.api_key_name},     {"error", &log.error}};
  for (const auto& [name, value] : optional) {
    if (!value->empty()) {
      fmt::format_to(std::back_inserter(line), " {}={}", name, logfmt_value(*value));
    }
  }
  core::log::write_logfmt(line);
}

// Applies the snapshot's logging settings and queues the row, whatever the route's access.
void queue(const Call& call, db::RequestLog&& log) {
  static const routing::HotSettings defaults;
  const auto& hot = call.snapshot ? call.snapshot->hot : defaults;
  if (log.duration_us == 0 && call.session) {
    log.duration_us = since_us(call.session->received_ns());
  }
  access_line(log, hot.request_lines);
  const auto max_body = static_cast<std::size_t>(hot.log_max_body_bytes);
  switch (hot.body_logging) {
    case config::BodyLogging::kOff:  // the row counts in the metrics but is not stored
      break;
    case config::BodyLogging::kMetadata:
      log.request_body.reset();
      log.response_body.reset();
      break;
    case config::BodyLogging::kFull:
      for (auto* body : {&log.request_body, &log.response_body}) {
        if (*body && truncate_utf8(**body, max_body)) {
          log.body_truncated = true;
        }
      }
      break;
  }
  call.worker.shared.logs->push(call.worker.index, LogItem{std::move(log), hot.body_logging != config::BodyLogging::kOff});
}

// A refused request's path and message are the client's choice of bytes: stored cut short.
constexpr std::size_t kMaxRefusalText = 256;

std::string refusal_text(std::string_view text) {
  std::string out = core::to_valid_utf8(text);
  truncate_utf8(out, kMaxRefusalText);
  return out;
}

}  // namespace

LogRecord::LogRecord(const Call& call) {
  row.request_id = call.request_id;
  row.created_at = call.received_ms;
  row.endpoint = call.path;
  row.method = std::string(call.request.method_string());
  row.client_addr = call.session ? call.session->remote_address() : std::string();
  row.api_key_name = call.key_name;
  row.request_bytes = static_cast<std::int64_t>(call.request.body().size());
}

void LogRecord::begin_attempt(const routing::Candidate& c) {
  ++attempts_begun_;
  attempt_start_ns_ = core::mono_ns();
  row.provider_id = c.provider->row.id;
  row.provider_type = c.provider->row.type;
  row.model_sent = c.model;
}

void LogRecord::end_attempt(std::optional<int> status, std::string error, bool answered) {
  if (attempts_begun_ == 0) {
    return;
  }
  const auto took = since_us(attempt_start_ns_);
  if (answered) {
    row.upstream_us = took;
  }
  if (row.attempts.size() < attempts_begun_) {
    row.attempts.push_back(
        db::RequestAttempt{row.provider_id, row.provider_type, row.model_sent, status, std::move(error), took});
  }
}

void LogRecord::usage(const providers::Usage& u) {
  row.prompt_tokens = u.prompt_tokens;
  row.completion_tokens = u.completion_tokens;
  row.total_tokens = u.total_tokens;
}

void LogRecord::answered(const Call& call, std::size_t bytes) {
  row.ttfb_us = since_us(call.session->received_ns());
  row.response_bytes = static_cast<std::int64_t>(bytes);
}

void LogRecord::submit(const Call& call, int status, db::Outcome outcome, std::string error) && {
  if (call.access != Access::kClient) {
    return;
  }
  row.status = status;
  row.outcome = outcome;
  row.error = std::move(error);
  row.duration_us = call.session ? since_us(call.session->received_ns()) : 0;
  row.request_body = call.request.body();
  queue(call, std::move(row));
}

void LogRecord::submit_refusal(const Call& call, std::string_view client_addr, int status, std::size_t bytes,
                               std::string_view error) && {
  // Each worker holds its share of the rate: connections are spread evenly over the workers.
  const auto workers = std::max<std::size_t>(1, call.worker.shared.limiters.size());
  const double per_second = static_cast<double>(call.snapshot->hot.reject_rate) / static_cast<double>(workers);
  if (!call.worker.rejects.allow(client_addr, per_second, core::mono_ns())) {
    return;
  }
  row.client_addr = std::string(client_addr);
  row.endpoint = refusal_text(row.endpoint);
  row.status = status;
  row.outcome = db::Outcome::kClientError;
  row.error = refusal_text(error);
  row.response_bytes = static_cast<std::int64_t>(bytes);
  queue(call, std::move(row));
}

}  // namespace router::server
