#include "core/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "core/clock.hpp"
#include "core/text.hpp"

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

namespace {
void write_all(const std::string& line) noexcept {
  std::size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) {
      break;
    }
    off += static_cast<std::size_t>(n);
  }
}
}  // namespace

void write(Level l, std::string_view message) noexcept {
  try {
    std::string line = format_utc(now_ms());
    line += ' ';
    line += name(l);
    line += ' ';
    line += message;
    line += '\n';
    write_all(line);
  } catch (...) {  // logging must never take the process down
  }
}

void write_logfmt(std::string_view fields) noexcept {
  try {
    std::string line = "ts=" + format_utc(now_ms()) + " level=info ";
    line += fields;
    line += '\n';
    write_all(line);
  } catch (...) {
  }
}

std::string logfmt_value(std::string_view v) {
  const bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f && c != '"' && c != '=' && c != '\\';
  });
  if (plain) {
    return std::string(v);
  }
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (!append_control_escape(out, c)) {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace router::core::log
