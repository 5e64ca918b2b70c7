#include "db/sqlite/database.hpp"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "db/sqlite/sqlite_error.hpp"

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

namespace {

// The snapshot of `src` written to `destination` by the backup API: one read transaction, a
// temporary file created 0600 with O_EXCL|O_NOFOLLOW (backups hold sealed secrets and key hashes,
// and a planted symlink must not redirect them), renamed over the destination.
void write_snapshot(SQLite::Database& src, const std::filesystem::path& source_name,
                    const std::filesystem::path& destination, const std::function<void(const std::function<void()>&)>& retry) {
  core::ensure_parent_dir(destination);
  const auto tmp = destination.string() + fmt::format(".tmp-{}", ::getpid());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("backup to '{}' failed: {}", destination.string(), std::strerror(errno)));
  }
  ::close(fd);
  try {
    {
      SQLite::Database dst(tmp, SQLite::OPEN_READWRITE);
      retry([&] {
        SQLite::Backup backup(dst, src);
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
    rethrow(e, fmt::format("backup of '{}' to '{}' failed", source_name.string(), destination.string()));
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove(tmp, ec);
    throw Error(ErrorCode::kUnavailable, fmt::format("backup to '{}' failed: {}", destination.string(),
                                                     e.code().message()));
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace

void Database::backup_to(const std::filesystem::path& destination) {
  write_snapshot(*db_, path_, destination, [this](const std::function<void()>& f) { retry_busy(f); });
}

void Database::copy_file(const std::filesystem::path& source, const std::filesystem::path& destination) {
  try {
    SQLite::Database src(source.string(), SQLite::OPEN_READONLY);
    write_snapshot(src, source, destination, [](const std::function<void()>& f) { f(); });
  } catch (const SQLite::Exception& e) {
    rethrow(e, fmt::format("cannot read '{}'", source.string()));
  }
}

void Database::restore_from(const std::filesystem::path& source) {
  try {
    SQLite::Database src(source.string(), SQLite::OPEN_READONLY);
    retry_busy([&] {
      SQLite::Backup backup(*db_, src);
      const int rc = backup.executeStep(-1);
      if (rc != SQLITE_DONE) {
        throw SQLite::Exception("restore did not complete", rc);
      }
    });
  } catch (const SQLite::Exception& e) {
    rethrow(e, fmt::format("restore of '{}' from '{}' failed", path_.string(), source.string()));
  }
}

}  // namespace router::db
