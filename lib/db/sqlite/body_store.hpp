#pragma once

// The SQLite side of content-addressed body storage (lib/db/body_split.hpp): request_bodies,
// body_items and request_replays of the logs database. Used by LogRepository only.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/hash.hpp"
#include "db/log_types.hpp"

namespace router::db {

class Database;

/// What `router history --size` reports about the logs database.
struct StorageReport {
  std::int64_t file_bytes = 0;  ///< the database file (pages in use and free)
  std::int64_t free_bytes = 0;  ///< free pages, reused before the file grows
  std::int64_t wal_bytes = 0;   ///< the -wal file beside it
  std::int64_t body_rows = 0;   ///< requests whose bodies are kept
  std::int64_t items = 0;       ///< distinct stored items
  std::int64_t window_ms = 0;   ///< the window of the per-request figures below
  std::int64_t requests = 0;    ///< requests logged in the window
  std::int64_t received_bytes = 0;  ///< their request and response bytes
  std::int64_t stored_bytes = 0;    ///< what storing their bodies added (blobs, new items)
};

class BodyStore {
 public:
  /// Items whose last_seen is at least this recent are used without touching their row.
  static constexpr std::int64_t kRefreshMs = 3'600'000;

  explicit BodyStore(Database& db);
  ~BodyStore();
  BodyStore(const BodyStore&) = delete;
  BodyStore& operator=(const BodyStore&) = delete;

  /// At the start of each (re)try of the caller's write transaction.
  void begin();
  /// After the caller's transaction committed: items it stored become known without a lookup.
  void committed();
  /// In the caller's write transaction: stores the bodies of a request row just inserted.
  void put(const RequestLog& r);
  /// In the caller's write transaction: records that `request_id` re-sent `original`.
  void link_replay(std::int64_t request_id, std::int64_t original);

  /// In the caller's read transaction: fills request_body, response_body and replay_of.
  void get(RequestLog& r);

  /// In the caller's write transaction: deletes the bodies (and replay links, with `replays`) of
  /// requests with ids in [0, bound). Returns the body rows deleted.
  std::int64_t delete_below(std::int64_t bound, bool replays);
  /// One write transaction: deletes at most `max_rows` of the oldest bodies of requests that
  /// arrived before `cutoff_ms`. Returns how many.
  std::size_t prune_bodies_step(std::int64_t cutoff_ms, std::size_t max_rows);
  /// One write transaction: deletes at most `max_items` items no body kept after `cutoff_ms` can
  /// use. Returns how many.
  std::size_t collect_items_step(std::int64_t cutoff_ms, std::size_t max_items);
  /// Counts for `router history --size` over requests since `since_ms`.
  [[nodiscard]] StorageReport report(std::int64_t since_ms);

 private:
  struct Known {
    std::int64_t id = 0;
    std::int64_t last_seen = 0;
  };
  struct HashOf {
    std::size_t operator()(const core::Sha256& h) const noexcept;
  };
  using KnownMap = std::unordered_map<core::Sha256, Known, HashOf>;
  struct Statements;

  std::int64_t item_id(const core::Sha256& hash, std::string_view raw, std::int64_t now_ms,
                       std::int64_t& stored);

  Database& db_;
  std::unique_ptr<Statements> stmts_;
  KnownMap known_;   // committed items, this connection's view
  KnownMap staged_;  // items of the open transaction
};

}  // namespace router::db
