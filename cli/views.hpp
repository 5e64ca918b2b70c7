#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace router::cli {

class Output;

/// A JSON value for a table cell: strings bare, null as "-", anything else compact JSON.
[[nodiscard]] std::string json_text(const boost::json::value& v);
[[nodiscard]] inline std::string yes_no(bool b) { return b ? "yes" : "no"; }
/// The providers document as a table, the active provider marked with '*'.
void print_providers(const Output& out, const boost::json::object& doc);
/// "12" or "r12" → 12; throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_revision(std::string_view text);

}  // namespace router::cli
