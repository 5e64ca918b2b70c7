#include "db/sqlite/session_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "db/sqlite/database.hpp"

namespace router::db {

namespace {

constexpr const char* kSelect = R"sql(
SELECT key, provider_id, chat_id, parent_id, created_at, updated_at FROM provider_sessions
WHERE key = ?1 AND updated_at >= ?2)sql";

constexpr const char* kUpsert = R"sql(
INSERT INTO provider_sessions (key, provider_id, chat_id, parent_id, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (key) DO UPDATE SET provider_id = excluded.provider_id, chat_id = excluded.chat_id,
  parent_id = excluded.parent_id, updated_at = excluded.updated_at)sql";

// Ranges over provider_sessions_by_updated: only the expired rows are visited.
constexpr const char* kExpire = "DELETE FROM provider_sessions WHERE updated_at < ?1 AND provider_id = ?2";

}  // namespace

// Prepared once per connection: a qwen-direct turn costs one lookup and one upsert.
struct SessionRepository::Statements {
  explicit Statements(SQLite::Database& db) : select(db, kSelect), upsert(db, kUpsert), expire(db, kExpire) {}
  SQLite::Statement select;
  SQLite::Statement upsert;
  SQLite::Statement expire;
};

SessionRepository::SessionRepository(Database& logs)
    : db_(logs), stmts_(std::make_unique<Statements>(logs.sqlite())) {}

SessionRepository::~SessionRepository() = default;

std::optional<ProviderSession> SessionRepository::find(std::string_view key, std::int64_t not_before_ms) {
  std::optional<ProviderSession> out;
  db_.read([&] {
    out.reset();
    auto& q = stmts_->select;
    q.reset();
    q.bind(1, std::string(key));
    q.bind(2, not_before_ms);
    if (q.executeStep()) {
      out = ProviderSession{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                            q.isColumnNull(3) ? std::string() : q.getColumn(3).getString(), q.getColumn(4).getInt64(),
                            q.getColumn(5).getInt64()};
    }
    q.reset();
  });
  return out;
}

void SessionRepository::put(const ProviderSession& s, std::int64_t expire_before_ms) {
  db_.write([&] {
    auto& up = stmts_->upsert;
    up.reset();
    up.bind(1, s.key);
    up.bind(2, s.provider_id);
    up.bind(3, s.chat_id);
    if (s.parent_id.empty()) {
      up.bind(4);
    } else {
      up.bind(4, s.parent_id);
    }
    up.bind(5, s.created_at);
    up.bind(6, s.updated_at);
    up.exec();
    up.reset();
    auto& ex = stmts_->expire;
    ex.reset();
    ex.bind(1, expire_before_ms);
    ex.bind(2, s.provider_id);
    ex.exec();
    ex.reset();
  });
}

}  // namespace router::db
