#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace router::core {

/// Parses JSON text; throws kInvalidArgument "invalid JSON: <reason>" naming `what`.
[[nodiscard]] boost::json::value parse_json(std::string_view text, std::string_view what = "JSON");
/// True when `text` is one well-formed JSON value (no allocation for small inputs).
[[nodiscard]] bool is_valid_json(std::string_view text) noexcept;
/// Compact JSON for documents (the admin API). Doubles are written as the shortest decimal that
/// reads back to the same value ("0.410256", "0", "1e+21"), never in Boost's exponent form
/// ("4.10256E-1", "0E0"); non-finite doubles become null.
[[nodiscard]] std::string compact_json(const boost::json::value& v);
/// Two-space indented JSON for the CLI's --json: the same document, numbers as compact_json's.
[[nodiscard]] std::string pretty_json(const boost::json::value& v);

}  // namespace router::core
