// logbench: fills a logs database with realistic traffic through LogRepository::insert_batch
// and simulates the server's log writer, for scripts/bench-logs. Prints key=value lines.
//
//   logbench generate --db PATH [--rows N] [--days D] [--batch B] [--seed S]
//   logbench writer --db PATH [--rate R] [--seconds S] [--tick-ms T] [--batch B] [--checkpoint-ms
//   C]
// The agent workload (issue 15: coding agents resend their whole conversation every turn):
//   logbench mock --port P                      a mock upstream: one fixed chat.completion
//   logbench agent --target HOST:PORT [--sessions N] [--turns T]   the workload through a server
//   logbench agent-writer --db PATH [--sessions N] [--turns T]     the same rows, writer alone
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <atomic>
#include <array>
#include <cctype>
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
#include "db/body_split.hpp"
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


// ---- The agent workload ----

// The shared mock's answer (../shared/bench/mock/chat_completion.json), 681 bytes.
const std::string kCompletion =
    R"({"id":"chatcmpl-AbC123mockUpstream0001","object":"chat.completion","created":1732233600,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"The capital of France is Paris. It is the largest city in the country, sits on the Seine, and has been the seat of government for centuries.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":30,"total_tokens":61,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"system_fingerprint":"fp_0ba0d124f1"})";

// Sessions of a coding agent: a 20 KB system prompt and 8 KB of tool definitions shared by all,
// then every turn the whole conversation again plus 1-8 KB of new content (the assistant's
// previous answer and a new user message or tool result). Text is drawn from 4,096 random
// pseudo-words, so it compresses about as well as prose, not as well as a repeated phrase.
class AgentWorkload {
 public:
  AgentWorkload(int sessions, std::uint64_t seed) : rng_(seed), history_(static_cast<std::size_t>(sessions)) {
    std::uniform_int_distribution<int> len(2, 10);
    std::uniform_int_distribution<int> letter('a', 'z');
    for (int i = 0; i < 4096; ++i) {
      std::string w;
      for (int n = len(rng_); n > 0; --n) {
        w += static_cast<char>(letter(rng_));
      }
      vocab_.push_back(std::move(w));
    }
    system_ = message("system", text(20 * 1024));
    tools_ = "[";
    for (int i = 0; i < 8; ++i) {
      tools_ += fmt::format(
          R"({}{{"type":"function","function":{{"name":"tool_{}","description":"{}","parameters":{{"type":"object","properties":{{"path":{{"type":"string"}}}}}}}}}})",
          i == 0 ? "" : ",", i, text(900));
    }
    tools_ += "]";
  }

  /// The body of a session's next turn (turns of one session must be asked in order).
  std::string next(int session) {
    auto& h = history_[static_cast<std::size_t>(session)];
    if (!h.empty()) {
      h.push_back(message("assistant", text(std::uniform_int_distribution<std::size_t>(200, 600)(rng_))));
    }
    h.push_back(message("user", text(std::uniform_int_distribution<std::size_t>(800, 7400)(rng_))));
    std::string body = R"({"model":"agent-model","messages":[)" + system_;
    for (const auto& m : h) {
      body += ',';
      body += m;
    }
    return body + R"(],"tools":)" + tools_ + R"(,"temperature":0.2})";
  }

 private:
  std::string text(std::size_t bytes) {
    std::string s;
    std::uniform_int_distribution<std::size_t> pick(0, vocab_.size() - 1);
    while (s.size() < bytes) {
      s += vocab_[pick(rng_)];
      s += ' ';
    }
    s.resize(bytes);
    return s;
  }
  static std::string message(std::string_view role, const std::string& content) {
    return fmt::format(R"({{"role":"{}","content":"{}"}})", role, content);
  }

  std::mt19937_64 rng_;
  std::vector<std::string> vocab_;
  std::string system_;
  std::string tools_;
  std::vector<std::vector<std::string>> history_;
};

// Blocking socket helpers for the mock and the driver: loopback only, no TLS.
constexpr int kOn = 1;

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads one HTTP message (head and Content-Length body) from `fd` into `head`/`body`, keeping
// bytes after it in `buf`. False when the peer closed or sent something else.
bool read_message(int fd, std::string& buf, std::string& head, std::string& body) {
  char chunk[65536];
  std::size_t end = 0;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  head = buf.substr(0, end + 4);
  std::size_t length = 0;
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::stoull(lower.substr(at + 17));
  }
  while (buf.size() < end + 4 + length) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  body = buf.substr(end + 4, length);
  buf.erase(0, end + 4 + length);
  return true;
}

std::string header_value(const std::string& head, std::string_view name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lower.find(fmt::format("\r\n{}:", name));
  if (at == std::string::npos) {
    return {};
  }
  const auto from = head.find_first_not_of(' ', at + 3 + name.size());
  return head.substr(from, head.find("\r\n", from) - from);
}

int mock(int port) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &kOn, sizeof kOn);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 64) != 0) {
    std::perror("logbench mock: bind");
    return 1;
  }
  std::fprintf(stderr, "mock upstream on 127.0.0.1:%d\n", port);
  while (true) {
    const int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    std::thread([fd] {
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &kOn, sizeof kOn);
      std::string buf;
      std::string head;
      std::string body;
      while (read_message(fd, buf, head, body)) {
        const std::string& answer =
            head.starts_with("GET") ? std::string(R"({"object":"list","data":[{"id":"agent-model","object":"model"}]})")
                                    : kCompletion;
        if (!send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                                      answer.size(), answer))) {
          break;
        }
      }
      ::close(fd);
    }).detach();
  }
}

int agent(const std::string& target, int sessions, int turns, std::uint64_t seed) {
  const auto colon = target.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(target.substr(colon + 1))));
  ::inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("logbench agent: connect");
    return 1;
  }
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &kOn, sizeof kOn);
  AgentWorkload work(sessions, seed);
  std::int64_t requests = 0;
  std::int64_t request_bytes = 0;
  std::int64_t response_bytes = 0;
  std::int64_t failures = 0;
  std::string last_id;
  std::string buf;
  std::string head;
  std::string answer;
  const auto began = Clock::now();
  // Sessions interleave turn by turn, as concurrent agents do.
  for (int t = 0; t < turns; ++t) {
    for (int s = 0; s < sessions; ++s) {
      const std::string body = work.next(s);
      const std::string request = fmt::format(
          "POST /v1/chat/completions HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
          target, body.size());
      if (!send_all(fd, request) || !send_all(fd, body) || !read_message(fd, buf, head, answer)) {
        std::fprintf(stderr, "logbench agent: the connection failed\n");
        return 1;
      }
      ++requests;
      request_bytes += static_cast<std::int64_t>(body.size());
      response_bytes += static_cast<std::int64_t>(answer.size());
      failures += head.starts_with("HTTP/1.1 200") ? 0 : 1;
      last_id = header_value(head, "x-request-id");
    }
  }
  ::close(fd);
  fmt::print("requests={}\nfailures={}\nrequest_bytes={}\nresponse_bytes={}\nlast_request_id={}\nseconds={:.2f}\n",
             requests, failures, request_bytes, response_bytes, last_id, seconds(Clock::now() - began));
  return failures == 0 ? 0 : 1;
}

// The writer's share of the agent workload: rows prepared as the server's workers prepare them
// (db::prepare_bodies, timed apart), then stored in batches of `batch` as the writer does.
int agent_writer(const std::string& path, int sessions, int turns, std::size_t batch, std::uint64_t seed) {
  router::db::Database db = router::db::open_current(path, router::db::DbKind::kLogs);
  router::db::LogRepository repo(db);
  AgentWorkload work(sessions, seed);
  router::core::RequestIdGenerator ids(41);
  InsertTimer timer;
  double prepare_cpu = 0;
  std::int64_t rows = 0;
  std::int64_t received = 0;
  std::vector<RequestLog> buf;
  for (int t = 0; t < turns; ++t) {
    for (int s = 0; s < sessions; ++s) {
      RequestLog r;
      const std::int64_t now = router::core::now_ms();
      r.request_id = ids.next(now);
      r.created_at = now;
      r.endpoint = "/v1/chat/completions";
      r.method = "POST";
      r.model_requested = r.model_sent = "agent-model";
      r.provider_id = r.provider_type = "openai";
      r.status = 200;
      r.duration_us = 1000;
      std::string body = work.next(s);
      r.request_bytes = static_cast<std::int64_t>(body.size());
      r.response_bytes = static_cast<std::int64_t>(kCompletion.size());
      received += r.request_bytes + r.response_bytes;
      r.attempts.push_back({"openai", "openai", "agent-model", 200, "", 900});
      const double cpu0 = thread_cpu_seconds();
      r.prepared = std::make_shared<const router::db::PreparedBodies>(
          router::db::prepare_bodies(std::move(body), kCompletion));
      prepare_cpu += thread_cpu_seconds() - cpu0;
      buf.push_back(std::move(r));
      if (buf.size() == batch) {
        timer.start();
        rows += static_cast<std::int64_t>(repo.insert_batch(buf).inserted);
        timer.stop();
        buf.clear();
      }
    }
  }
  if (!buf.empty()) {
    timer.start();
    rows += static_cast<std::int64_t>(repo.insert_batch(buf).inserted);
    timer.stop();
  }
  (void)repo.checkpoint();
  const auto size = repo.storage(0);
  fmt::print("rows={}\nreceived_bytes={}\nstored_bytes={}\nfile_bytes={}\nprepare_cpu_us_per_row={:.1f}\n", rows,
             received, size.stored_bytes, size.file_bytes,
             prepare_cpu * 1e6 / static_cast<double>(std::max<std::int64_t>(rows, 1)));
  print_rates(rows, timer);
  return 0;
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
  int port = 18090;
  std::string target;
  int sessions = 20;
  int turns = 40;
  auto* mk = app.add_subcommand("mock", "A mock upstream answering one fixed chat.completion");
  mk->add_option("--port", port)->check(CLI::Range(1, 65535));
  auto* ag = app.add_subcommand("agent", "Send the agent workload through a running server");
  ag->add_option("--target", target, "host:port of router serve")->required();
  ag->add_option("--sessions", sessions)->check(CLI::Range(1, 1000));
  ag->add_option("--turns", turns)->check(CLI::Range(1, 1000));
  ag->add_option("--seed", seed);
  auto* aw = app.add_subcommand("agent-writer", "Store the agent workload through the writer alone");
  aw->add_option("--db", db, "Logs database path")->required();
  aw->add_option("--sessions", sessions)->check(CLI::Range(1, 1000));
  aw->add_option("--turns", turns)->check(CLI::Range(1, 1000));
  std::size_t agent_batch = 20;
  aw->add_option("--batch", agent_batch, "Rows per transaction (the server's writer commits what arrived in 20 ms)")->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
  aw->add_option("--seed", seed);
  CLI11_PARSE(app, argc, argv);
  try {
    if (gen->parsed()) {
      return generate(db, rows, days, batch, seed);
    }
    if (mk->parsed()) {
      return mock(port);
    }
    if (ag->parsed()) {
      return agent(target, sessions, turns, seed);
    }
    if (aw->parsed()) {
      return agent_writer(db, sessions, turns, agent_batch, seed);
    }
    return writer(db, rate, run_s, tick_ms, batch, checkpoint_ms);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logbench: %s\n", e.what());
    return 1;
  }
}
