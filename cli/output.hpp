#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace router::cli {

/// Where and how commands print: human text on stdout (colour only on a TTY, without NO_COLOR
/// and without --no-color), or pretty JSON documents with --json.
class Output {
 public:
  Output(bool json, bool color) : json_(json), color_(color) {}

  [[nodiscard]] bool json() const noexcept { return json_; }
  void print_json(const boost::json::value& doc) const;
  void line(std::string_view text) const;
  /// "note: TEXT" on stderr: what the user should know without it mixing into the output. Kept
  /// until flush_notes() (after the command, and after its error line), so "error: " stays first.
  void note(std::string_view text) const;
  void flush_notes() const;

  [[nodiscard]] std::string bold(std::string_view s) const { return paint("1", s); }
  [[nodiscard]] std::string dim(std::string_view s) const { return paint("2", s); }
  [[nodiscard]] std::string green(std::string_view s) const { return paint("32", s); }
  [[nodiscard]] std::string yellow(std::string_view s) const { return paint("33", s); }
  [[nodiscard]] std::string red(std::string_view s) const { return paint("31", s); }

 private:
  [[nodiscard]] std::string paint(std::string_view code, std::string_view s) const;

  bool json_;
  bool color_;
  mutable std::vector<std::string> notes_;
};

/// Left-aligned columns separated by two spaces; widths count UTF-8 code points and ignore
/// colour escapes.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
  void print(const Output& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace router::cli
