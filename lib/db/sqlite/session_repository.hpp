#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace router::db {

class Database;

/// One provider_sessions row: where a provider's conversation continues (PROTOCOLS.md §5).
struct ProviderSession {
  std::string key;  ///< hex SHA-256 of the provider id and the conversation so far
  std::string provider_id;
  std::string chat_id;
  std::string parent_id;  ///< "" is stored as NULL
  std::int64_t created_at = 0;  ///< Unix ms
  std::int64_t updated_at = 0;
};

/// provider_sessions in the logs database. Not thread-safe: one repository per connection and
/// thread; `logs` must outlive it. Failures leave as core::Error (busy → kUnavailable).
class SessionRepository {
 public:
  explicit SessionRepository(Database& logs);
  ~SessionRepository();
  SessionRepository(const SessionRepository&) = delete;
  SessionRepository& operator=(const SessionRepository&) = delete;

  /// The session under `key` if it was updated at or after `not_before_ms`.
  [[nodiscard]] std::optional<ProviderSession> find(std::string_view key, std::int64_t not_before_ms);
  /// Inserts or replaces the row (created_at is kept when the key exists), and deletes the same
  /// provider's sessions not updated since `expire_before_ms`, in one transaction.
  void put(const ProviderSession& session, std::int64_t expire_before_ms);

 private:
  struct Statements;

  Database& db_;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace router::db
