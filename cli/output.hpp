#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace router::cli {

/// Text that may come from a client or an upstream (model names, ids, error text, bodies) made
/// safe for a terminal: C0 controls, DEL and C1 controls are shown as escapes ("\r", "\n",
/// "\x1b", "\u009b") and invalid UTF-8 as U+FFFD, so nothing can move the cursor, rewrite a
/// line or change the terminal's state. `multiline` keeps newlines and tabs (bodies). The table
/// renderer applies it to every cell; other client text goes through it before Output::line.
[[nodiscard]] std::string printable(std::string_view s, bool multiline = false);

enum class Style : std::uint8_t { kPlain, kBold, kDim, kGreen, kYellow, kRed };

/// Where and how commands print: human text on stdout (colour only on a TTY, without NO_COLOR
/// and without --no-color), or pretty JSON documents with --json.
class Output {
 public:
  Output(bool json, bool color) : json_(json), color_(color) {}

  [[nodiscard]] bool json() const noexcept { return json_; }
  void print_json(const boost::json::value& doc) const;
  void line(std::string_view text) const;
  /// "warning: TEXT" on stderr, so it never mixes with a --json document.
  void warn(std::string_view text) const;
  /// "note: TEXT" on stderr: what the user should know without it mixing into the output. Kept
  /// until flush_notes() (after the command, and after its error line), so "error: " stays first.
  void note(std::string_view text) const;
  void flush_notes() const;

  [[nodiscard]] std::string bold(std::string_view s) const { return paint(Style::kBold, s); }
  [[nodiscard]] std::string dim(std::string_view s) const { return paint(Style::kDim, s); }
  [[nodiscard]] std::string green(std::string_view s) const { return paint(Style::kGreen, s); }
  [[nodiscard]] std::string yellow(std::string_view s) const { return paint(Style::kYellow, s); }
  [[nodiscard]] std::string red(std::string_view s) const { return paint(Style::kRed, s); }
  [[nodiscard]] std::string paint(Style style, std::string_view s) const;

 private:

  bool json_;
  bool color_;
  mutable std::vector<std::string> notes_;
};

/// One table cell: its text (escaped with printable() when printed) and its colour. Colour is
/// applied after escaping, so a cell never carries escape sequences of its own.
struct Cell {
  Cell(std::string t, Style s = Style::kPlain) : text(std::move(t)), style(s) {}  // NOLINT: implicit
  Cell(const char* t) : text(t) {}                                               // NOLINT: implicit
  std::string text;
  Style style = Style::kPlain;
};

/// Left-aligned columns separated by two spaces; widths count UTF-8 code points.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
  void print(const Output& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace router::cli
