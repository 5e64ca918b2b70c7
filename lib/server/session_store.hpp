#pragma once

#include <filesystem>
#include <memory>

#include "providers/provider.hpp"

namespace router::db {
class Database;
class SessionRepository;
}  // namespace router::db

namespace router::server {

/// A worker's providers::SessionStore: provider_sessions in the logs database through the
/// worker's own connection, opened on first use (workers that never serve a stateful provider
/// never open it). Lives on, and is used only by, its worker's thread.
class SqliteSessionStore final : public providers::SessionStore {
 public:
  explicit SqliteSessionStore(std::filesystem::path logs_db);
  ~SqliteSessionStore() override;
  SqliteSessionStore(const SqliteSessionStore&) = delete;
  SqliteSessionStore& operator=(const SqliteSessionStore&) = delete;

  [[nodiscard]] std::optional<providers::SessionState> find(std::string_view key, std::int64_t not_before_ms) override;
  void put(std::string_view key, std::string_view provider_id, const providers::SessionState& state,
           std::int64_t expire_before_ms) override;

 private:
  db::SessionRepository& repo();

  std::filesystem::path path_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<db::SessionRepository> repo_;  // after db_: destroyed before it
};

}  // namespace router::server
