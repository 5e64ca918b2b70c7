#include "core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/parse.hpp"

namespace router::core {

std::int64_t now_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t mono_ns() noexcept {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace {

std::tm to_tm(std::int64_t ms, bool local) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (local) {
    localtime_r(&secs, &tm);
  } else {
    gmtime_r(&secs, &tm);
  }
  return tm;
}

}  // namespace

std::string format_utc(std::int64_t ms) {
  const std::tm tm = to_tm(ms, false);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string format_local(std::int64_t ms) {
  const std::tm tm = to_tm(ms, true);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string format_time(std::int64_t ms, bool utc) {
  const std::tm tm = to_tm(ms, !utc);
  char zone[16] = "UTC";
  if (!utc && std::strftime(zone, sizeof zone, "%Z", &tm) == 0) {
    std::strftime(zone, sizeof zone, "%z", &tm);
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

std::string format_compact_utc(std::int64_t ms) {
  const std::tm tm = to_tm(ms, false);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::int64_t parse_time_point(std::string_view text, std::int64_t now) {
  if (!text.empty() && text.front() >= '0' && text.front() <= '9' &&
      text.find('-') == std::string_view::npos) {
    return now - parse_duration_ms(text);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail[8] = {};
  const std::string str(text);
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail);
  if (n < 6) {
    s = 0;
    tail[0] = '\0';
    n = std::sscanf(str.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d%7s", &y, &mo, &d, &h, &mi, tail);
    if (n < 5) {
      h = mi = 0;
      tail[0] = '\0';
      char extra = 0;
      n = std::sscanf(str.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &extra);
      if (n != 3) {
        n = -1;
      }
    }
  }
  const std::string_view rest(tail);
  const bool utc = rest == "Z" || rest == "z";
  if (n < 0 || !(rest.empty() || utc) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
      mi > 59 || s > 60 || y < 1970) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid time '{}': use a duration back from now (30m, 24h, 7d) or an "
                            "ISO date (2026-11-01, 2026-11-01T12:00, 2026-11-01T12:00:00Z)",
                            text));
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  const std::time_t t = utc ? timegm(&tm) : mktime(&tm);
  return static_cast<std::int64_t>(t) * 1000;
}

}  // namespace router::core
