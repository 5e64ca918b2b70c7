#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "db/log_types.hpp"

namespace router::test {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kMinuteMs = 60'000;

/// The request id of the `seq`-th request in millisecond `ms` (lane 0), as core/ids.hpp makes them.
[[nodiscard]] std::int64_t request_id_at(std::int64_t ms, std::int64_t seq = 0);

/// A fully populated row: every optional set, bodies, one attempt (two when the outcome is not
/// ok: a failed attempt first). created_at and the id agree.
[[nodiscard]] db::RequestLog make_log(std::int64_t ms, std::int64_t seq,
                                      const std::string& provider, const std::string& model,
                                      db::Outcome outcome, std::int64_t duration_us);

/// A logs database at the current schema in a directory, with a repository on it.
struct LogsDb {
  explicit LogsDb(const std::filesystem::path& path);
  db::Database db;
  db::LogRepository repo;
};

}  // namespace router::test
