#include "core/text.hpp"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "core/error.hpp"

namespace router::core {

namespace {

// Typo costs, in units where inserting or deleting a character costs 2: swapping two adjacent
// characters (the commonest slip) costs 1, a case-only change 1, and replacing a character 3, so
// "staus" is nearer "status" (one dropped letter) than "stats" (one wrong letter).
constexpr std::size_t kIndel = 2;
constexpr std::size_t kSwap = 1;
constexpr std::size_t kCase = 1;
constexpr std::size_t kReplace = 3;

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Weighted optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t typo_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) {
    d[i][0] = i * kIndel;
  }
  for (std::size_t j = 0; j <= m; ++j) {
    d[0][j] = j * kIndel;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const char x = a[i - 1];
      const char y = b[j - 1];
      const std::size_t cost = x == y ? 0 : lower(x) == lower(y) ? kCase : kReplace;
      d[i][j] = std::min({d[i - 1][j] + kIndel, d[i][j - 1] + kIndel, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && x == b[j - 2] && a[i - 2] == y) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + kSwap);
      }
    }
  }
  return d[n][m];
}

std::size_t common_prefix(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    ++i;
  }
  return i;
}

}  // namespace

std::optional<std::string> suggest(std::string_view word, std::span<const std::string> candidates) {
  if (word.empty() || word.size() > 200) {
    return std::nullopt;
  }
  // One typo per three characters (at most three), and one wrong character even in a short word.
  const std::size_t limit = kIndel * std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3)) + 1;
  std::optional<std::string> best;
  std::size_t best_d = 0;
  std::size_t best_prefix = 0;
  for (const auto& c : candidates) {
    if (c.size() > 200 || c == word) {
      continue;
    }
    std::size_t dist = typo_distance(word, c);
    if (dist > limit && word.size() >= 3 && c.starts_with(word)) {
      dist = limit;  // an abbreviation is as good as a typo
    }
    // Equal distances go to the candidate sharing the longer prefix: typos happen late.
    const std::size_t prefix = common_prefix(word, c);
    if (dist <= limit && (!best || dist < best_d || (dist == best_d && prefix > best_prefix))) {
      best = c;
      best_d = dist;
      best_prefix = prefix;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  if (auto s = suggest(word, candidates)) {
    return fmt::format(" (did you mean '{}'?)", *s);
  }
  return {};
}

bool append_control_escape(std::string& out, char c) {
  const auto u = static_cast<unsigned char>(c);
  if (c == '\n') {
    out += "\\n";
  } else if (c == '\r') {
    out += "\\r";
  } else if (c == '\t') {
    out += "\\t";
  } else if (u < 0x20 || u == 0x7f) {
    out += fmt::format("\\x{:02x}", u);
  } else {
    return false;
  }
  return true;
}

void throw_not_found(std::string_view what, std::string_view name, std::span<const std::string> candidates,
                     std::string param) {
  throw Error(ErrorCode::kNotFound,
              fmt::format("{} '{}' not found{}", what, name.substr(0, 100), did_you_mean(name, candidates)),
              std::move(param));
}

namespace {

// The length of the well-formed UTF-8 sequence at `p` (strict, as is_valid_utf8), 0 if none.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char c = *p;
  if (c < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2;
    cp = c & 0x1fU;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3;
    cp = c & 0x0fU;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4;
    cp = c & 0x07U;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < len) {
    return 0;
  }
  for (std::size_t i = 1; i < len; ++i) {
    if ((p[i] & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (p[i] & 0x3fU);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const std::size_t len = utf8_sequence(p, end);
    if (len == 0) {
      return false;
    }
    p += len;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) {
    return std::string(s);
  }
  std::string out;
  out.reserve(s.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const std::size_t len = utf8_sequence(p, end);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for each byte that starts no valid sequence
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    }
  }
  return out;
}

bool is_slug(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) {
    return false;
  }
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok(s.front())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [&](char c) { return ok(c) || c == '-'; });
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

bool is_model_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 200 || s == "." || s == ".." || s.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f && c != '\\'; });
}

void require_slug(std::string_view s, std::string_view what) {
  if (!is_slug(s)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid {} '{}': use lowercase letters, digits and '-', starting with a "
                            "letter or digit (at most 64)",
                            what, s.substr(0, 80)));
  }
}

void require_model_id(std::string_view s, std::string_view what) {
  if (!is_model_id(s)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid {} '{}': use 1 to 200 printable characters without spaces, "
                            "backslashes or '..'",
                            what, s.substr(0, 80)));
  }
}

std::string join(std::span<const std::string> parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) {
      break;
    }
    start = pos + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string mask_secret(std::string_view value) {
  if (value.starts_with("env:")) {
    return std::string(value);
  }
  if (value.size() < 12) {
    return "••••";
  }
  // Show a recognisable prefix up to the first '-' (sk-, rk-), never more than 3 characters.
  std::size_t prefix = 0;
  const auto dash = value.find('-');
  if (dash != std::string_view::npos && dash <= 2) {
    prefix = dash + 1;
  }
  return std::string(value.substr(0, prefix)) + "…" + std::string(value.substr(value.size() - 4));
}

void scrub_secrets(std::string& text, std::span<const std::string> secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < kMinScrubbedSecret) {
      continue;
    }
    std::size_t pos = text.find(secret);
    if (pos == std::string::npos) {
      continue;  // the usual case: no copy
    }
    const std::string masked = mask_secret(secret);
    std::string out;
    out.reserve(text.size());
    std::size_t from = 0;
    for (; pos != std::string::npos; pos = text.find(secret, from)) {
      out.append(text, from, pos - from).append(masked);
      from = pos + secret.size();
    }
    out.append(text, from);
    text = std::move(out);
  }
}

}  // namespace router::core
