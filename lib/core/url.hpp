#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace router::core {

/// An http(s) URL split for connecting: scheme, host, port and path (no trailing '/').
struct Url {
  bool tls = false;
  std::string host;  ///< without IPv6 brackets
  std::uint16_t port = 0;
  std::string path;  ///< "" or "/v1", never ending in '/'

  /// "host:port" as the Host header wants it (IPv6 bracketed, default ports omitted).
  [[nodiscard]] std::string host_header() const;
};

/// Parses http://host[:port][/path] and https://…; nullopt for anything else (userinfo, query,
/// fragment, bad ports and control characters are rejected).
[[nodiscard]] std::optional<Url> parse_url(std::string_view text);

}  // namespace router::core
