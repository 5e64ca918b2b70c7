// The write side of the logs database: the writer's batch insert with rollups, and retention.
// The read side (history, find, stats) is in log_query.cpp.
#include "db/sqlite/log_repository.hpp"

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/sqlite_error.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kHourMs = 3'600'000;

// A plain INSERT: an id already stored fails with a constraint error, which insert_batch counts
// as a duplicate and reports; the stored row is never overwritten and the new one never vanishes
// silently.
constexpr std::string_view kInsertLog = R"sql(
INSERT INTO request_logs (request_id, created_at, endpoint, method, client_addr,
  api_key_name, model_requested, model_sent, provider_id, provider_type, stream, status, outcome,
  error, duration_us, ttfb_us, ttft_us, upstream_us, attempts, prompt_tokens, completion_tokens,
  total_tokens, request_bytes, response_bytes, body_truncated)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
  ?21, ?22, ?23, ?24, ?25))sql";

// REPLACE, not IGNORE: attempts are only written for a request row that was just inserted, so a
// row already there can only be an orphan, and the new request owns the id now.
constexpr std::string_view kInsertAttempt = R"sql(
INSERT OR REPLACE INTO request_attempts (request_id, attempt, provider_id, provider_type,
  model_sent, status, error, duration_us)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8))sql";

// SQL-side increments: the batch's share is added to whatever the row holds at write time, so
// any number of writers (processes, connections) may add to the same hour without reading it.
constexpr std::string_view kAddRollup = R"sql(
INSERT INTO request_rollups (hour, provider_id, model, endpoint, requests, errors, prompt_tokens,
  completion_tokens, duration_sum_us, latency_hist, ttft_hist)
VALUES (?1, ?2, ?3, ?11, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (hour, provider_id, model, endpoint) DO UPDATE SET
  requests = requests + excluded.requests,
  errors = errors + excluded.errors,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  duration_sum_us = duration_sum_us + excluded.duration_sum_us,
  latency_hist = router_hist_merge(latency_hist, excluded.latency_hist),
  ttft_hist = router_hist_merge(ttft_hist, excluded.ttft_hist))sql";

// The oldest n requests below the cutoff make one prune batch; deleting by an id range (rather
// than "IN (SELECT ... LIMIT n)") lets request_logs and request_attempts share the same bound.
constexpr std::string_view kPruneScan = R"sql(
SELECT request_id, provider_id, model_requested, outcome, endpoint FROM request_logs
WHERE request_id < ?1 ORDER BY request_id LIMIT ?2)sql";
// Walk the index entries of one key below a bound (see touch_pages); IS also matches NULL keys.
constexpr std::string_view kTouchByProvider = R"sql(
SELECT count(*) FROM request_logs INDEXED BY request_logs_by_provider
WHERE provider_id IS ?1 AND request_id < ?2)sql";
constexpr std::string_view kTouchByModel = R"sql(
SELECT count(*) FROM request_logs INDEXED BY request_logs_by_model
WHERE model_requested IS ?1 AND request_id < ?2)sql";
constexpr std::string_view kTouchByOutcome = R"sql(
SELECT count(*) FROM request_logs INDEXED BY request_logs_by_outcome
WHERE outcome = ?1 AND request_id < ?2)sql";
constexpr std::string_view kTouchByEndpoint = R"sql(
SELECT count(*) FROM request_logs INDEXED BY request_logs_by_endpoint
WHERE endpoint = ?1 AND request_id < ?2)sql";
constexpr std::string_view kDeleteLogs = "DELETE FROM request_logs WHERE request_id < ?1";
constexpr std::string_view kDeleteAttempts = "DELETE FROM request_attempts WHERE request_id < ?1";
constexpr std::string_view kDeleteRollups = "DELETE FROM request_rollups WHERE hour < ?1";
constexpr std::string_view kDeleteSessions = "DELETE FROM provider_sessions WHERE updated_at < ?1";
// Counting through the narrow outcome index (one range per outcome) reads a few thousand index
// pages instead of every table page of the rows, whose bodies make them large.
constexpr std::string_view kCountLogs = R"sql(
SELECT count(*) FROM request_logs INDEXED BY request_logs_by_outcome
WHERE outcome IN ('ok', 'client_error', 'upstream_error', 'timeout', 'truncated', 'cancelled',
                  'no_provider') AND request_id < ?1)sql";
constexpr std::string_view kCountAttempts =
    "SELECT count(*) FROM request_attempts WHERE request_id < ?1";
constexpr std::string_view kCountRollups = "SELECT count(*) FROM request_rollups WHERE hour < ?1";
constexpr std::string_view kCountBodies = "SELECT count(*) FROM request_bodies WHERE request_id < ?1";

// Prune pacing (docs/stats.md): each transaction aims at kTargetLockHold so the server's writer,
// whose busy handler retries every few milliseconds, waits at most about that long; the pause
// after each batch is at least as long as the batch held the lock.
constexpr auto kTargetLockHold = std::chrono::milliseconds(25);
constexpr auto kMinPause = std::chrono::milliseconds(5);
constexpr std::size_t kMinStepUnits = 16;
constexpr std::size_t kFirstPruneBatch = 1000;
// incremental_vacuum moves pages from the end of the file into free slots, rewriting pointers:
// far slower per page than deleting rows, so it starts small and adapts like deletion.
constexpr std::size_t kFirstVacuumStep = 128;
constexpr std::size_t kMaxVacuumStep = 1024;
// prune_step keeps this many free pages for the writer to reuse instead of shrinking the file
// only to grow it again.
constexpr std::int64_t kFreePageSlack = 4096;

std::int64_t hour_of(std::int64_t ms) {
  return ms >= 0 ? ms / kHourMs : (ms - kHourMs + 1) / kHourMs;
}

// The endpoint a request is rolled up under: its route when a provider was tried for it, else ''
// (migrations/logs/0003_endpoints.sql). A request refused before routing keeps the path the client
// sent, and keying rollups by that would let any client add rollup rows at will.
std::string_view rollup_endpoint(const RequestLog& r) {
  return r.provider_id.empty() ? std::string_view() : std::string_view(r.endpoint);
}

std::int64_t rollup_cutoff_hour(std::int64_t raw_cutoff_ms) {
  const std::int64_t retention_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(LogRepository::kRollupRetention)
          .count();
  return hour_of(std::min(raw_cutoff_ms, core::now_ms() - retention_ms));
}

// A prepared statement that lives as long as the repository (SQLITE_PREPARE_PERSISTENT), used
// through the C API so text binds without copies (SQLITE_STATIC: the caller's strings outlive
// the step). Errors leave as SQLite::Exception, which Database::write retries or translates.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
      throw SQLite::Exception(db, rc);
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, std::optional<std::int64_t> v) {
    check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
  }
  /// Always text: SQLite binds a null pointer as NULL, and an empty string_view may have one.
  void bind_text(int i, std::string_view s) {
    check(sqlite3_bind_text(stmt_, i, s.data() != nullptr ? s.data() : "", static_cast<int>(s.size()),
                            SQLITE_STATIC));
  }
  /// Empty text is stored as NULL (nullable columns whose struct field uses "" for none).
  void bind_text_or_null(int i, std::string_view s) {
    if (s.empty()) {
      check(sqlite3_bind_null(stmt_, i));
    } else {
      bind_text(i, s);
    }
  }
  void bind_blob(int i, std::string_view b) {
    check(sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC));
  }

  /// Steps once; true when a row is available.
  bool step() {
    const int rc = step_code();
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    throw SQLite::Exception(db_, rc);
  }
  /// Steps once and returns SQLite's code (SQLITE_ROW, SQLITE_DONE or an error) without throwing.
  int step_code() noexcept { return sqlite3_step(stmt_); }
  void reset() noexcept { sqlite3_reset(stmt_); }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      throw SQLite::Exception(db_, rc);
    }
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement however its use ends, so no statement stays mid-step (holding the read
// snapshot) and no binding outlives the data it points to.
class ResetGuard {
 public:
  explicit ResetGuard(Stmt& s) : s_(s) {}
  ~ResetGuard() { s_.reset(); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  Stmt& s_;
};

struct RollupKey {
  std::int64_t hour;
  std::string_view provider;
  std::string_view model;
  std::string_view endpoint;
  auto operator<=>(const RollupKey&) const = default;
};

std::int64_t count_below(Database& db, std::string_view sql, std::int64_t bound) {
  SQLite::Statement s(db.sqlite(), std::string(sql));
  s.bind(1, static_cast<std::int64_t>(bound));
  return s.executeStep() ? s.getColumn(0).getInt64() : 0;
}

std::int64_t delete_below(Database& db, std::string_view sql, std::int64_t bound) {
  SQLite::Statement s(db.sqlite(), std::string(sql));
  s.bind(1, static_cast<std::int64_t>(bound));
  return s.exec();
}

// One retention transaction: how many units (rows, pages) it asked for and did, and how long it
// held the write lock.
struct Step {
  std::int64_t done = 0;
  std::int64_t attempts = 0;  // deletion steps: attempts deleted with the rows
  std::int64_t bodies = 0;    // deletion steps: bodies deleted with the rows
  bool finished = false;      // nothing is left to do after this step
  Clock::duration hold{};
};

// Runs `fn` inside one write transaction and measures the lock hold from BEGIN IMMEDIATE
// (Database::write has the lock when `fn` starts) to the end of COMMIT.
template <typename Fn>
Step timed_write(Database& db, Fn&& fn) {
  Step step;
  Clock::time_point locked{};
  db.write([&] {
    locked = Clock::now();
    step = {};
    fn(step);
  });
  step.hold = Clock::now() - locked;
  return step;
}

// Reads (in the current read transaction) every page that deleting the requests below `bound`
// will modify: the index entries of each provider, model, outcome and endpoint among them, and
// their attempts. The table pages were just read by the caller's scan.
using KeySet = std::set<std::optional<std::string>>;

void touch_pages(Database& db, std::int64_t bound, const KeySet& providers, const KeySet& models,
                 const KeySet& outcomes, const KeySet& endpoints) {
  auto touch = [&](std::string_view sql, const KeySet& keys) {
    SQLite::Statement s(db.sqlite(), std::string(sql));
    for (const auto& key : keys) {
      s.reset();
      if (key) {
        s.bind(1, *key);
      } else {
        s.bind(1);
      }
      s.bind(2, bound);
      (void)s.executeStep();
    }
  };
  touch(kTouchByProvider, providers);
  touch(kTouchByModel, models);
  touch(kTouchByOutcome, outcomes);
  touch(kTouchByEndpoint, endpoints);
  (void)count_below(db, kCountAttempts, bound);
}

// One transaction deleting at most `max_rows` of the oldest requests below `cutoff_id` (a few
// more if requests below the bound were logged since it was found). The batch is first read in a
// read transaction, table, index and attempt pages alike, so the write transaction finds them in
// memory: on a database larger than the page cache, cold reads under the lock stalled it for
// hundreds of milliseconds.
Step delete_batch(Database& db, BodyStore& bodies, std::int64_t cutoff_id, std::size_t max_rows) {
  std::int64_t bound = cutoff_id;
  db.read([&] {
    bound = cutoff_id;
    KeySet providers;
    KeySet models;
    KeySet outcomes;
    KeySet endpoints;
    SQLite::Statement scan(db.sqlite(), std::string(kPruneScan));
    auto key = [&](int column) {
      const SQLite::Column c = scan.getColumn(column);
      return c.isNull() ? std::nullopt : std::optional<std::string>(c.getString());
    };
    scan.bind(1, cutoff_id);
    scan.bind(2, static_cast<std::int64_t>(max_rows));
    std::size_t rows = 0;
    std::int64_t last = 0;
    while (scan.executeStep()) {
      ++rows;
      last = scan.getColumn(0).getInt64();
      providers.insert(key(1));
      models.insert(key(2));
      outcomes.insert(key(3));
      endpoints.insert(key(4));
    }
    if (rows == max_rows) {
      bound = last + 1;
    }
    touch_pages(db, bound, providers, models, outcomes, endpoints);
  });
  Step step = timed_write(db, [&](Step& s) {
    s.done = delete_below(db, kDeleteLogs, bound);
    s.attempts = delete_below(db, kDeleteAttempts, bound);
    s.bodies = bodies.delete_below(bound, true);
  });
  // Decided by the scan, not by the count deleted: another pruner may have taken rows meanwhile.
  step.finished = bound == cutoff_id;
  return step;
}

std::int64_t freelist_pages(Database& db) {
  return db.sqlite().execAndGet("PRAGMA freelist_count").getInt64();
}

// Returns up to `max_pages` free pages to the file system in one transaction.
Step vacuum_step(Database& db, std::size_t max_pages) {
  return timed_write(db, [&](Step& step) {
    const std::int64_t before = freelist_pages(db);
    db.sqlite().exec(
        fmt::format("PRAGMA incremental_vacuum({})",
                    std::min<std::int64_t>(before, static_cast<std::int64_t>(max_pages))));
    step.done = before - freelist_pages(db);
    step.finished = step.done < static_cast<std::int64_t>(max_pages);
  });
}

// Outside a transaction: the pragmas through Database::read, which retries SQLITE_BUSY.
std::int64_t free_pages(Database& db) {
  std::int64_t n = 0;
  db.read([&] { n = freelist_pages(db); });
  return n;
}

std::int64_t page_size(Database& db) {
  std::int64_t n = 0;
  db.read([&] { n = db.sqlite().execAndGet("PRAGMA page_size").getInt64(); });
  return n;
}

bool auto_vacuum_incremental(Database& db) {
  bool incremental = false;
  db.read([&] { incremental = db.sqlite().execAndGet("PRAGMA auto_vacuum").getInt() == 2; });
  return incremental;
}

// Turns automatic checkpoints off on this connection while a prune runs: paced() checkpoints in
// the pauses instead, so the copy of pruned pages into the database file (and its fsync) happens
// outside the write lock, and the server's writer never inherits a large checkpoint.
class ManualCheckpoints {
 public:
  explicit ManualCheckpoints(Database& db) : db_(db) {
    db_.read([&] { saved_ = db_.sqlite().execAndGet("PRAGMA wal_autocheckpoint").getInt(); });
    db_.exec("PRAGMA wal_autocheckpoint=0");
  }
  ~ManualCheckpoints() {
    try {
      db_.exec(fmt::format("PRAGMA wal_autocheckpoint={}", saved_));
    } catch (const std::exception&) {
      // The connection keeps working; only its checkpoint cadence is off until it closes.
    }
  }
  ManualCheckpoints(const ManualCheckpoints&) = delete;
  ManualCheckpoints& operator=(const ManualCheckpoints&) = delete;

 private:
  Database& db_;
  int saved_ = 1000;
};

// Runs steps of `units` until one does fewer than asked. Each step is sized from the previous
// one's pace so that a transaction holds the write lock for about kTargetLockHold. Between steps
// the connection checkpoints (no write lock) and pauses for at least as long as the step held the
// lock: the server's writer, whose busy handler retries every few milliseconds, always gets in.
template <typename Fn>
void paced(Database& db, std::size_t units, std::size_t max_units, PruneResult& result,
           Fn&& step_fn) {
  while (true) {
    const Step step = step_fn(units);
    ++result.batches;
    result.longest_lock = std::max(
        result.longest_lock, std::chrono::duration_cast<std::chrono::microseconds>(step.hold));
    const auto pause_until = Clock::now() + std::max<Clock::duration>(step.hold, kMinPause);
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    std::this_thread::sleep_until(pause_until);
    if (step.finished) {
      return;
    }
    const double per_unit = std::chrono::duration<double>(step.hold).count() /
                            static_cast<double>(std::max<std::int64_t>(step.done, 1));
    const double fit =
        std::chrono::duration<double>(kTargetLockHold).count() / std::max(per_unit, 1e-9);
    units = std::clamp(static_cast<std::size_t>(fit), kMinStepUnits, max_units);
  }
}

// router_hist_merge(a, b): the encoded histogram holding every value of the encoded histograms
// a and b (core::Histogram::encode), so a rollup's histograms are merged inside the UPSERT.
void hist_merge(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  try {
    core::Histogram h;
    for (int i = 0; i < argc; ++i) {
      if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
        continue;
      }
      const void* p = sqlite3_value_blob(argv[i]);
      h.merge_encoded({static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_value_bytes(argv[i]))});
    }
    const std::string out = h.encode();
    sqlite3_result_blob64(ctx, out.data(), out.size(), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  }
}

void register_functions(sqlite3* db) {
  const int rc = sqlite3_create_function_v2(db, "router_hist_merge", 2,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                            nullptr, hist_merge, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    throw SQLite::Exception(db, rc);
  }
}

}  // namespace

struct LogRepository::Statements {
  explicit Statements(sqlite3* db)
      : insert_log(db, kInsertLog),
        insert_attempt(db, kInsertAttempt),
        add_rollup(db, kAddRollup) {}

  Stmt insert_log;
  Stmt insert_attempt;
  Stmt add_rollup;
};

LogRepository::LogRepository(Database& logs) : db_(logs) {
  try {
    register_functions(db_.sqlite().getHandle());
    stmts_ = std::make_unique<Statements>(db_.sqlite().getHandle());
    bodies_ = std::make_unique<BodyStore>(db_);
  } catch (const SQLite::Exception& e) {
    rethrow(e, "cannot prepare the logs statements (is the logs schema migrated?)");
  }
}

LogRepository::~LogRepository() = default;

InsertResult LogRepository::insert_batch(std::span<const RequestLog> batch) {
  InsertResult result;
  if (batch.empty()) {
    return result;
  }
  sqlite3* const handle = db_.sqlite().getHandle();
  // Database::write re-runs the lambda after a late SQLITE_BUSY, so all state starts inside it.
  db_.write([&] {
    result = {};
    bodies_->begin();
    std::map<RollupKey, StatsGroup> rollups;
    auto& ins = stmts_->insert_log;
    auto& att = stmts_->insert_attempt;
    for (const RequestLog& r : batch) {
      {
        ResetGuard guard(ins);
        ins.bind(1, r.request_id);
        ins.bind(2, r.created_at);
        ins.bind_text(3, r.endpoint);
        ins.bind_text(4, r.method);
        ins.bind_text_or_null(5, r.client_addr);
        ins.bind_text_or_null(6, r.api_key_name);
        ins.bind_text_or_null(7, r.model_requested);
        ins.bind_text_or_null(8, r.model_sent);
        ins.bind_text_or_null(9, r.provider_id);
        ins.bind_text_or_null(10, r.provider_type);
        ins.bind(11, std::int64_t{r.stream ? 1 : 0});
        ins.bind(12, std::int64_t{r.status});
        ins.bind_text(13, outcome_name(r.outcome));
        ins.bind_text_or_null(14, r.error);
        ins.bind(15, r.duration_us);
        ins.bind(16, r.ttfb_us);
        ins.bind(17, r.ttft_us);
        ins.bind(18, r.upstream_us);
        ins.bind(19, static_cast<std::int64_t>(r.attempts.size()));
        ins.bind(20, r.prompt_tokens);
        ins.bind(21, r.completion_tokens);
        ins.bind(22, r.total_tokens);
        ins.bind(23, r.request_bytes);
        ins.bind(24, r.response_bytes);
        ins.bind(25, std::int64_t{r.body_truncated ? 1 : 0});
        const int rc = ins.step_code();
        if (sqlite3_extended_errcode(handle) == SQLITE_CONSTRAINT_PRIMARYKEY && rc != SQLITE_DONE) {
          // The id is taken. Only this statement is undone (SQLite's ABORT resolution), so the
          // stored row stays and the rest of the batch is still written.
          ++result.duplicates;
          result.duplicate_ids.push_back(r.request_id);
          continue;
        }
        if (rc != SQLITE_DONE) {
          throw SQLite::Exception(handle, rc);
        }
      }
      ++result.inserted;
      for (std::size_t i = 0; i < r.attempts.size(); ++i) {
        const RequestAttempt& a = r.attempts[i];
        ResetGuard guard(att);
        att.bind(1, r.request_id);
        att.bind(2, static_cast<std::int64_t>(i + 1));
        att.bind_text(3, a.provider_id);
        att.bind_text(4, a.provider_type);
        att.bind_text_or_null(5, a.model_sent);
        att.bind(6, a.status ? std::optional<std::int64_t>(*a.status) : std::nullopt);
        att.bind_text_or_null(7, a.error);
        att.bind(8, a.duration_us);
        att.step();
      }
      bodies_->put(r);
      if (r.replay_of) {
        bodies_->link_replay(r.request_id, *r.replay_of);
      }
      rollups[RollupKey{hour_of(r.created_at), r.provider_id, r.model_requested, rollup_endpoint(r)}].add_request(
          r.outcome, r.duration_us, r.ttft_us, r.prompt_tokens.value_or(0),
          r.completion_tokens.value_or(0));
    }

    auto& add = stmts_->add_rollup;
    for (const auto& [key, d] : rollups) {
      const std::string latency = d.latency.encode();
      const std::string ttft = d.ttft.encode();
      ResetGuard guard(add);
      add.bind(1, key.hour);
      add.bind_text(2, key.provider);
      add.bind_text(3, key.model);
      add.bind(4, d.requests);
      add.bind(5, d.errors);
      add.bind(6, d.prompt_tokens);
      add.bind(7, d.completion_tokens);
      add.bind(8, d.duration_sum_us);
      add.bind_blob(9, latency);
      add.bind_blob(10, ttft);
      add.bind_text(11, key.endpoint);
      add.step();
    }
  });
  bodies_->committed();
  return result;
}

void LogRepository::link_replay(std::int64_t request_id, std::int64_t original) {
  db_.write([&] { bodies_->link_replay(request_id, original); });
}

StorageReport LogRepository::storage(std::int64_t since_ms) { return bodies_->report(since_ms); }

PruneResult LogRepository::prune(std::int64_t before_ms, bool dry_run) {
  const auto started = Clock::now();
  PruneResult result;
  result.dry_run = dry_run;
  result.cutoff_ms = before_ms;
  const std::int64_t cutoff_id = core::first_request_id_at(std::max<std::int64_t>(before_ms, 0));
  const std::int64_t rollup_hour = rollup_cutoff_hour(before_ms);
  if (dry_run) {
    db_.read([&] {
      result.rows = count_below(db_, kCountLogs, cutoff_id);
      result.attempts = count_below(db_, kCountAttempts, cutoff_id);
      result.rollups = count_below(db_, kCountRollups, rollup_hour);
      result.bodies = count_below(db_, kCountBodies, cutoff_id);
    });
  } else {
    const ManualCheckpoints checkpoints(db_);
    paced(db_, kFirstPruneBatch, kMaxPruneBatch, result, [&](std::size_t rows) {
      const Step step = delete_batch(db_, *bodies_, cutoff_id, rows);
      result.rows += step.done;
      result.attempts += step.attempts;
      result.bodies += step.bodies;
      return step;
    });
    db_.write([&] { result.rollups = delete_below(db_, kDeleteRollups, rollup_hour); });
    paced(db_, kItemBatch, kMaxPruneBatch, result, [&](std::size_t n) {
      Step step;
      const auto started_step = Clock::now();
      step.done = static_cast<std::int64_t>(bodies_->collect_items_step(before_ms, n));
      step.hold = Clock::now() - started_step;
      step.finished = step.done < static_cast<std::int64_t>(n);
      result.items += step.done;
      return step;
    });
    if (auto_vacuum_incremental(db_) && free_pages(db_) > 0) {
      std::int64_t pages = 0;
      paced(db_, kFirstVacuumStep, kMaxVacuumStep, result, [&](std::size_t n) {
        const Step step = vacuum_step(db_, n);
        pages += step.done;
        return step;
      });
      result.vacuumed_bytes = pages * page_size(db_);
    }
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  return result;
}

std::size_t LogRepository::prune_step(std::int64_t cutoff_ms, std::size_t max_rows,
                                      std::optional<std::int64_t> body_cutoff_ms) {
  if (max_rows == 0) {
    return 0;
  }
  const std::int64_t cutoff_id = core::first_request_id_at(std::max<std::int64_t>(cutoff_ms, 0));
  const Step step = delete_batch(db_, *bodies_, cutoff_id, max_rows);
  auto deleted = static_cast<std::size_t>(step.done);
  if (step.finished) {
    db_.write([&] { (void)delete_below(db_, kDeleteRollups, rollup_cutoff_hour(cutoff_ms)); });
    // Bodies go before their rows (logging.body_retention_days), never after them; then the items
    // no kept body can use, a small batch per step.
    const std::int64_t body_cutoff = std::max(cutoff_ms, body_cutoff_ms.value_or(0));
    if (body_cutoff_ms && bodies_->prune_bodies_step(body_cutoff, max_rows) == max_rows) {
      return max_rows;
    }
    if (body_cutoff > 0 && bodies_->collect_items_step(body_cutoff, kItemBatch) == kItemBatch) {
      return max_rows;
    }
    if (auto_vacuum_incremental(db_)) {
      const std::int64_t excess = free_pages(db_) - kFreePageSlack;
      if (excess > 0) {
        (void)vacuum_step(
            db_, static_cast<std::size_t>(std::min<std::int64_t>(excess, kFirstVacuumStep)));
      }
    }
  }
  return deleted;
}

std::size_t LogRepository::prune_sessions(std::int64_t older_than_ms) {
  std::int64_t n = 0;
  db_.write([&] { n = delete_below(db_, kDeleteSessions, older_than_ms); });
  return static_cast<std::size_t>(n);
}

void LogRepository::disable_auto_checkpoint() { db_.exec("PRAGMA wal_autocheckpoint=0"); }

std::int64_t LogRepository::checkpoint() {
  std::int64_t left = 0;
  try {
    SQLite::Statement s(db_.sqlite(), "PRAGMA wal_checkpoint(PASSIVE)");
    if (s.executeStep()) {
      // (blocked, frames in the WAL, frames checkpointed). A checkpoint already running on
      // another connection reports blocked rather than failing, so nothing here retries.
      left = std::max<std::int64_t>(0, s.getColumn(1).getInt64() - s.getColumn(2).getInt64());
    }
  } catch (const SQLite::Exception& e) {
    rethrow(e, "checkpoint of the logs database");
  }
  return left;
}

}  // namespace router::db
