#include "server/metrics.hpp"

#include <fmt/format.h>

namespace router::server {

namespace {
constexpr db::Outcome kOutcomes[] = {db::Outcome::kOk,        db::Outcome::kClientError, db::Outcome::kUpstreamError,
                                     db::Outcome::kTimeout,   db::Outcome::kTruncated,   db::Outcome::kCancelled,
                                     db::Outcome::kNoProvider};

void histogram_lines(std::string& out, std::string_view name, std::string_view provider,
                     const std::array<std::int64_t, Metrics::kBuckets.size()>& counts, std::int64_t count, double sum) {
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < Metrics::kBuckets.size(); ++i) {
    cumulative += counts[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{provider=\"{}\",le=\"{}\"}} {}\n", name, provider,
                   Metrics::kBuckets[i], cumulative);
  }
  fmt::format_to(std::back_inserter(out), "{}_bucket{{provider=\"{}\",le=\"+Inf\"}} {}\n", name, provider, count);
  fmt::format_to(std::back_inserter(out), "{}_sum{{provider=\"{}\"}} {:.6f}\n", name, provider, sum);
  fmt::format_to(std::back_inserter(out), "{}_count{{provider=\"{}\"}} {}\n", name, provider, count);
}
}  // namespace

void Metrics::Histogram::observe(double seconds) noexcept {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::record(const db::RequestLog& log) {
  PerProvider& p = providers_[log.provider_id];
  ++p.by_outcome[static_cast<std::size_t>(log.outcome)];
  p.latency.observe(static_cast<double>(log.duration_us) / 1e6);
  if (log.ttft_us) {
    p.ttft.observe(static_cast<double>(*log.ttft_us) / 1e6);
  }
  p.prompt_tokens += log.prompt_tokens.value_or(0);
  p.completion_tokens += log.completion_tokens.value_or(0);
  p.attempts += static_cast<std::int64_t>(log.attempts.size());
}

void Metrics::render(std::string& out, std::size_t queue_depth) const {
  auto emit = [&](std::string_view text) { out.append(text); };
  emit("# HELP router_requests_total Client requests by the provider that answered (or was tried last) and outcome.\n"
       "# TYPE router_requests_total counter\n");
  for (const auto& [id, p] : providers_) {
    for (const auto o : kOutcomes) {
      const auto n = p.by_outcome[static_cast<std::size_t>(o)];
      if (n > 0) {
        fmt::format_to(std::back_inserter(out), "router_requests_total{{provider=\"{}\",outcome=\"{}\"}} {}\n", id,
                       db::outcome_name(o), n);
      }
    }
  }
  emit("# HELP router_request_errors_total Client requests whose outcome was not ok.\n"
       "# TYPE router_request_errors_total counter\n");
  for (const auto& [id, p] : providers_) {
    std::int64_t errors = 0;
    for (std::size_t i = 1; i < p.by_outcome.size(); ++i) {
      errors += p.by_outcome[i];
    }
    fmt::format_to(std::back_inserter(out), "router_request_errors_total{{provider=\"{}\"}} {}\n", id, errors);
  }
  emit("# HELP router_upstream_attempts_total Upstream attempts, fallbacks included.\n"
       "# TYPE router_upstream_attempts_total counter\n");
  for (const auto& [id, p] : providers_) {
    fmt::format_to(std::back_inserter(out), "router_upstream_attempts_total{{provider=\"{}\"}} {}\n", id, p.attempts);
  }
  emit("# HELP router_request_duration_seconds Time from the request read to the response's last byte.\n"
       "# TYPE router_request_duration_seconds histogram\n");
  for (const auto& [id, p] : providers_) {
    histogram_lines(out, "router_request_duration_seconds", id, p.latency.counts, p.latency.count, p.latency.sum);
  }
  emit("# HELP router_time_to_first_token_seconds Time from the request read to the first streamed token.\n"
       "# TYPE router_time_to_first_token_seconds histogram\n");
  for (const auto& [id, p] : providers_) {
    histogram_lines(out, "router_time_to_first_token_seconds", id, p.ttft.counts, p.ttft.count, p.ttft.sum);
  }
  emit("# HELP router_tokens_total Tokens reported by upstreams.\n# TYPE router_tokens_total counter\n");
  for (const auto& [id, p] : providers_) {
    fmt::format_to(std::back_inserter(out), "router_tokens_total{{provider=\"{}\",kind=\"prompt\"}} {}\n", id,
                   p.prompt_tokens);
    fmt::format_to(std::back_inserter(out), "router_tokens_total{{provider=\"{}\",kind=\"completion\"}} {}\n", id,
                   p.completion_tokens);
  }
  fmt::format_to(std::back_inserter(out),
                 "# HELP router_log_queue_depth Request log records waiting for the writer.\n"
                 "# TYPE router_log_queue_depth gauge\nrouter_log_queue_depth {}\n"
                 "# HELP router_log_rows_written_total Request log rows stored.\n"
                 "# TYPE router_log_rows_written_total counter\nrouter_log_rows_written_total {}\n"
                 "# HELP router_log_rows_dropped_total Request log rows lost to failed writes.\n"
                 "# TYPE router_log_rows_dropped_total counter\nrouter_log_rows_dropped_total {}\n"
                 "# HELP router_log_rows_duplicate_total Request log rows refused because their id was already stored (an error).\n"
                 "# TYPE router_log_rows_duplicate_total counter\nrouter_log_rows_duplicate_total {}\n"
                 "# HELP router_log_backpressure_waits_total Times a worker waited for the log writer.\n"
                 "# TYPE router_log_backpressure_waits_total counter\nrouter_log_backpressure_waits_total {}\n",
                 queue_depth, rows_written_, rows_failed_, rows_duplicate_, backpressure_waits_);
}

}  // namespace router::server
