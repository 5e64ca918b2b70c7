#pragma once

#include <filesystem>
#include <memory>

#include "providers/provider.hpp"

namespace router::db {
class Database;
class SessionRepository;
}  // namespace router::db

namespace router::server {

/// A worker's providers::ConversationStore: provider_sessions in the logs database through the
/// worker's own connection, opened on first use (workers that never serve a stateful provider
/// never open it). Lives on, and is used only by, its worker's thread.
class SqliteConversationStore final : public providers::ConversationStore {
 public:
  explicit SqliteConversationStore(std::filesystem::path logs_db);
  ~SqliteConversationStore() override;
  SqliteConversationStore(const SqliteConversationStore&) = delete;
  SqliteConversationStore& operator=(const SqliteConversationStore&) = delete;

  [[nodiscard]] std::optional<providers::ConversationState> find(std::string_view key, std::int64_t not_before_ms) override;
  void put(std::string_view key, std::string_view provider_id, const providers::ConversationState& state,
           std::int64_t expire_before_ms) override;

 private:
  db::SessionRepository& repo();

  std::filesystem::path path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<db::SessionRepository> repo_;  // after db_: destroyed before it
};

}  // namespace router::server
