#include "server/log_writer.hpp"

#include <pthread.h>

#include <optional>
#include <utility>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "db/body_split.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/sqlite/schema.hpp"

namespace router::server {

struct LogWriter::State {
  std::unique_ptr<db::Database> db;
  std::unique_ptr<db::LogRepository> repo;
  // Rows of a batch the database refused for now (locked past busy_timeout by another writer, a
  // backup, a long query): written with the next batch instead of lost.
  std::vector<db::RequestLog> retained;
};

namespace {

// What the writer keeps while the database stays locked: a minute of heavy traffic. Only rows
// beyond it are lost, and counted.
constexpr std::size_t kMaxRetained = 4 * LogWriter::kShardCapacity;

}  // namespace

bool truncate_utf8(std::string& body, std::size_t max) {
  if (body.size() <= max) {
    return false;
  }
  std::size_t cut = max;
  // Step back over continuation bytes so the stored text stays valid UTF-8.
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  body.resize(cut);
  return true;
}

namespace {

// The CPU-heavy part of body storage (scan, SHA-256, compression) runs here, on the worker that
// served the request: the one writer thread then only looks items up and stores the new ones, so
// its cost per request does not grow with a conversation's length.
void prepare_for_store(LogItem& item) {
  auto& log = item.log;
  if (item.store && (log.request_body || log.response_body)) {
    log.prepared = std::make_shared<const db::PreparedBodies>(
        db::prepare_bodies(std::exchange(log.request_body, std::nullopt), log.response_body));
    log.response_body.reset();
  }
}

}  // namespace

LogWriter::LogWriter(std::filesystem::path logs_db, std::size_t shards) : path_(std::move(logs_db)) {
  for (std::size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->items.reserve(1024);
  }
}

LogWriter::~LogWriter() { stop(); }

void LogWriter::start() {
  auto state = std::make_unique<State>();
  state->db = std::make_unique<db::Database>(db::open_current(path_, db::DbKind::kLogs));
  state->repo = std::make_unique<db::LogRepository>(*state->db);
  state_ = std::move(state);
  // The connection moves to the writer thread and is used only there from now on.
  thread_ = std::thread([this] { run(); });
}

void LogWriter::push(std::size_t shard, LogItem&& item) {
  prepare_for_store(item);
  Shard& s = *shards_[shard];
  std::unique_lock lock(s.mutex);
  if (!item.log.api_key_name.empty()) {
    note_newest(s.key_use, item.log.api_key_name, item.log.created_at);
  }
  if (s.items.size() >= kShardCapacity) {
    {
      std::lock_guard m(metrics_mutex_);
      metrics_.add_backpressure(1);
    }
    urgent_ = true;
    wake_.notify_one();
    s.space.wait(lock, [&] { return s.items.size() < kShardCapacity || stopping_.load(); });
  }
  s.items.push_back(std::move(item));
  if (s.items.size() == kShardCapacity / 2) {
    urgent_ = true;
    wake_.notify_one();
  }
}

void LogWriter::note_newest(KeyUse& uses, std::string_view name, std::int64_t at_ms) {
  const auto it = uses.find(name);
  if (it == uses.end()) {
    uses.emplace(std::string(name), at_ms);
  } else {
    it->second = std::max(it->second, at_ms);
  }
}

void LogWriter::note_key_use(std::size_t shard, std::string_view name, std::int64_t at_ms) {
  Shard& s = *shards_[shard];
  std::lock_guard lock(s.mutex);
  note_newest(s.key_use, name, at_ms);
}

LogWriter::KeyUse LogWriter::take_key_uses() {
  KeyUse all;
  for (auto& s : shards_) {
    KeyUse used;
    {
      std::lock_guard lock(s->mutex);
      used.swap(s->key_use);
    }
    for (const auto& [name, at] : used) {
      note_newest(all, name, at);
    }
  }
  return all;
}

void LogWriter::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_ = true;
  wake_.notify_one();
  thread_.join();
  state_.reset();
}

bool LogWriter::wait_written(std::chrono::milliseconds limit) {
  std::unique_lock lock(written_mutex_);
  // The cycle under way may have drained its shards before the row was pushed; the one after
  // it drains after the call began.
  const auto target = cycles_ + 2;
  urgent_ = true;
  wake_.notify_one();
  return written_.wait_for(lock, limit, [&] { return cycles_ >= target || stopping_.load(); }) && !stopping_.load();
}

std::size_t LogWriter::queue_depth() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    n += s->items.size();
  }
  return n;
}

void LogWriter::render_metrics(std::string& out) const {
  const std::size_t depth = queue_depth();
  std::lock_guard lock(metrics_mutex_);
  metrics_.render(out, depth);
}

std::int64_t LogWriter::failures() const {
  std::lock_guard lock(metrics_mutex_);
  return metrics_.log_failures();
}

void LogWriter::drain(std::vector<LogItem>& batch) {
  for (auto& s : shards_) {
    std::vector<LogItem> taken;
    {
      std::lock_guard lock(s->mutex);
      if (!s->items.empty()) {
        taken.swap(s->items);
        s->items.reserve(std::min<std::size_t>(taken.size(), kShardCapacity));
      }
    }
    if (taken.empty()) {
      continue;
    }
    s->space.notify_all();
    for (auto& item : taken) {
      batch.push_back(std::move(item));
    }
  }
}

void LogWriter::run() {
  // Named so `top -H` and scripts/bench-logs --agent can tell its CPU from the workers'.
  (void)pthread_setname_np(pthread_self(), "router-logs");
  std::vector<LogItem> batch;
  while (true) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, kFlushInterval, [&] { return stopping_.load() || urgent_.load(); });
      urgent_ = false;
    }
    const bool last = stopping_.load();
    batch.clear();
    drain(batch);
    if (!batch.empty() || !state_->retained.empty()) {
      write(batch);
    }
    {
      const std::lock_guard lock(written_mutex_);
      ++cycles_;
    }
    written_.notify_all();
    if (last) {
      // Workers are stopped before the writer, but drain once more for anything pushed while
      // this batch was written.
      batch.clear();
      drain(batch);
      write(batch);
      for (int retry = 0; retry < 3 && !state_->retained.empty(); ++retry) {
        batch.clear();
        write(batch);
      }
      if (!state_->retained.empty()) {
        core::log::error("request log: {} rows not written at exit: the database stayed locked",
                         state_->retained.size());
        std::lock_guard lock(metrics_mutex_);
        metrics_.add_log_failed(static_cast<std::int64_t>(state_->retained.size()));
      }
      for (auto& s : shards_) {
        s->space.notify_all();
      }
      return;
    }
  }
}

void LogWriter::write(std::vector<LogItem>& batch) {
  auto& rows = state_->retained;
  {
    std::lock_guard lock(metrics_mutex_);
    for (auto& item : batch) {
      metrics_.record(item.log);
    }
  }
  for (auto& item : batch) {
    if (item.store) {  // else logging.bodies=off: counted above, never stored
      rows.push_back(std::move(item.log));
    }
  }
  if (rows.empty()) {
    return;
  }
  std::size_t lost = 0;
  try {
    const auto r = state_->repo->insert_batch(rows);
    for (const auto id : r.duplicate_ids) {
      // Ids carry a per-process random tag: a clash means two writers drew the same tag, or a
      // row was replayed. Said and counted; the stored row is kept.
      core::log::error("request log row {} refused: its id is already stored", core::format_request_id(id));
    }
    rows.clear();
    std::lock_guard lock(metrics_mutex_);
    metrics_.add_log_written(static_cast<std::int64_t>(r.inserted));
    metrics_.add_log_duplicate(static_cast<std::int64_t>(r.duplicates));
    return;
  } catch (const core::Error& e) {
    if (e.code() != core::ErrorCode::kUnavailable) {
      core::log::error("request log write of {} rows failed: {}", rows.size(), e.what());
      lost = rows.size();
    } else {
      core::log::warn("request log write of {} rows postponed: {}", rows.size(), e.what());
      lost = rows.size() > kMaxRetained ? rows.size() - kMaxRetained : 0;
    }
  } catch (const std::exception& e) {
    core::log::error("request log write of {} rows failed: {}", rows.size(), e.what());
    lost = rows.size();
  }
  rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(lost));  // the oldest go first
  if (lost > 0) {
    std::lock_guard lock(metrics_mutex_);
    metrics_.add_log_failed(static_cast<std::int64_t>(lost));
  }
}

}  // namespace router::server
