#include "db/sqlite/sqlite_error.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace router::db {

bool is_busy(const SQLite::Exception& e) noexcept {
  const int primary = e.getErrorCode() & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

void rethrow(const SQLite::Exception& e, std::string_view what) {
  using core::Error;
  using core::ErrorCode;
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_CONSTRAINT:
      throw Error(ErrorCode::kConflict, fmt::format("{}: {}", what, e.what()));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("{}: the database stayed locked by another process for too long", what));
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_PERM:
      throw Error(ErrorCode::kUnavailable, fmt::format("{}: {}", what, e.what()));
    default:
      throw Error(ErrorCode::kInternal, fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace router::db
