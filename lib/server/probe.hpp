#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace router::server {

/// A running server's answer to one request.
struct ProbeReply {
  int status = 0;
  std::string body;  ///< at most the request's body_limit
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first header named `name` (case-insensitive), "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
};

/// One request to a running `router serve`.
struct ProbeRequest {
  std::string method = "GET";
  std::string target;
  std::string bearer;  ///< sent as Authorization when not empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    ///< sent with Content-Type application/json when not empty
  std::size_t body_limit = 1 << 20;
};

/// Sends `request` to the server at `listen` ("host:port"; a wildcard host is reached through
/// loopback) and reads the whole answer within `timeout`. nullopt when nothing answers in time or
/// the answer is larger than body_limit.
[[nodiscard]] std::optional<ProbeReply> probe(const std::string& listen, const ProbeRequest& request,
                                              std::chrono::milliseconds timeout);

/// GET `target` of a running `router serve` at `listen` ("host:port"; a wildcard host is reached
/// through loopback), with `bearer` as Authorization when not empty, within `timeout`. nullopt
/// when nothing answers in time.
[[nodiscard]] std::optional<ProbeReply> probe_get(const std::string& listen, const std::string& target,
                                                  const std::string& bearer, std::chrono::milliseconds timeout);

/// GET /health: the parsed health document, or nullopt when nothing (or something else) answers.
[[nodiscard]] std::optional<boost::json::object> probe_health(const std::string& listen,
                                                              std::chrono::milliseconds timeout);

}  // namespace router::server
