#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/paths.hpp"
#include "secrets/secrets.hpp"

namespace router::server {

class LogWriter;

/// The server's one maintenance thread: periodic tasks that keep the databases and the process
/// in shape, apart from the log writer (which only writes) and the I/O workers. Each task reads
/// its settings from the current configuration snapshot when it runs:
///   - retention: deletes request rows older than logging.retention_days in small steps (every
///     second, back to back while a backlog remains), with rollups past their own retention;
///   - session pruning: forgets qwen-direct conversation state unused for 7 days (every minute);
///   - key last use: stores the newest use of each API key in api_keys.last_used_at (every
///     minute, and once more at stop);
///   - memory trim: returns freed heap pages to the system (every 10 s).
/// A failing task is logged and retried at its next period; it never stops the others.
class Maintenance {
 public:
  static constexpr std::chrono::milliseconds kRetentionPeriod{1000};
  static constexpr std::chrono::milliseconds kMinutePeriod{60'000};
  static constexpr std::chrono::milliseconds kTrimPeriod{10'000};
  static constexpr std::size_t kRetentionStepRows = 2000;

  /// `writer` hands over the API key uses it queued (LogWriter::take_key_uses) and must outlive
  /// this object. Nothing is opened before start().
  Maintenance(core::Paths paths, const secrets::KeyStore& keys, core::EnvLookup env, LogWriter& writer);
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  /// Opens the connections (on the calling thread, so a broken database fails start) and starts
  /// the thread. Throws core::Error.
  void start();
  /// Flushes the key uses once more and stops the thread. Idempotent; call after the writer
  /// stopped, so the last uses are in.
  void stop();

 private:
  struct State;  // the thread's connections and snapshot cache

  void run();
  /// Runs every task that is due; returns when the next one is.
  std::chrono::steady_clock::time_point run_due(std::chrono::steady_clock::time_point now);
  bool retention_step();  // true: more is left
  void prune_sessions();
  void flush_key_use();

  core::Paths paths_;
  const secrets::KeyStore& keys_;
  core::EnvLookup env_;
  LogWriter& writer_;
  std::unique_ptr<State> state_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  std::map<std::string, std::int64_t, std::less<>> key_use_;  // maintenance thread only
  std::chrono::steady_clock::time_point next_retention_{};
  std::chrono::steady_clock::time_point next_minute_{};
  std::chrono::steady_clock::time_point next_trim_{};
};

}  // namespace router::server
