#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace router::core {

/// Walks JSON text without building anything: the offsets a byte-exact edit or split needs.
/// Every method returns false at a structure it cannot follow, and the caller stops there; the
/// text is never re-serialised, so spacing and escapes survive whatever the input.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view s) : s_(s) {}

  [[nodiscard]] std::size_t pos() const { return i_; }
  [[nodiscard]] bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void advance() { ++i_; }
  void spaces();
  /// At an opening quote: moves past the closing one.
  bool string();
  /// Moves past one value of any kind.
  bool value();
  [[nodiscard]] std::string_view slice(std::size_t from, std::size_t to) const { return s_.substr(from, to - from); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

/// Calls `member(key, scanner)` for each member of the top-level object of `text`, in order, the
/// scanner at the member's value, which `member` must move past (or return false to stop). The
/// key is compared as written: a key spelled with escapes does not match its plain spelling.
/// False when the text is not an object the scanner can follow to its end.
template <typename Fn>
bool for_each_member(std::string_view text, Fn&& member) {
  JsonScanner sc(text);
  sc.spaces();
  if (!sc.at('{')) {
    return false;
  }
  sc.advance();
  sc.spaces();
  if (sc.at('}')) {
    return true;
  }
  while (true) {
    sc.spaces();
    if (!sc.at('"')) {
      return false;
    }
    const std::size_t key_from = sc.pos() + 1;
    if (!sc.string()) {
      return false;
    }
    const std::string_view key = sc.slice(key_from, sc.pos() - 1);
    sc.spaces();
    if (!sc.at(':')) {
      return false;
    }
    sc.advance();
    sc.spaces();
    if (!member(key, sc)) {
      return false;
    }
    sc.spaces();
    if (sc.at(',')) {
      sc.advance();
      continue;
    }
    return sc.at('}');
  }
}

/// `text` with the value of every top-level member `key` replaced by the JSON `value`, every
/// other byte kept; nullopt when the text cannot be followed or has no such member.
[[nodiscard]] std::optional<std::string> replace_member(std::string_view text, std::string_view key,
                                                        std::string_view value);

}  // namespace router::core
