#include "output.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/json.hpp"

namespace router::cli {

namespace {

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) {  // skip an SGR escape: ESC [ ... m
      while (i < s.size() && s[i] != 'm') {
        ++i;
      }
      continue;
    }
    if ((c & 0xc0) != 0x80) {
      ++w;
    }
  }
  return w;
}

}  // namespace

void Output::print_json(const boost::json::value& doc) const {
  const std::string text = core::pretty_json(doc);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

void Output::line(std::string_view text) const {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

void Output::note(std::string_view text) const { notes_.push_back(fmt::format("note: {}\n", text)); }

void Output::flush_notes() const {
  std::fflush(stdout);  // keeps the order the user sees when both go to a terminal
  for (const auto& n : notes_) {
    std::fwrite(n.data(), 1, n.size(), stderr);
  }
  notes_.clear();
}

std::string Output::paint(std::string_view code, std::string_view s) const {
  if (!color_ || s.empty()) {
    return std::string(s);
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
}

void Table::print(const Output& out) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(headers_);
  for (const auto& r : rows_) {
    measure(r);
  }
  auto render = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      const bool last = i + 1 == row.size();
      line += header ? out.bold(row[i]) : row[i];
      if (!last) {
        line.append(widths[i] - display_width(row[i]) + 2, ' ');
      }
    }
    out.line(line);
  };
  render(headers_, true);
  for (const auto& r : rows_) {
    render(r, false);
  }
}

}  // namespace router::cli
