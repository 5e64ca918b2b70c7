#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace router::server {

/// GET /health of a running `router serve` at `listen` ("host:port"), within `timeout`. The
/// parsed health document, or nullopt when nothing (or something else) answers.
[[nodiscard]] std::optional<boost::json::object> probe_health(const std::string& listen,
                                                              std::chrono::milliseconds timeout);

}  // namespace router::server
