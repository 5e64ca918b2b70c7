#include "core/url.hpp"

#include <algorithm>
#include <charconv>

namespace router::core {

std::string Url::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  if ((tls && port != 443) || (!tls && port != 80)) {
    h += ":" + std::to_string(port);
  }
  return h;
}

std::optional<Url> parse_url(std::string_view text) {
  Url u;
  if (text.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    u.port = 80;
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '?' || c == '#' || c == '@' || c == '\\';
      })) {
    return std::nullopt;
  }
  const auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return std::nullopt;
      }
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (u.host.empty() || u.host.size() > 253) {
    return std::nullopt;
  }
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535) {
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(p);
  }
  while (path.ends_with("/")) {
    path.remove_suffix(1);
  }
  u.path = std::string(path);
  return u;
}

}  // namespace router::core
