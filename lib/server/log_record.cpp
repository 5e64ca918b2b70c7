#include "server/log_record.hpp"

#include "core/clock.hpp"
#include "server/context.hpp"

namespace router::server {

namespace {

std::int64_t since_us(std::int64_t start_ns) { return (core::mono_ns() - start_ns) / 1000; }

}  // namespace

LogRecord::LogRecord(const Call& call) : row(begin_log(call)) {}

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
  row.status = status;
  row.outcome = outcome;
  row.error = std::move(error);
  row.duration_us = call.session ? since_us(call.session->received_ns()) : 0;
  row.request_body = call.request.body();
  submit_log(call, std::move(row));
}

}  // namespace router::server
