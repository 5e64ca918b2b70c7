#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/clock.hpp"

namespace router::core::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

std::string_view name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "?";
}
}  // namespace

void set_level(Level l) noexcept { g_level.store(static_cast<int>(l), std::memory_order_relaxed); }

Level level() noexcept { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool parse_level(std::string_view text, Level& out) noexcept {
  for (const Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (text == name(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void write(Level l, std::string_view message) noexcept {
  try {
    std::string line = format_utc(now_ms());
    line += ' ';
    line += name(l);
    line += ' ';
    line += message;
    line += '\n';
    std::size_t off = 0;
    while (off < line.size()) {
      const ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
      if (n <= 0) {
        break;
      }
      off += static_cast<std::size_t>(n);
    }
  } catch (...) {  // logging must never take the process down
  }
}

}  // namespace router::core::log
