#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace router::core {

/// Wall-clock milliseconds since the Unix epoch.
[[nodiscard]] std::int64_t now_ms() noexcept;
/// Monotonic nanoseconds, for durations only.
[[nodiscard]] std::int64_t mono_ns() noexcept;

/// "2026-11-22T10:04:05.123Z".
[[nodiscard]] std::string format_utc(std::int64_t ms);
/// "2026-11-22 11:04:05" in the local time zone (human tables).
[[nodiscard]] std::string format_local(std::int64_t ms);
/// Human tables: "2026-11-22 11:04:05 CET" in the local time zone, named, or with `utc`
/// "2026-11-22 10:04:05 UTC" (the --utc flag of `log` and `history`).
[[nodiscard]] std::string format_time(std::int64_t ms, bool utc);
/// "20261122T100405Z", safe in file names.
[[nodiscard]] std::string format_compact_utc(std::int64_t ms);

/// A point in time for --since/--until/--before: a duration back from `now` ("30m", "24h",
/// "7d", "2w") or an ISO date or date-time ("2026-11-01", "2026-11-01T12:00", "...Z", local
/// time unless it ends in Z). Throws kInvalidArgument with the accepted forms.
[[nodiscard]] std::int64_t parse_time_point(std::string_view text, std::int64_t now);

}  // namespace router::core
