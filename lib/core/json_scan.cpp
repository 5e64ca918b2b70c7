#include "core/json_scan.hpp"

#include <cstring>
#include <utility>
#include <vector>

namespace router::core {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void JsonScanner::spaces() {
  while (i_ < s_.size() && is_space(s_[i_])) {
    ++i_;
  }
}

// memchr finds quote candidates at memory speed; a quote is escaped exactly when an odd run of
// backslashes precedes it.
bool JsonScanner::string() {
  const std::size_t open = i_;
  std::size_t from = i_ + 1;
  while (from < s_.size()) {
    const void* q = std::memchr(s_.data() + from, '"', s_.size() - from);
    if (q == nullptr) {
      return false;
    }
    const auto j = static_cast<std::size_t>(static_cast<const char*>(q) - s_.data());
    std::size_t k = j;
    while (k > open + 1 && s_[k - 1] == '\\') {
      --k;
    }
    if ((j - k) % 2 == 0) {
      i_ = j + 1;
      return true;
    }
    from = j + 1;
  }
  return false;
}

bool JsonScanner::value() {
  spaces();
  if (i_ >= s_.size()) {
    return false;
  }
  const char c = s_[i_];
  if (c == '"') {
    return string();
  }
  if (c == '{' || c == '[') {
    std::size_t depth = 0;
    while (i_ < s_.size()) {
      const char d = s_[i_];
      if (d == '"') {
        if (!string()) {
          return false;
        }
        continue;
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) {
          ++i_;
          return true;
        }
      }
      ++i_;
    }
    return false;
  }
  const std::size_t start = i_;
  while (i_ < s_.size() && !is_space(s_[i_]) && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') {
    ++i_;
  }
  return i_ > start;
}

std::optional<std::string> replace_member(std::string_view text, std::string_view key, std::string_view value) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  const bool whole = for_each_member(text, [&](std::string_view k, JsonScanner& sc) {
    const std::size_t from = sc.pos();
    if (!sc.value()) {
      return false;
    }
    if (k == key) {
      spans.emplace_back(from, sc.pos());
    }
    return true;
  });
  if (!whole || spans.empty()) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() + spans.size() * value.size());
  std::size_t copied = 0;
  for (const auto& [from, to] : spans) {
    out.append(text.substr(copied, from - copied));
    out.append(value);
    copied = to;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace router::core
