#include "db/sqlite/body_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/body_split.hpp"
#include "db/sqlite/database.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;

constexpr const char* kSelectItem = "SELECT item_id, last_seen FROM body_items WHERE hash = ?1";
constexpr const char* kTouchItem =
    "UPDATE body_items SET last_seen = max(last_seen, ?2) WHERE item_id = ?1";
constexpr const char* kInsertItem = "INSERT INTO body_items (hash, size, data, last_seen) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kInsertBody = R"sql(
INSERT OR REPLACE INTO request_bodies (request_id, request, layout, response, stored_bytes)
VALUES (?1, ?2, ?3, ?4, ?5))sql";
constexpr const char* kSelectBody = "SELECT request, layout, response FROM request_bodies WHERE request_id = ?1";
constexpr const char* kSelectItemData = "SELECT data, size FROM body_items WHERE item_id = ?1";
constexpr const char* kSelectReplay = "SELECT replay_of FROM request_replays WHERE request_id = ?1";
constexpr const char* kInsertReplay = "INSERT OR REPLACE INTO request_replays (request_id, replay_of) VALUES (?1, ?2)";

// The id bound of the oldest `n` bodies below `cutoff`: deleting by range keeps each step one
// index walk.
constexpr const char* kBodiesBound = R"sql(
SELECT request_id FROM request_bodies WHERE request_id < ?1 ORDER BY request_id LIMIT 1 OFFSET ?2)sql";
constexpr const char* kDeleteBodies = "DELETE FROM request_bodies WHERE request_id < ?1";
constexpr const char* kDeleteReplays = "DELETE FROM request_replays WHERE request_id < ?1";
constexpr const char* kDeleteItems = R"sql(
DELETE FROM body_items WHERE item_id IN (
  SELECT item_id FROM body_items INDEXED BY body_items_by_last_seen WHERE last_seen < ?1 LIMIT ?2))sql";

// An item whose last_seen is below a body's arrival by more than kRefreshMs cannot be used by it
// (the writer refreshes last_seen at least that often); the margin covers clock steps between
// processes writing one database.
constexpr std::int64_t kCollectMarginMs = 3'600'000;
// The writer's map of known items is dropped when it grows past this (about 10 MB).
constexpr std::size_t kMaxKnown = 100'000;

std::string_view blob_of(const SQLite::Column& c) {
  return {static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes())};
}

void bind_blob(SQLite::Statement& s, int i, std::string_view b) {
  s.bindNoCopy(i, b.data(), static_cast<int>(b.size()));
}

}  // namespace

struct BodyStore::Statements {
  explicit Statements(SQLite::Database& db)
      : select_item(db, kSelectItem),
        touch_item(db, kTouchItem),
        insert_item(db, kInsertItem),
        insert_body(db, kInsertBody),
        select_body(db, kSelectBody),
        select_item_data(db, kSelectItemData),
        select_replay(db, kSelectReplay),
        insert_replay(db, kInsertReplay) {}

  SQLite::Statement select_item;
  SQLite::Statement touch_item;
  SQLite::Statement insert_item;
  SQLite::Statement insert_body;
  SQLite::Statement select_body;
  SQLite::Statement select_item_data;
  SQLite::Statement select_replay;
  SQLite::Statement insert_replay;
};

std::size_t BodyStore::HashOf::operator()(const core::Sha256& h) const noexcept {
  std::size_t v = 0;
  std::memcpy(&v, h.data(), sizeof v);  // already uniformly distributed
  return v;
}

BodyStore::BodyStore(Database& db) : db_(db), stmts_(std::make_unique<Statements>(db.sqlite())) {}

BodyStore::~BodyStore() = default;

void BodyStore::begin() { staged_.clear(); }

void BodyStore::committed() {
  if (known_.size() + staged_.size() > kMaxKnown) {
    known_.clear();
  }
  for (const auto& [hash, k] : staged_) {
    known_[hash] = k;
  }
  staged_.clear();
}

// The id of the item with `hash`, storing it (or refreshing its last_seen) as needed. `stored`
// grows by the bytes a new item adds.
std::int64_t BodyStore::item_id(const core::Sha256& hash, std::string_view raw, std::int64_t now_ms,
                                std::int64_t& stored) {
  std::optional<Known> k;
  if (const auto it = staged_.find(hash); it != staged_.end()) {
    k = it->second;
  } else if (const auto it2 = known_.find(hash); it2 != known_.end()) {
    k = it2->second;
  }
  if (k && k->last_seen >= now_ms - kRefreshMs) {
    return k->id;  // fresh: retention cannot have collected it (collect_items_step's bound)
  }
  auto& s = *stmts_;
  if (!k) {
    s.select_item.reset();
    bind_blob(s.select_item, 1, {reinterpret_cast<const char*>(hash.data()), hash.size()});
    if (s.select_item.executeStep()) {
      k = Known{s.select_item.getColumn(0).getInt64(), s.select_item.getColumn(1).getInt64()};
    }
    s.select_item.reset();
  }
  if (k) {
    s.touch_item.reset();
    s.touch_item.bind(1, static_cast<std::int64_t>(k->id));
    s.touch_item.bind(2, static_cast<std::int64_t>(now_ms));
    if (s.touch_item.exec() == 1) {
      staged_[hash] = Known{k->id, std::max(k->last_seen, now_ms)};
      return k->id;
    }
    // Collected since this connection learnt of it: store it again.
  }
  const std::string data = pack(raw);
  s.insert_item.reset();
  bind_blob(s.insert_item, 1, {reinterpret_cast<const char*>(hash.data()), hash.size()});
  s.insert_item.bind(2, static_cast<std::int64_t>(raw.size()));
  bind_blob(s.insert_item, 3, data);
  s.insert_item.bind(4, static_cast<std::int64_t>(now_ms));
  s.insert_item.exec();
  const std::int64_t id = db_.sqlite().getLastInsertRowid();
  stored += static_cast<std::int64_t>(data.size() + hash.size());
  staged_[hash] = Known{id, now_ms};
  return id;
}

void BodyStore::put(const RequestLog& r) {
  std::optional<PreparedBodies> local;
  const PreparedBodies* p = r.prepared.get();
  if (p == nullptr) {
    if (!r.request_body && !r.response_body) {
      return;
    }
    local = prepare_bodies(r.request_body, r.response_body);
    p = &*local;
  }
  if (!p->request && !p->response) {
    return;
  }
  std::int64_t stored = 0;
  std::string layout;
  if (p->request && !p->request->items.empty()) {
    const SplitBody& split = *p->request;
    std::vector<std::int64_t> ids;
    ids.reserve(split.items.size());
    for (const BodyItem& item : split.items) {
      ids.push_back(item_id(item.hash, std::string_view(split.text).substr(item.offset, item.size), r.created_at,
                            stored));
    }
    layout = encode_layout(split, ids);
  }
  auto& s = stmts_->insert_body;
  s.reset();
  s.bind(1, static_cast<std::int64_t>(r.request_id));
  if (p->request) {
    bind_blob(s, 2, p->envelope);
    stored += static_cast<std::int64_t>(p->envelope.size());
  } else {
    s.bind(2);
  }
  if (layout.empty()) {
    s.bind(3);
  } else {
    bind_blob(s, 3, layout);
    stored += static_cast<std::int64_t>(layout.size());
  }
  if (p->response) {
    bind_blob(s, 4, *p->response);
    stored += static_cast<std::int64_t>(p->response->size());
  } else {
    s.bind(4);
  }
  s.bind(5, static_cast<std::int64_t>(stored));
  s.exec();
  s.reset();  // the blobs were bound without copies
}

void BodyStore::link_replay(std::int64_t request_id, std::int64_t original) {
  auto& s = stmts_->insert_replay;
  s.reset();
  s.bind(1, static_cast<std::int64_t>(request_id));
  s.bind(2, static_cast<std::int64_t>(original));
  s.exec();
}

void BodyStore::get(RequestLog& r) {
  auto& s = *stmts_;
  s.select_replay.reset();
  s.select_replay.bind(1, static_cast<std::int64_t>(r.request_id));
  r.replay_of.reset();
  if (s.select_replay.executeStep()) {
    r.replay_of = s.select_replay.getColumn(0).getInt64();
  }
  s.select_replay.reset();

  r.request_body.reset();
  r.response_body.reset();
  auto& b = s.select_body;
  b.reset();
  b.bind(1, static_cast<std::int64_t>(r.request_id));
  if (!b.executeStep()) {
    b.reset();
    return;
  }
  if (!b.getColumn(2).isNull()) {
    r.response_body = unpack(blob_of(b.getColumn(2)));
  }
  if (!b.getColumn(0).isNull()) {
    std::string envelope = unpack(blob_of(b.getColumn(0)));
    const auto layout = b.getColumn(1).isNull() ? std::vector<LayoutEntry>{} : decode_layout(blob_of(b.getColumn(1)));
    std::vector<std::string> items;
    items.reserve(layout.size());
    auto& q = s.select_item_data;
    for (const LayoutEntry& e : layout) {
      q.reset();
      q.bind(1, static_cast<std::int64_t>(e.item_id));
      if (!q.executeStep()) {
        q.reset();
        throw Error(ErrorCode::kInternal,
                    fmt::format("the request body of {} misses a stored item", core::format_request_id(r.request_id)));
      }
      items.push_back(unpack(blob_of(q.getColumn(0))));
      q.reset();
    }
    r.request_body = layout.empty() ? std::move(envelope) : join_body(envelope, layout, items);
  }
  b.reset();
}

std::int64_t BodyStore::delete_below(std::int64_t bound, bool replays) {
  SQLite::Statement d(db_.sqlite(), kDeleteBodies);
  d.bind(1, static_cast<std::int64_t>(bound));
  const std::int64_t n = d.exec();
  if (replays) {
    SQLite::Statement r(db_.sqlite(), kDeleteReplays);
    r.bind(1, static_cast<std::int64_t>(bound));
    (void)r.exec();
  }
  return n;
}

std::size_t BodyStore::prune_bodies_step(std::int64_t cutoff_ms, std::size_t max_rows) {
  if (max_rows == 0) {
    return 0;
  }
  const std::int64_t cutoff_id = core::first_request_id_at(std::max<std::int64_t>(cutoff_ms, 0));
  std::int64_t deleted = 0;
  db_.write([&] {
    std::int64_t bound = cutoff_id;
    SQLite::Statement q(db_.sqlite(), kBodiesBound);
    q.bind(1, static_cast<std::int64_t>(cutoff_id));
    q.bind(2, static_cast<std::int64_t>(max_rows));
    if (q.executeStep()) {
      bound = q.getColumn(0).getInt64();  // exclusive: exactly max_rows rows lie below it
    }
    deleted = delete_below(bound, false);
  });
  return static_cast<std::size_t>(deleted);
}

std::size_t BodyStore::collect_items_step(std::int64_t cutoff_ms, std::size_t max_items) {
  if (max_items == 0) {
    return 0;
  }
  std::int64_t deleted = 0;
  db_.write([&] {
    SQLite::Statement d(db_.sqlite(), kDeleteItems);
    // Never younger than the writer's trust window, whatever cutoff a caller passes.
    d.bind(1, static_cast<std::int64_t>(std::min(cutoff_ms, core::now_ms()) - kRefreshMs - kCollectMarginMs));
    d.bind(2, static_cast<std::int64_t>(max_items));
    deleted = d.exec();
  });
  // Items this connection knew may be gone; they are checked again on next use anyway (stale
  // entries are refreshed through their row), so only fresh ones could mislead, and those are
  // never collected.
  return static_cast<std::size_t>(deleted);
}

StorageReport BodyStore::report(std::int64_t since_ms) {
  StorageReport out;
  out.window_ms = core::now_ms() - since_ms;
  db_.read([&] {
    auto& sql = db_.sqlite();
    const std::int64_t page = sql.execAndGet("PRAGMA page_size").getInt64();
    out.file_bytes = sql.execAndGet("PRAGMA page_count").getInt64() * page;
    out.free_bytes = sql.execAndGet("PRAGMA freelist_count").getInt64() * page;
    out.body_rows = sql.execAndGet("SELECT count(*) FROM request_bodies").getInt64();
    out.items = sql.execAndGet("SELECT count(*) FROM body_items").getInt64();
    SQLite::Statement q(sql, R"sql(
SELECT count(*), coalesce(sum(l.request_bytes + l.response_bytes), 0), coalesce(sum(b.stored_bytes), 0)
FROM request_logs l LEFT JOIN request_bodies b USING (request_id) WHERE l.request_id >= ?1)sql");
    q.bind(1, static_cast<std::int64_t>(core::first_request_id_at(std::max<std::int64_t>(since_ms, 0))));
    if (q.executeStep()) {
      out.requests = q.getColumn(0).getInt64();
      out.received_bytes = q.getColumn(1).getInt64();
      out.stored_bytes = q.getColumn(2).getInt64();
    }
  });
  std::error_code ec;
  const auto wal = std::filesystem::file_size(db_.path().string() + "-wal", ec);
  out.wal_bytes = ec ? 0 : static_cast<std::int64_t>(wal);
  return out;
}

}  // namespace router::db
