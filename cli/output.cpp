#include "output.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/json.hpp"
#include "core/text.hpp"

namespace router::cli {

namespace {

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++w;
    }
  }
  return w;
}

std::string_view sgr(Style style) {
  switch (style) {
    case Style::kPlain: return "";
    case Style::kBold: return "1";
    case Style::kDim: return "2";
    case Style::kGreen: return "32";
    case Style::kYellow: return "33";
    case Style::kRed: return "31";
  }
  return "";
}

}  // namespace

std::string printable(std::string_view s, bool multiline) {
  const std::string valid = core::to_valid_utf8(s);
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (multiline && (c == '\n' || c == '\t')) {
      out += valid[i];
    } else if (core::append_control_escape(out, valid[i])) {
      continue;
    } else if (c == 0xc2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xa0) {
      // U+0080..U+009F: C1 controls (0x9b is CSI on some terminals).
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(valid[i + 1]));
      ++i;
    } else {
      out += valid[i];
    }
  }
  return out;
}

void Output::print_json(const boost::json::value& doc) const {
  const std::string text = core::pretty_json(doc);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

void Output::warn(std::string_view text) const {
  std::fflush(stdout);
  const std::string w = fmt::format("warning: {}\n", text);
  std::fwrite(w.data(), 1, w.size(), stderr);
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

std::string Output::paint(Style style, std::string_view s) const {
  if (!color_ || s.empty() || style == Style::kPlain) {
    return std::string(s);
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", sgr(style), s);
}

void Table::print(const Output& out) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  std::vector<std::vector<std::string>> texts;
  texts.reserve(rows_.size());
  for (const auto& r : rows_) {
    auto& t = texts.emplace_back();
    for (const auto& c : r) {
      t.push_back(printable(c.text));
    }
  }
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(headers_);
  for (const auto& t : texts) {
    measure(t);
  }
  auto render = [&](const std::vector<std::string>& row, const std::vector<Cell>* cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      const bool last = i + 1 == row.size();
      line += out.paint(cells != nullptr ? (*cells)[i].style : Style::kBold, row[i]);
      if (!last) {
        line.append(widths[i] - display_width(row[i]) + 2, ' ');
      }
    }
    out.line(line);
  };
  render(headers_, nullptr);
  for (std::size_t r = 0; r < texts.size(); ++r) {
    render(texts[r], &rows_[r]);
  }
}

}  // namespace router::cli
