#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace router::core {

/// Parses JSON text; throws kInvalidArgument "invalid JSON: <reason>" naming `what`.
[[nodiscard]] boost::json::value parse_json(std::string_view text, std::string_view what = "JSON");
/// Two-space indented JSON for human output.
[[nodiscard]] std::string pretty_json(const boost::json::value& v);

}  // namespace router::core
