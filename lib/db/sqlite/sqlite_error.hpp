#pragma once

// lib/db internal: translation of SQLite failures into core::Error.

#include <SQLiteCpp/Exception.h>

#include <string_view>

namespace router::db {

/// True for SQLITE_BUSY and SQLITE_LOCKED (any extended code): a retry may succeed.
[[nodiscard]] bool is_busy(const SQLite::Exception& e) noexcept;
/// Maps a SQLite failure to core::Error: constraint → kConflict, busy/locked/cantopen/notadb/
/// readonly/full → kUnavailable, everything else → kInternal. `what` says what was being done.
[[noreturn]] void rethrow(const SQLite::Exception& e, std::string_view what);

}  // namespace router::db
