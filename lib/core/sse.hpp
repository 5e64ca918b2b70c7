#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace router::core {

/// One server-sent event block, as the parser hands it over. Views are valid only during the
/// callback.
struct SseEvent {
  std::string_view event;  ///< the "event:" field, "" when absent
  std::string_view data;   ///< "data:" lines joined with '\n'
  std::string_view raw;    ///< the block's exact bytes, terminating blank line included
  bool has_data = false;   ///< false for comment-only or field-less blocks (keep-alives)
};

/// Incremental parser for text/event-stream (WHATWG): accepts any split of the input across
/// feed() calls, CR, LF and CRLF line ends, comments, and multi-line data. Blocks larger than
/// the limit are an error rather than unbounded memory.
class SseParser {
 public:
  using Callback = std::function<void(const SseEvent&)>;

  explicit SseParser(std::size_t max_event_bytes = 4 * 1024 * 1024) : max_event_bytes_(max_event_bytes) {}

  /// Parses `chunk`, calling `on_event` for every completed block. Returns false (and stops)
  /// when a block exceeds the limit; the parser is then unusable.
  bool feed(std::string_view chunk, const Callback& on_event);
  /// End of input: completes a line that ended in a lone CR.
  void finish(const Callback& on_event);
  /// Bytes of an unfinished block (a stream that ends here was cut mid-event).
  [[nodiscard]] std::size_t pending_bytes() const noexcept { return raw_.size(); }

 private:
  void end_line(const Callback& on_event);

  std::size_t max_event_bytes_;
  std::string raw_;
  std::string line_;
  std::string data_;
  std::string event_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the chunk ended in CR: a leading LF in the next one is the same line end
  bool failed_ = false;
};

}  // namespace router::core
