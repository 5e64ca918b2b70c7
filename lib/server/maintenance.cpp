#include "server/maintenance.hpp"

#include <malloc.h>

#include <optional>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/schema.hpp"
#include "routing/snapshot.hpp"
#include "server/log_writer.hpp"

namespace router::server {

namespace {
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kSessionMaxAgeMs = 7 * kDayMs;
}  // namespace

struct Maintenance::State {
  std::unique_ptr<db::Database> logs;
  std::unique_ptr<db::LogRepository> repo;
  std::unique_ptr<routing::SnapshotCache> snapshots;
};

Maintenance::Maintenance(core::Paths paths, const secrets::KeyStore& keys, core::EnvLookup env, LogWriter& writer)
    : paths_(std::move(paths)), keys_(keys), env_(std::move(env)), writer_(writer) {}

Maintenance::~Maintenance() { stop(); }

void Maintenance::start() {
  auto state = std::make_unique<State>();
  state->logs = std::make_unique<db::Database>(db::open_current(paths_.logs_db, db::DbKind::kLogs));
  state->repo = std::make_unique<db::LogRepository>(*state->logs);
  // The workers' caches announce configuration problems; this one stays quiet.
  state->snapshots = std::make_unique<routing::SnapshotCache>(
      std::make_unique<db::Database>(paths_.config_db, db::DatabaseOptions{.create = false}), keys_, env_,
      [](const routing::Snapshot&) {});
  (void)state->snapshots->get();
  state_ = std::move(state);
  const auto now = std::chrono::steady_clock::now();
  next_retention_ = now;
  next_minute_ = now + kMinutePeriod;
  next_trim_ = now + kTrimPeriod;
  thread_ = std::thread([this] { run(); });
}

void Maintenance::stop() {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  flush_key_use();  // the uses of the last requests, which the writer has stored by now
  state_.reset();
}

void Maintenance::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto next = run_due(std::chrono::steady_clock::now());
    lock.lock();
    wake_.wait_until(lock, next, [&] { return stopping_; });
  }
}

std::chrono::steady_clock::time_point Maintenance::run_due(std::chrono::steady_clock::time_point now) {
  if (now >= next_retention_) {
    // A backlog is deleted in back-to-back small transactions, each a short write lock.
    next_retention_ = now + (retention_step() ? std::chrono::milliseconds(20) : kRetentionPeriod);
  }
  if (now >= next_minute_) {
    next_minute_ = now + kMinutePeriod;
    prune_sessions();
    flush_key_use();
  }
  if (now >= next_trim_) {
    // Records are allocated on the worker threads and freed on the writer's; glibc keeps the
    // freed pages of each thread's arena mapped, so without an occasional trim RSS creeps up for
    // hours under steady load while the live heap stays flat (docs/reliability.md, soak).
    next_trim_ = now + kTrimPeriod;
    ::malloc_trim(0);
  }
  return std::min({next_retention_, next_minute_, next_trim_});
}

bool Maintenance::retention_step() {
  try {
    const auto& hot = state_->snapshots->get()->hot;
    const std::int64_t days = hot.retention_days;
    const std::int64_t body_days = hot.body_retention_days;
    if (days <= 0 && body_days <= 0) {
      return false;
    }
    const std::int64_t now = core::now_ms();
    const std::int64_t cutoff = days > 0 ? now - days * kDayMs : 0;
    const auto body_cutoff = body_days > 0 ? std::optional<std::int64_t>(now - body_days * kDayMs) : std::nullopt;
    return state_->repo->prune_step(cutoff, kRetentionStepRows, body_cutoff) == kRetentionStepRows;
  } catch (const std::exception& e) {
    core::log::warn("request log retention step failed: {}", e.what());
    return false;
  }
}

void Maintenance::prune_sessions() {
  try {
    (void)state_->repo->prune_sessions(core::now_ms() - kSessionMaxAgeMs);
  } catch (const std::exception& e) {
    core::log::warn("pruning conversation state failed: {}", e.what());
  }
}

void Maintenance::flush_key_use() {
  for (const auto& [name, at] : writer_.take_key_uses()) {
    auto& newest = key_use_[name];
    newest = std::max(newest, at);
  }
  if (key_use_.empty()) {
    return;
  }
  try {
    // A short-lived connection: key use is rare next to request rows, and the configuration
    // database should not hold a writer connection open for it.
    db::Database config(paths_.config_db);
    db::ApiKeyRepository keys(config);
    config.write([&] {
      for (const auto& [name, at] : key_use_) {
        keys.touch(name, at);
      }
    });
    key_use_.clear();
  } catch (const std::exception& e) {
    core::log::warn("recording API key use failed: {}", e.what());
  }
}

}  // namespace router::server
