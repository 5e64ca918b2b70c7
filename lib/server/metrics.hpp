#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "db/log_types.hpp"

namespace router::server {

/// Prometheus aggregates of finished requests, kept by the log writer thread (so the request
/// path pays nothing for them) and rendered by GET /metrics.
class Metrics {
 public:
  /// Upper bounds in seconds of the latency histograms.
  static constexpr std::array<double, 15> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1.0,    2.5,   5.0,  10.0,  30.0, 120.0};

  void record(const db::RequestLog& log);
  void add_log_written(std::int64_t n) noexcept { rows_written_ += n; }
  void add_log_failed(std::int64_t n) noexcept { rows_failed_ += n; }
  void add_log_duplicate(std::int64_t n) noexcept { rows_duplicate_ += n; }
  void add_backpressure(std::int64_t n) noexcept { backpressure_waits_ += n; }
  [[nodiscard]] std::int64_t log_failures() const noexcept { return rows_failed_; }

  /// Appends the text exposition format; `queue_depth` is the writer's current backlog.
  void render(std::string& out, std::size_t queue_depth) const;

 private:
  struct Histogram {
    std::array<std::int64_t, kBuckets.size()> counts{};
    std::int64_t count = 0;
    double sum = 0;
    void observe(double seconds) noexcept;
  };
  struct PerProvider {
    std::array<std::int64_t, 7> by_outcome{};
    Histogram latency;
    Histogram ttft;
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    std::int64_t attempts = 0;
  };

  std::map<std::string, PerProvider> providers_;
  std::int64_t rows_written_ = 0;
  std::int64_t rows_failed_ = 0;
  std::int64_t rows_duplicate_ = 0;
  std::int64_t backpressure_waits_ = 0;
};

}  // namespace router::server
