#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/dispatcher.hpp"

namespace router::test {

/// One line of the route table, ready to call: its verb, its pattern and a concrete path.
struct RouteCall {
  std::string method;
  std::string pattern;
  std::string path;
};

/// Gives the wire text (percent-encoded as needed) of a path parameter, by its name in the
/// pattern ("id", or "model*" for a parameter that takes the rest of the path, slashes included).
using ParamFill = std::function<std::string(std::string_view name)>;

/// `pattern` with every parameter replaced by what `fill` gives.
[[nodiscard]] std::string fill_pattern(std::string_view pattern, const ParamFill& fill);

/// A plausible parameter value: "sample", or "vendor/m-1" for the rest of a path (a ParamFill).
[[nodiscard]] std::string sample_param(std::string_view name);

/// Every route of the table with `access`, parameters filled by `fill`.
[[nodiscard]] std::vector<RouteCall> route_calls(server::Access access, const ParamFill& fill);

}  // namespace router::test
