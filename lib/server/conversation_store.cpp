#include "server/conversation_store.hpp"

#include "core/clock.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/session_repository.hpp"

namespace router::server {

SqliteConversationStore::SqliteConversationStore(std::filesystem::path logs_db) : path_(std::move(logs_db)) {}

SqliteConversationStore::~SqliteConversationStore() = default;

db::SessionRepository& SqliteConversationStore::repo() {
  if (!repo_) {
    // The server created and migrated the logs database before any worker started.
    auto db = std::make_unique<db::Database>(path_, db::DatabaseOptions{.create = false});
    repo_ = std::make_unique<db::SessionRepository>(*db);
    db_ = std::move(db);
  }
  return *repo_;
}

std::optional<providers::ConversationState> SqliteConversationStore::find(std::string_view key, std::int64_t not_before_ms) {
  auto row = repo().find(key, not_before_ms);
  if (!row) {
    return std::nullopt;
  }
  return providers::ConversationState{std::move(row->chat_id), std::move(row->parent_id)};
}

void SqliteConversationStore::put(std::string_view key, std::string_view provider_id, const providers::ConversationState& state,
                             std::int64_t expire_before_ms) {
  const auto now = core::now_ms();
  repo().put(db::ProviderSession{std::string(key), std::string(provider_id), state.chat_id, state.parent_id, now, now},
             expire_before_ms);
}

}  // namespace router::server
