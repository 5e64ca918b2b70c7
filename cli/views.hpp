#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace router::config {
struct ProviderFilter;
}

namespace router::cli {

class Context;
class Output;

/// A JSON value for a table cell: strings bare, null as "-", anything else compact JSON.
[[nodiscard]] std::string json_text(const boost::json::value& v);
[[nodiscard]] inline std::string yes_no(bool b) { return b ? "yes" : "no"; }
/// A provider config value for people: durations in units ("2m"), anything else as json_text.
[[nodiscard]] std::string config_value_text(std::string_view type, std::string_view key, const boost::json::value& v);
/// `list` and `provider list`: the providers document, as JSON or as a table with the active
/// provider marked '*'.
void show_providers(Context& ctx, const config::ProviderFilter& filter);

}  // namespace router::cli
