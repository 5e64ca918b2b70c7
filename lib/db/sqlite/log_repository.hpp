#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/histogram.hpp"
#include "db/log_types.hpp"
#include "db/sqlite/body_store.hpp"

namespace router::db {

class Database;

/// What one insert_batch() stored.
struct InsertResult {
  std::size_t inserted = 0;    ///< request rows written (with their attempts and rollup share)
  std::size_t duplicates = 0;  ///< rows refused because their request_id was already stored
  std::vector<std::int64_t> duplicate_ids;  ///< their ids, for the writer's error line
};

/// history() filters; every set field must match. Times are Unix ms on the request id's clock
/// (the request's arrival): since inclusive, until exclusive.
struct HistoryFilter {
  std::optional<std::string> provider{};
  std::optional<std::string> model{};  ///< the model the client requested
  std::optional<Outcome> outcome{};
  std::optional<int> status{};
  std::optional<std::string> endpoint{};  ///< the path the client called, "/v1/messages"
  std::optional<std::int64_t> since_ms{};
  std::optional<std::int64_t> until_ms{};
};

/// One history() row: the request without bodies and attempts (see find()).
struct RequestSummary {
  RequestLog request;  ///< request_body/response_body are nullopt, attempts is empty
  int attempt_count = 0;
};

/// A page of history(), newest first. next_cursor is set when older rows may follow: pass it
/// back as `cursor` to continue exactly after the last row of this page.
struct HistoryPage {
  std::vector<RequestSummary> rows;
  std::optional<std::int64_t> next_cursor;
};

enum class StatsGroupBy : std::uint8_t { kProvider, kModel, kHour, kDay, kEndpoint };
/// Every grouping, in the order error messages list them.
inline constexpr StatsGroupBy kAllGroupings[] = {StatsGroupBy::kProvider, StatsGroupBy::kModel,
                                                 StatsGroupBy::kHour, StatsGroupBy::kDay,
                                                 StatsGroupBy::kEndpoint};

/// A stats() window and grouping. The window is [since_ms, until_ms); nullopt until = now.
struct StatsQuery {
  std::int64_t since_ms = 0;
  std::optional<std::int64_t> until_ms{};
  StatsGroupBy group_by = StatsGroupBy::kProvider;
  std::optional<std::string> provider{};
};

/// Aggregates of one stats group (or of the whole window).
struct StatsGroup {
  std::string key;            ///< provider id, model, endpoint path, UTC hour start (ISO) or local date
  std::int64_t start_ms = 0;  ///< hour/day groups: the first hour's start; 0 otherwise
  std::int64_t requests = 0;
  std::int64_t errors = 0;  ///< outcome other than ok
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t duration_sum_us = 0;
  core::Histogram latency;  ///< duration_us of every request
  core::Histogram ttft;     ///< ttft_us of requests that have one

  /// Adds another group's counters and histograms (the key stays).
  void merge(const StatsGroup& other);
  /// Adds one request; unknown token counts add 0 and a request without TTFT adds none.
  void add_request(Outcome outcome, std::int64_t duration_us, std::optional<std::int64_t> ttft_us,
                   std::int64_t prompt_tokens, std::int64_t completion_tokens);
};

/// The result of stats(): the effective window (docs/stats.md: edge hours whose raw rows were
/// pruned are taken whole from their rollup, which moves that edge to the hour boundary).
struct StatsResult {
  StatsGroupBy group_by = StatsGroupBy::kProvider;
  std::int64_t since_ms = 0;
  std::optional<std::int64_t> until_ms;
  bool exact = true;                  ///< both edges are the requested times
  std::int64_t raw_rows_scanned = 0;  ///< rows read for partial edge hours
  std::vector<StatsGroup> groups;     ///< provider/model/endpoint: most requests first; hour/day: by time
  StatsGroup total;                   ///< the groups summed: requests some provider was tried for
  /// Requests no provider was tried for (rejected before routing: 401, 404, 413, malformed; or no
  /// provider available): in neither the groups nor the total, so they inflate no error rate.
  StatsGroup unrouted;
};

/// What prune() deleted (or, with dry_run, would delete).
struct PruneResult {
  bool dry_run = false;
  std::int64_t cutoff_ms = 0;
  std::int64_t rows = 0;
  std::int64_t attempts = 0;
  std::int64_t rollups = 0;  ///< rollup hours past their retention
  std::int64_t bodies = 0;   ///< body rows deleted with the requests (counted also by dry_run)
  std::int64_t items = 0;    ///< stored items no kept body uses any more (0 with dry_run)
  std::int64_t batches = 0;
  std::int64_t vacuumed_bytes = 0;            ///< file space returned by incremental_vacuum
  std::chrono::microseconds longest_lock{0};  ///< the longest single write transaction
  std::chrono::microseconds elapsed{0};
};

/// The logs database: the server's writer appends batches; the CLI and admin endpoints query,
/// and retention prunes. Not thread-safe: one repository per connection and thread. `logs`
/// must outlive the repository. Failures leave as core::Error (busy → kUnavailable).
class LogRepository {
 public:
  /// Rows per prune transaction at most; prune() adapts below it to keep each lock short.
  static constexpr std::size_t kMaxPruneBatch = 5000;
  /// Stored items collected per retention transaction at most.
  static constexpr std::size_t kItemBatch = 500;
  static constexpr std::size_t kMaxHistoryLimit = 10000;
  /// Rollups outlive raw rows: they are kept for max(raw retention, this).
  static constexpr std::chrono::hours kRollupRetention{24 * 400};

  explicit LogRepository(Database& logs);
  ~LogRepository();
  LogRepository(const LogRepository&) = delete;
  LogRepository& operator=(const LogRepository&) = delete;

  /// Writes the rows, their attempts, bodies (content-addressed: docs/architecture.md, "Request
  /// bodies") and rollup share in ONE IMMEDIATE transaction; rollups are added SQL-side, so
  /// concurrent writers never lose each other's counts. A row whose request_id is already stored
  /// is refused (an error, counted and reported in the result) and the rest of the batch is
  /// still written.
  /// Empty strings in nullable columns and nullopt fields are stored as SQL NULL.
  InsertResult insert_batch(std::span<const RequestLog> batch);

  /// Newest first, at most `limit` (1..kMaxHistoryLimit, else kInvalidArgument) rows with ids
  /// below `cursor`. Keyset pagination: stable while rows are inserted (docs/history.md).
  [[nodiscard]] HistoryPage history(const HistoryFilter& filter, std::size_t limit,
                                    std::optional<std::int64_t> cursor = std::nullopt);
  /// Everything about one request: bodies (rebuilt byte for byte), attempts and replay_of.
  /// nullopt when unknown or pruned.
  [[nodiscard]] std::optional<RequestLog> find(std::int64_t request_id);
  /// Records that `request_id` re-sent `original` (`router replay`); the link goes with the
  /// request's row.
  void link_replay(std::int64_t request_id, std::int64_t original);
  /// The database's size and, over requests since `since_ms`, bytes received against bytes stored.
  [[nodiscard]] StorageReport storage(std::int64_t since_ms);
  /// Every provider id that answered (or was last tried for) a request still counted in the
  /// rollups, sorted: what a `--provider` filter can match.
  [[nodiscard]] std::vector<std::string> provider_ids();
  /// The newest request, for `router status`.
  [[nodiscard]] std::optional<RequestSummary> last_request();

  /// Aggregates from the hourly rollups; partial edge hours come from raw rows (docs/stats.md).
  /// Throws kInvalidArgument when since is not before until.
  [[nodiscard]] StatsResult stats(const StatsQuery& query);

  /// Deletes every request (and its attempts and bodies) that arrived before `before_ms`, in
  /// transactions of at most kMaxPruneBatch rows with pauses between them, collects the stored
  /// items no kept body uses, then returns the freed pages to the file system with
  /// incremental_vacuum steps. Also drops rollups past their retention. dry_run only counts.
  PruneResult prune(std::int64_t before_ms, bool dry_run);
  /// One retention step for the server's writer: deletes at most `max_rows` of the oldest
  /// requests before `cutoff_ms` (with their bodies) in one transaction, drops expired rollups;
  /// once that backlog is gone, deletes at most `max_rows` bodies of requests before
  /// `body_cutoff_ms` (logging.body_retention_days), then collects at most kItemBatch stored items
  /// no kept body uses, each in its own transaction, and vacuums a bounded number of free pages.
  /// Returns max_rows while more is left to do, less once done.
  std::size_t prune_step(std::int64_t cutoff_ms, std::size_t max_rows,
                         std::optional<std::int64_t> body_cutoff_ms = std::nullopt);
  /// Deletes provider_sessions not updated since `older_than_ms`; returns how many.
  std::size_t prune_sessions(std::int64_t older_than_ms);

  /// For the server's log writer: this connection stops checkpointing the WAL after its own
  /// commits (SQLite's default copies pages and syncs the file on the committing thread). Another
  /// connection must then call checkpoint() regularly, or the WAL grows.
  void disable_auto_checkpoint();
  /// Copies committed WAL frames into the database file without blocking readers or writers
  /// (PRAGMA wal_checkpoint(PASSIVE)); returns the frames not yet copied. Meant for a background
  /// thread with its own connection, every few hundred milliseconds.
  std::int64_t checkpoint();

 private:
  struct Statements;

  Database& db_;
  std::unique_ptr<Statements> stmts_;
  std::unique_ptr<BodyStore> bodies_;
};

/// "provider" | "model" | "hour" | "day" | "endpoint".
[[nodiscard]] std::string_view group_by_name(StatsGroupBy g) noexcept;
/// nullopt for an unknown name.
[[nodiscard]] std::optional<StatsGroupBy> parse_group_by(std::string_view name) noexcept;

}  // namespace router::db
