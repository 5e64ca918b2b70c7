#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

namespace router::server {

/// A running server's answer to one GET.
struct ProbeReply {
  int status = 0;
  std::string body;  ///< at most 1 MiB
};

/// GET `target` of a running `router serve` at `listen` ("host:port"; a wildcard host is reached
/// through loopback), with `bearer` as Authorization when not empty, within `timeout`. nullopt
/// when nothing answers in time.
[[nodiscard]] std::optional<ProbeReply> probe_get(const std::string& listen, const std::string& target,
                                                  const std::string& bearer, std::chrono::milliseconds timeout);

/// GET /health: the parsed health document, or nullopt when nothing (or something else) answers.
[[nodiscard]] std::optional<boost::json::object> probe_health(const std::string& listen,
                                                              std::chrono::milliseconds timeout);

}  // namespace router::server
