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

std::int64_t parse_duration_ms(std::string_view text) {
  std::int64_t v = 0;
  std::string_view unit;
  std::int64_t mult = 0;
  if (split_number(text, v, unit)) {
    if (unit == "ms") {
      mult = 1;
    } else if (unit.empty() || unit == "s") {
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

std::int64_t parse_size(std::string_view text) {
  std::int64_t v = 0;
  std::string_view unit;
  std::int64_t mult = 0;
  if (split_number(text, v, unit)) {
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
                fmt::format("invalid size '{}': use a byte count or k/KiB, M/MiB, G/GiB (e.g. 8MiB)", text));
  }
  return out;
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
