#include "core/parse.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "core/error.hpp"

namespace router::core {

namespace {

// Splits "123unit" into the number and the unit; false on no digits or overflow.
bool split_number(std::string_view text, std::int64_t& value, std::string_view& unit) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || value < 0) {
    return false;
  }
  unit = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  while (!unit.empty() && unit.front() == ' ') {
    unit.remove_prefix(1);
  }
  return true;
}

bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

BareNumber bare_number_for(std::string_view key) noexcept {
  for (const std::string_view suffix : {"_ms", "Ms", "_bytes", "Bytes"}) {
    if (key.size() > suffix.size() && key.ends_with(suffix)) {
      return BareNumber::kInUnit;
    }
  }
  return BareNumber::kRefuse;
}

std::int64_t parse_duration_ms(std::string_view text, BareNumber bare) {
  std::int64_t v = 0;
  std::string_view unit;
  std::int64_t mult = 0;
  if (split_number(text, v, unit)) {
    if (unit.empty() && bare == BareNumber::kRefuse) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("invalid duration '{}': say the unit, e.g. {}s or {}ms (ms, s, m, h, d or w)", text, v, v));
    }
    if (unit == "ms" || unit.empty()) {
      mult = 1;
    } else if (unit == "s") {
      mult = 1000;
    } else if (unit == "m" || unit == "min") {
      mult = 60'000;
    } else if (unit == "h") {
      mult = 3'600'000;
    } else if (unit == "d") {
      mult = 86'400'000;
    } else if (unit == "w") {
      mult = 7 * 86'400'000LL;
    }
  }
  std::int64_t out = 0;
  if (mult == 0 || !checked_mul(v, mult, out)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid duration '{}': use a number with ms, s, m, h, d or w (e.g. 30s, 24h, 7d)", text));
  }
  return out;
}

std::int64_t parse_size(std::string_view text, BareNumber bare) {
  std::int64_t v = 0;
  std::string_view unit;
  std::int64_t mult = 0;
  if (split_number(text, v, unit)) {
    if (unit.empty() && bare == BareNumber::kRefuse) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("invalid size '{}': say the unit, e.g. {}B or {}k (B, k/KiB, M/MiB, G/GiB)", text, v, v));
    }
    if (unit.empty() || unit == "B" || unit == "b") {
      mult = 1;
    } else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "kiB") {
      mult = 1024;
    } else if (unit == "kB" || unit == "KB") {
      mult = 1000;
    } else if (unit == "M" || unit == "m" || unit == "MiB") {
      mult = 1024 * 1024;
    } else if (unit == "MB") {
      mult = 1000 * 1000;
    } else if (unit == "G" || unit == "g" || unit == "GiB") {
      mult = 1024LL * 1024 * 1024;
    } else if (unit == "GB") {
      mult = 1000LL * 1000 * 1000;
    }
  }
  std::int64_t out = 0;
  if (mult == 0 || !checked_mul(v, mult, out)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid size '{}': use a number with B, k/KiB, M/MiB or G/GiB (e.g. 8MiB)", text));
  }
  return out;
}

std::string format_duration_ms(std::int64_t ms) {
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  constexpr Unit kUnits[] = {{7 * 86'400'000LL, "w"}, {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms && ms % u.ms == 0) {
      return fmt::format("{}{}", ms / u.ms, u.name);
    }
  }
  return fmt::format("{}ms", ms);
}

std::string format_size(std::int64_t bytes) {
  if (bytes >= (1LL << 30) && bytes % (1LL << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes >= (1LL << 20) && bytes % (1LL << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

std::int64_t parse_int(std::string_view text, std::int64_t min, std::int64_t max, std::string_view what) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty() || v < min || v > max) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid {} '{}': expected a whole number from {} to {}", what, text, min, max));
  }
  return v;
}

}  // namespace router::core
