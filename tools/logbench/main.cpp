// logbench: fills a logs database with realistic traffic through LogRepository::insert_batch
// and simulates the server's log writer, for scripts/bench-logs. Prints key=value lines.
//
//   logbench generate --db PATH [--rows N] [--days D] [--batch B] [--seed S]
//   logbench writer --db PATH [--rate R] [--seconds S] [--tick-ms T] [--batch B] [--checkpoint-ms
//   C]
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/histogram.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/schema.hpp"

namespace {

using router::db::Outcome;
using router::db::RequestLog;
using Clock = std::chrono::steady_clock;

// SIGTERM/SIGINT end the writer early; it still prints its figures.
std::atomic<bool> g_stop{false};
void on_stop_signal(int) { g_stop = true; }

struct Provider {
  const char* id;
  const char* type;
  std::vector<const char*> models;
  double weight;
  double median_s;  // typical full-response latency
};

const std::array<Provider, 5> kProviders{{
    {"openai", "openai", {"gpt-4o", "gpt-4o-mini"}, 30, 2.5},
    {"anthropic", "anthropic", {"claude-sonnet-4", "claude-haiku-4"}, 20, 4.0},
    {"lm-studio", "lm-studio", {"qwen2.5-coder-32b", "llama-3.1-8b"}, 25, 6.0},
    {"qwen-direct", "qwen-direct", {"qwen3-max"}, 15, 5.0},
    {"groq", "openai", {"llama-3.3-70b"}, 10, 0.8},
}};

struct OutcomeShare {
  Outcome outcome;
  int status;
  double weight;
};

// A production-like mix: mostly ok, a few percent of each failure kind.
constexpr std::array<OutcomeShare, 7> kOutcomes{{
    {Outcome::kOk, 200, 95.0},
    {Outcome::kClientError, 400, 1.5},
    {Outcome::kUpstreamError, 502, 1.5},
    {Outcome::kTimeout, 504, 0.5},
    {Outcome::kTruncated, 200, 0.5},
    {Outcome::kCancelled, 499, 0.8},
    {Outcome::kNoProvider, 503, 0.2},
}};

constexpr std::array<const char*, 24> kWords{
    "the",      "function", "returns", "a",       "list", "of",        "tokens", "please",
    "refactor", "this",     "module",  "so",      "that", "errors",    "carry",  "context",
    "explain",  "why",      "latency", "matters", "in",   "streaming", "json",   "schema"};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {
    for (const auto& p : kProviders) {
      provider_weights_.push_back(p.weight);
    }
    for (const auto& o : kOutcomes) {
      outcome_weights_.push_back(o.weight);
    }
    // A pool of bodies: realistic sizes (about 300 B requests, 700 B responses) without paying
    // for text generation on every row.
    for (int i = 0; i < 256; ++i) {
      request_bodies_.push_back(fmt::format(
          R"({{"model":"gpt-4o","stream":true,"messages":[{{"role":"system","content":"You are a helpful coding assistant."}},{{"role":"user","content":"{}"}}],"temperature":0.{}}})",
          words(28), i % 10));
      response_bodies_.push_back(fmt::format(
          R"({{"id":"chatcmpl-{}","object":"chat.completion","created":1763800000,"model":"gpt-4o","choices":[{{"index":0,"message":{{"role":"assistant","content":"{}"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":412,"completion_tokens":187,"total_tokens":599}}}})",
          router::core::random_hex(24), words(75)));
    }
  }

  RequestLog make(std::int64_t id, std::int64_t ms) {
    RequestLog r;
    r.request_id = id;
    r.created_at = ms;
    r.endpoint = "/v1/chat/completions";
    r.method = "POST";
    r.client_addr = fmt::format("10.0.{}.{}", pick(4), 2 + pick(200));
    r.api_key_name = pick(3) == 0 ? "" : (pick(2) == 0 ? "laptop" : "ci-agent");
    const Provider& p = kProviders[std::discrete_distribution<std::size_t>(
        provider_weights_.begin(), provider_weights_.end())(rng_)];
    const OutcomeShare& o = kOutcomes[std::discrete_distribution<std::size_t>(
        outcome_weights_.begin(), outcome_weights_.end())(rng_)];
    r.model_requested = p.models[pick(p.models.size())];
    r.outcome = o.outcome;
    r.status = o.status;
    if (o.outcome != Outcome::kNoProvider) {
      r.model_sent = r.model_requested;
      r.provider_id = p.id;
      r.provider_type = p.type;
    }
    r.stream = pick(10) < 6;
    r.duration_us = static_cast<std::int64_t>(
        std::lognormal_distribution<double>(std::log(p.median_s * 1e6), 0.8)(rng_));
    if (o.outcome == Outcome::kClientError || o.outcome == Outcome::kNoProvider) {
      r.duration_us = 200 + pick(3000);
    } else if (o.outcome == Outcome::kTimeout) {
      r.duration_us = 60'000'000 + pick(1'000'000);
    }
    const bool answered = o.outcome == Outcome::kOk || o.outcome == Outcome::kTruncated;
    if (answered) {
      r.ttfb_us = r.duration_us / 20;
      if (r.stream) {
        r.ttft_us =
            static_cast<std::int64_t>(static_cast<double>(r.duration_us) *
                                      std::uniform_real_distribution<double>(0.05, 0.3)(rng_));
      }
      r.upstream_us = r.duration_us - 150;
      r.prompt_tokens = static_cast<std::int64_t>(
          std::lognormal_distribution<double>(std::log(500.0), 0.9)(rng_));
      r.completion_tokens = static_cast<std::int64_t>(
          std::lognormal_distribution<double>(std::log(200.0), 0.9)(rng_));
      r.total_tokens = *r.prompt_tokens + *r.completion_tokens;
    } else {
      r.error = fmt::format("upstream '{}' failed: status {}", p.id, o.status);
    }
    r.request_body = request_bodies_[pick(request_bodies_.size())];
    if (answered) {
      r.response_body = response_bodies_[pick(response_bodies_.size())];
    }
    r.request_bytes = static_cast<std::int64_t>(r.request_body->size());
    r.response_bytes = r.response_body ? static_cast<std::int64_t>(r.response_body->size()) : 0;
    if (o.outcome != Outcome::kNoProvider) {
      if (pick(100) < 3) {  // a fallback: the first candidate failed
        r.attempts.push_back(
            {"lm-studio", "lm-studio", r.model_requested, 503, "upstream returned 503", 40'000});
      }
      r.attempts.push_back({p.id, p.type, r.model_requested,
                            answered ? std::optional<int>(200) : std::nullopt,
                            answered ? "" : r.error, r.upstream_us.value_or(r.duration_us)});
    }
    return r;
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  std::string words(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) {
        s += ' ';
      }
      s += kWords[pick(kWords.size())];
    }
    return s;
  }

  std::mt19937_64 rng_;
  std::vector<double> provider_weights_;
  std::vector<double> outcome_weights_;
  std::vector<std::string> request_bodies_;
  std::vector<std::string> response_bodies_;
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time (user + system) of this thread: with another build on the two cores, wall-clock rates
// drop while the CPU cost per row stays put, so both are reported.
double thread_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Times insert_batch calls: wall clock and CPU.
class InsertTimer {
 public:
  void start() {
    t0_ = Clock::now();
    cpu0_ = thread_cpu_seconds();
  }
  Clock::duration stop() {
    const auto took = Clock::now() - t0_;
    wall_ += took;
    cpu_ += thread_cpu_seconds() - cpu0_;
    return took;
  }
  [[nodiscard]] double wall_seconds() const { return seconds(wall_); }
  [[nodiscard]] double cpu_seconds() const { return cpu_; }

 private:
  Clock::time_point t0_{};
  double cpu0_ = 0;
  Clock::duration wall_{};
  double cpu_ = 0;
};

void print_rates(std::int64_t rows, const InsertTimer& timer) {
  fmt::print("insert_seconds={:.2f}\nrows_per_s={:.0f}\ninsert_cpu_us_per_row={:.1f}\n",
             timer.wall_seconds(), static_cast<double>(rows) / timer.wall_seconds(),
             timer.cpu_seconds() * 1e6 / static_cast<double>(std::max<std::int64_t>(rows, 1)));
}

int generate(const std::string& path, std::int64_t rows, int days, std::size_t batch,
             std::uint64_t seed) {
  router::db::Database db = router::db::open_current(path, router::db::DbKind::kLogs);
  router::db::LogRepository repo(db);
  Generator gen(seed);
  std::array<router::core::RequestIdGenerator, 4> ids{
      router::core::RequestIdGenerator(0), router::core::RequestIdGenerator(1),
      router::core::RequestIdGenerator(2), router::core::RequestIdGenerator(3)};
  const std::int64_t end = router::core::now_ms();
  const std::int64_t start = end - static_cast<std::int64_t>(days) * 86'400'000;
  const double step = static_cast<double>(end - start) / static_cast<double>(rows);
  std::vector<RequestLog> buf;
  buf.reserve(batch);
  InsertTimer timer;
  std::size_t duplicates = 0;
  const auto began = Clock::now();
  for (std::int64_t i = 0; i < rows; ++i) {
    const auto ms = start + static_cast<std::int64_t>(static_cast<double>(i) * step);
    auto& lane = ids[static_cast<std::size_t>(i) % ids.size()];
    buf.push_back(gen.make(lane.next(ms), ms));
    if (buf.size() == batch || i + 1 == rows) {
      timer.start();
      duplicates += repo.insert_batch(buf).duplicates;
      timer.stop();
      buf.clear();
      if ((i + 1) % 500'000 < static_cast<std::int64_t>(batch)) {
        std::fprintf(stderr, "  %lld rows, %.0f rows/s\n", static_cast<long long>(i + 1),
                     static_cast<double>(i + 1) / timer.wall_seconds());
      }
    }
  }
  fmt::print("rows={}\nduplicates={}\ntotal_seconds={:.2f}\n", rows, duplicates,
             seconds(Clock::now() - began));
  print_rates(rows, timer);
  return 0;
}

// The server's writer: a batch every tick with the rows that arrived meanwhile (`rate` rows/s),
// or, with rate 0, back-to-back batches of `batch` rows to measure the ceiling. Runs until
// `run_s` or SIGTERM.
// With `checkpoint_ms` > 0 the writer's connection does not checkpoint; a second thread on its
// own connection does, every `checkpoint_ms` (LogRepository::disable_auto_checkpoint).
class Checkpointer {
 public:
  Checkpointer(const std::string& path, int every_ms) {
    if (every_ms > 0) {
      thread_ = std::thread([this, path, every_ms] { run(path, every_ms); });
    }
  }
  ~Checkpointer() { stop(); }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /// Stops the thread; returns its CPU seconds.
  double stop() {
    done_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    return cpu_;
  }

 private:
  void run(const std::string& path, int every_ms) {
    try {
      router::db::Database db = router::db::open_current(path, router::db::DbKind::kLogs);
      router::db::LogRepository repo(db);
      const double cpu0 = thread_cpu_seconds();
      while (!done_) {
        (void)repo.checkpoint();
        std::this_thread::sleep_for(std::chrono::milliseconds(every_ms));
      }
      (void)repo.checkpoint();
      cpu_ = thread_cpu_seconds() - cpu0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "checkpointer: %s\n", e.what());
    }
  }

  std::atomic<bool> done_{false};
  double cpu_ = 0;
  std::thread thread_;
};

int writer(const std::string& path, int rate, double run_s, int tick_ms, std::size_t batch,
           int checkpoint_ms) {
  router::db::Database db = router::db::open_current(path, router::db::DbKind::kLogs);
  router::db::LogRepository repo(db);
  if (checkpoint_ms > 0) {
    repo.disable_auto_checkpoint();
  }
  Checkpointer checkpointer(path, checkpoint_ms);
  Generator gen(99);
  router::core::RequestIdGenerator ids(40);
  router::core::Histogram latency;
  std::int64_t written = 0;
  std::int64_t failures = 0;
  InsertTimer timer;
  const auto began = Clock::now();
  const auto deadline =
      began + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run_s));
  auto next_tick = began;
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  while (Clock::now() < deadline && !g_stop) {
    const std::size_t n =
        rate > 0 ? static_cast<std::size_t>(std::max(1, rate * tick_ms / 1000)) : batch;
    std::vector<RequestLog> rows;
    rows.reserve(n);
    const std::int64_t now = router::core::now_ms();
    for (std::size_t i = 0; i < n; ++i) {
      rows.push_back(gen.make(ids.next(now), now));
    }
    timer.start();
    try {
      written += static_cast<std::int64_t>(repo.insert_batch(rows).inserted);
    } catch (const router::core::Error& e) {
      ++failures;
      std::fprintf(stderr, "writer: %s\n", e.what());
    }
    const auto took = timer.stop();
    latency.record(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
    if (rate > 0) {
      next_tick += std::chrono::milliseconds(tick_ms);
      std::this_thread::sleep_until(next_tick);
    }
  }
  fmt::print(
      "rows={}\nfailures={}\nbatches={}\nbatch_p50_ms={:.1f}\nbatch_p99_ms={:.1f}\n"
      "batch_max_ms={:.1f}\n",
      written, failures, latency.count(), static_cast<double>(latency.percentile(50)) / 1000,
      static_cast<double>(latency.percentile(99)) / 1000,
      static_cast<double>(latency.max()) / 1000);
  print_rates(written, timer);
  if (checkpoint_ms > 0) {
    fmt::print("checkpointer_cpu_us_per_row={:.1f}\n",
               checkpointer.stop() * 1e6 / static_cast<double>(std::max<std::int64_t>(written, 1)));
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fill and exercise a router logs database"};
  app.require_subcommand(1);
  std::string db;
  std::int64_t rows = 5'000'000;
  int days = 40;
  std::size_t batch = 2000;
  std::uint64_t seed = 1;
  int rate = 2000;
  double run_s = 10;
  int tick_ms = 50;
  int checkpoint_ms = 0;
  auto* gen = app.add_subcommand("generate", "Write realistic rows spread over the past days");
  gen->add_option("--db", db, "Logs database path")->required();
  gen->add_option("--rows", rows)->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
  gen->add_option("--days", days)->check(CLI::Range(1, 3650));
  gen->add_option("--batch", batch)->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
  gen->add_option("--seed", seed);
  auto* wr =
      app.add_subcommand("writer", "Simulate the server's log writer at a rate (0: flat out)");
  wr->add_option("--db", db, "Logs database path")->required();
  wr->add_option("--rate", rate, "Rows per second; 0 writes back-to-back batches")
      ->check(CLI::Range(0, 1'000'000));
  wr->add_option("--seconds", run_s)->check(CLI::Range(0.1, 3600.0));
  wr->add_option("--tick-ms", tick_ms)->check(CLI::Range(1, 1000));
  wr->add_option("--batch", batch)->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
  wr->add_option("--checkpoint-ms", checkpoint_ms,
                 "Checkpoint from a second thread this often instead of after commits (0: SQLite's "
                 "automatic checkpoints)")
      ->check(CLI::Range(0, 60'000));
  CLI11_PARSE(app, argc, argv);
  try {
    if (gen->parsed()) {
      return generate(db, rows, days, batch, seed);
    }
    return writer(db, rate, run_s, tick_ms, batch, checkpoint_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logbench: %s\n", e.what());
    return 1;
  }
}
