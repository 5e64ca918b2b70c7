#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace router::core {

/// Parses JSON text; throws kInvalidArgument "invalid JSON: <reason>" naming `what`.
[[nodiscard]] boost::json::value parse_json(std::string_view text, std::string_view what = "JSON");
/// True when `text` is one well-formed JSON value (no allocation for small inputs).
[[nodiscard]] bool is_valid_json(std::string_view text) noexcept;
/// Two-space indented JSON for human output.
[[nodiscard]] std::string pretty_json(const boost::json::value& v);

}  // namespace router::core
