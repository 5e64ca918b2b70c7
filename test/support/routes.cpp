#include "support/routes.hpp"

#include <boost/beast/http/verb.hpp>

namespace router::test {

std::string fill_pattern(std::string_view pattern, const ParamFill& fill) {
  std::string out;
  while (!pattern.empty()) {
    const auto open = pattern.find('{');
    if (open == std::string_view::npos) {
      out += pattern;
      break;
    }
    out += pattern.substr(0, open);
    const auto close = pattern.find('}', open);
    out += fill(pattern.substr(open + 1, close - open - 1));
    pattern.remove_prefix(close + 1);
  }
  return out;
}

std::string sample_param(std::string_view name) { return name.ends_with("*") ? "vendor/m-1" : "sample"; }

std::vector<RouteCall> route_calls(server::Access access, const ParamFill& fill) {
  std::vector<RouteCall> out;
  for (const auto& r : server::routes()) {
    if (r.access == access) {
      out.push_back({std::string(boost::beast::http::to_string(r.verb)), std::string(r.pattern),
                     fill_pattern(r.pattern, fill)});
    }
  }
  return out;
}

}  // namespace router::test
