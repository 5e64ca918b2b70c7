#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace router::server {

/// A serving process's record of itself for one database: the file `<stem>.serve-<pid>.json`
/// beside the configuration database, mode 0600. Its mtime is the heartbeat. `router status`,
/// `router route` and `router restore` find the servers of *their* database through these records,
/// never through the configured listen address (docs/architecture.md, "Server records").
struct ServerRecord {
  int pid = 0;
  std::string host;         ///< gethostname() of the server
  std::string listen;       ///< the bound address, "127.0.0.1:3001"
  std::string version;
  std::string database_id;  ///< meta database_id of the configuration database
  std::int64_t started_ms = 0;
  std::int64_t heartbeat_ms = 0;  ///< the file's mtime
  /// Opens the read-only admin routes to whoever can read this file (the record is 0600 beside
  /// the database and the master key, so that reader could read the database anyway).
  std::string token;
  std::filesystem::path file;
  bool alive = false;  ///< heartbeat fresh, and on this host the process exists
};

inline constexpr std::chrono::seconds kHeartbeatInterval{5};
/// A record whose heartbeat is older than this belongs to a server that is gone.
inline constexpr std::chrono::seconds kHeartbeatStale{3 * kHeartbeatInterval};

/// Every readable record for the database at `config_db`, oldest start first. Malformed records
/// are skipped; nothing throws.
[[nodiscard]] std::vector<ServerRecord> read_server_records(const std::filesystem::path& config_db);
/// The records of servers that are alive.
[[nodiscard]] std::vector<ServerRecord> live_servers(const std::filesystem::path& config_db);

/// Keeps this process's record: writes it (replacing the stale records of dead processes on this
/// host), refreshes its heartbeat every kHeartbeatInterval from its own thread, removes it on
/// destruction. Throws core::Error kUnavailable when the record cannot be written.
class RecordKeeper {
 public:
  RecordKeeper(const std::filesystem::path& config_db, ServerRecord record);
  ~RecordKeeper();
  RecordKeeper(const RecordKeeper&) = delete;
  RecordKeeper& operator=(const RecordKeeper&) = delete;

 private:
  std::filesystem::path file_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread beat_;
};

/// This machine's host name ("" when unknown).
[[nodiscard]] std::string host_name();

}  // namespace router::server
