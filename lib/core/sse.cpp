#include "core/sse.hpp"

namespace router::core {

bool SseParser::feed(std::string_view chunk, const Callback& on_event) {
  if (failed_) {
    return false;
  }
  std::size_t i = 0;
  if (after_cr_ && !chunk.empty()) {
    // The previous chunk ended in CR: a leading LF completes that CRLF line end.
    after_cr_ = false;
    if (chunk.front() == '\n') {
      raw_ += '\n';
      i = 1;
    }
    end_line(on_event);
  }
  while (i < chunk.size()) {
    std::size_t j = i;
    while (j < chunk.size() && chunk[j] != '\n' && chunk[j] != '\r') {
      ++j;
    }
    raw_.append(chunk.data() + i, j - i);
    line_.append(chunk.data() + i, j - i);
    if (raw_.size() > max_event_bytes_) {
      failed_ = true;
      return false;
    }
    if (j == chunk.size()) {
      break;
    }
    raw_ += chunk[j];
    if (chunk[j] == '\r') {
      if (j + 1 == chunk.size()) {
        after_cr_ = true;  // decide CR vs CRLF when the next byte arrives
        return true;
      }
      if (chunk[j + 1] == '\n') {
        raw_ += '\n';
        ++j;
      }
    }
    i = j + 1;
    end_line(on_event);
  }
  return true;
}

void SseParser::finish(const Callback& on_event) {
  if (after_cr_) {
    after_cr_ = false;
    end_line(on_event);
  }
}

void SseParser::end_line(const Callback& on_event) {
  if (line_.empty()) {
    if (!raw_.empty()) {
      SseEvent ev{event_, data_, raw_, has_data_};
      on_event(ev);
    }
    raw_.clear();
    data_.clear();
    event_.clear();
    has_data_ = false;
    return;
  }
  std::string_view line = line_;
  if (line.front() != ':') {
    const auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
    }
    if (field == "data") {
      if (has_data_) {
        data_ += '\n';
      }
      data_.append(value);
      has_data_ = true;
    } else if (field == "event") {
      event_.assign(value);
    }
    // "id" and "retry" do not matter to a relay; unknown fields are ignored per the spec.
  }
  line_.clear();
}

}  // namespace router::core
