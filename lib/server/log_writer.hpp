#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "db/log_types.hpp"
#include "server/metrics.hpp"

namespace router::server {

/// One finished request on its way to the writer. The body policy was applied where the record
/// was built (server/log_record.cpp), with the snapshot the request was served under.
struct LogItem {
  db::RequestLog log;
  bool store = true;  ///< false under logging.bodies=off: counted in /metrics, never stored
};

/// The one writer thread of the logs database: it only writes. Workers push into their own shard
/// (a mutex only the worker and the writer touch); the writer swaps shards out every few
/// milliseconds and stores them in one transaction (group commit), keeping the Prometheus
/// aggregates of what it stored. A full shard blocks its worker until the writer catches up
/// (back-pressure, never silent drops). A failed write never reaches a client: it is counted.
/// Retention, session pruning, API key last use and memory trimming are server/maintenance.hpp.
class LogWriter {
 public:
  static constexpr std::size_t kShardCapacity = 16384;
  static constexpr std::chrono::milliseconds kFlushInterval{20};

  LogWriter(std::filesystem::path logs_db, std::size_t shards);
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  /// Opens the database on the writer thread and starts it. Throws core::Error when the
  /// database cannot be opened.
  void start();
  /// Queues a record from worker `shard` (blocks while that shard is full), and notes its API
  /// key's use for take_key_uses().
  void push(std::size_t shard, LogItem&& item);
  /// Notes a use of the key `name` by worker `shard` that leaves no request record (admin calls),
  /// so it reaches api_keys.last_used_at with the same flush as client keys.
  void note_key_use(std::size_t shard, std::string_view name, std::int64_t at_ms);
  /// Blocks until every row pushed before the call has had its write (a group commit that began
  /// after the call ended), or `limit` passed; false then. For a reader that must see the row of a
  /// request answered a moment ago (a Responses previous_response_id, server/responses_lookup.cpp).
  bool wait_written(std::chrono::milliseconds limit);
  using KeyUse = std::map<std::string, std::int64_t, std::less<>>;  // key name → newest use
  /// The key uses noted since the last call (Maintenance flushes them to the configuration).
  [[nodiscard]] KeyUse take_key_uses();
  /// Writes everything queued so far and stops the thread. Idempotent.
  void stop();

  [[nodiscard]] std::size_t queue_depth() const;
  /// Prometheus text of the request aggregates and the writer's own counters.
  void render_metrics(std::string& out) const;
  /// Rows lost to failed writes since start.
  [[nodiscard]] std::int64_t failures() const;

 private:
  struct Shard {
    std::mutex mutex;
    std::condition_variable space;
    std::vector<LogItem> items;
    KeyUse key_use;
  };

  void run();
  void drain(std::vector<LogItem>& batch);
  void write(std::vector<LogItem>& batch);
  static void note_newest(KeyUse& uses, std::string_view name, std::int64_t at_ms);

  std::filesystem::path path_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> urgent_{false};
  std::mutex written_mutex_;
  std::condition_variable written_;
  std::uint64_t cycles_ = 0;  // write cycles finished (guarded by written_mutex_)
  std::thread thread_;
  struct State;  // lives on the writer thread: the connection and the repository
  std::unique_ptr<State> state_;
  mutable std::mutex metrics_mutex_;
  Metrics metrics_;
};

/// Cuts `body` to at most `max` bytes on a UTF-8 character boundary; true when it cut.
bool truncate_utf8(std::string& body, std::size_t max);

}  // namespace router::server
