#include "db/database.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "db/sqlite_error.hpp"

namespace router::db {

struct DataVersionStmt {
  SQLite::Statement stmt;
};

namespace {

using core::Error;
using core::ErrorCode;

std::unique_ptr<SQLite::Database> open_connection(const std::filesystem::path& path, int flags,
                                                  std::chrono::milliseconds busy) {
  try {
    return std::make_unique<SQLite::Database>(path.string(), flags, static_cast<int>(busy.count()));
  } catch (const SQLite::Exception& e) {
    rethrow(e, fmt::format("cannot open database '{}'", path.string()));
  }
}

}  // namespace

Database::Database(const std::filesystem::path& path, const DatabaseOptions& options)
    : path_(path), busy_timeout_(options.busy_timeout) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create) {
    throw Error(ErrorCode::kUnavailable, fmt::format("database '{}' does not exist", path.string()));
  }
  if (!exists) {
    core::ensure_parent_dir(path);
  }
  // One connection per thread (SQLITE_OPEN_NOMUTEX): the project never shares a connection.
  db_ = open_connection(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                        busy_timeout_);
  if (!exists) {
    // The configuration holds sealed secrets and key hashes: owner-only, like the key file.
    // SQLite gives the -wal and -shm files the same mode.
    ::chmod(path.c_str(), 0600);
  }
  try {
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA synchronous=NORMAL");
    if (!exists && options.page_size > 0) {
      exec(fmt::format("PRAGMA page_size={}", options.page_size));
    }
    if (!exists && options.incremental_vacuum) {
      // Only takes effect before the first table exists, which is why it is limited to new files.
      exec("PRAGMA auto_vacuum=INCREMENTAL");
    }
    std::string mode;
    retry_busy([&] { mode = db_->execAndGet("PRAGMA journal_mode").getString(); });
    if (mode != "wal") {
      retry_busy([&] { mode = db_->execAndGet("PRAGMA journal_mode=WAL").getString(); });
      if (mode != "wal") {
        throw Error(ErrorCode::kUnavailable,
                    fmt::format("database '{}' cannot use WAL mode (got '{}')", path.string(), mode));
      }
    }
    // A quick sanity read: fails here with NOTADB instead of later in a random command.
    retry_busy([&] { (void)db_->execAndGet("SELECT count(*) FROM sqlite_schema").getInt(); });
    data_version_ = std::make_unique<DataVersionStmt>(DataVersionStmt{SQLite::Statement(*db_, "PRAGMA data_version")});
  } catch (const SQLite::Exception& e) {
    rethrow(e, fmt::format("cannot open database '{}'", path.string()));
  }
}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

void Database::retry_busy(const std::function<void()>& attempt) {
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    try {
      attempt();
      return;
    } catch (const SQLite::Exception& e) {
      if (!is_busy(e) || std::chrono::steady_clock::now() >= deadline) {
        rethrow(e, fmt::format("database '{}'", path_.filename().string()));
      }
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

void Database::write(const std::function<void()>& fn) {
  retry_busy([&] {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    fn();
    tx.commit();
  });
}

void Database::read(const std::function<void()>& fn) {
  retry_busy([&] {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::DEFERRED);
    fn();
    tx.commit();
  });
}

void Database::exec(const std::string& sql) {
  retry_busy([&] { db_->exec(sql); });
}

std::int64_t Database::data_version() {
  std::int64_t v = 0;
  retry_busy([&] {
    auto& s = data_version_->stmt;
    s.reset();
    if (!s.executeStep()) {
      throw Error(ErrorCode::kInternal, "PRAGMA data_version returned nothing");
    }
    v = s.getColumn(0).getInt64();
    s.reset();
  });
  return v;
}

void Database::backup_to(const std::filesystem::path& destination) {
  core::ensure_parent_dir(destination);
  const auto tmp = destination.string() + fmt::format(".tmp-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  try {
    {
      SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      retry_busy([&] {
        SQLite::Backup backup(dst, *db_);
        // One step copies everything under a single read transaction: a consistent snapshot.
        const int rc = backup.executeStep(-1);
        if (rc != SQLITE_DONE) {
          throw SQLite::Exception("backup did not complete", rc);
        }
      });
    }
    std::filesystem::rename(tmp, destination);
  } catch (const SQLite::Exception& e) {
    std::filesystem::remove(tmp, ec);
    rethrow(e, fmt::format("backup of '{}' to '{}' failed", path_.string(), destination.string()));
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove(tmp, ec);
    throw Error(ErrorCode::kUnavailable, fmt::format("backup to '{}' failed: {}", destination.string(),
                                                     e.code().message()));
  }
}

}  // namespace router::db
