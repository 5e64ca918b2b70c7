#pragma once

#include <string_view>

#include <fmt/format.h>

namespace router::core::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

/// Process-wide threshold; cheap to read from any thread.
void set_level(Level level) noexcept;
[[nodiscard]] Level level() noexcept;
/// "debug" | "info" | "warn" | "error" | "off"; nullopt-like false when unknown.
[[nodiscard]] bool parse_level(std::string_view text, Level& out) noexcept;

/// Writes one line "<utc time> <level> <message>" to stderr with a single write(2), so lines from
/// several threads never interleave.
void write(Level level, std::string_view message) noexcept;
/// Writes `fields` as one logfmt line "ts=<utc time> level=info <fields>" to stderr with a single
/// write(2), whatever the level threshold (the access log has its own switch).
void write_logfmt(std::string_view fields) noexcept;
/// A logfmt value: bare when it is a plain token, else double-quoted with \", \\ and control
/// characters escaped (\n, \r, \t, \x1b), so client-supplied text cannot forge or split lines.
[[nodiscard]] std::string logfmt_value(std::string_view value);

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) {
    write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) {
    write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kWarn) {
    write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kError) {
    write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
  }
}

}  // namespace router::core::log
