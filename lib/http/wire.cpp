#include "http/wire.hpp"

#include <boost/beast/http/status.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"

namespace router::http {

namespace {

bool clean(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos; }

// RFC 9112 §3.2: a request target is visible ASCII; a space, CR or LF would end it and let the
// rest be read as another request line or header.
bool valid_target(std::string_view target) noexcept {
  return !target.empty() &&
         std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

bool bodyless_status(unsigned status) noexcept { return status / 100 == 1 || status == 204 || status == 304; }

void format_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::size_t body_size) {
  if (!valid_target(target)) {
    throw core::Error(core::ErrorCode::kUpstreamFailed,
                      "refused to send an upstream request whose target holds spaces or control characters");
  }
  out.clear();
  out.reserve(256);
  fmt::format_to(std::back_inserter(out), "{} {} HTTP/1.1\r\nHost: {}\r\n", method, target, host);
  for (const auto& [name, value] : headers) {
    if (clean(name) && clean(value)) {
      out.append(name).append(": ").append(value).append("\r\n");
    }
  }
  if (body_size > 0 || method == "POST" || method == "PUT" || method == "PATCH") {
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", body_size);
  }
  out.append("\r\n");
}

void format_response_head(std::string& out, const boost::beast::http::response_header<>& response,
                          std::optional<std::size_t> content_length, bool keep_alive, bool chunked) {
  out.clear();
  const auto reason = boost::beast::http::obsolete_reason(response.result());
  fmt::format_to(std::back_inserter(out), "HTTP/1.1 {} {}\r\n", response.result_int(),
                 std::string_view(reason.data(), reason.size()));
  for (const auto& f : response) {
    const std::string_view name(f.name_string().data(), f.name_string().size());
    const std::string_view value(f.value().data(), f.value().size());
    if (clean(name) && clean(value) && !boost::beast::iequals(name, "content-length") &&
        !boost::beast::iequals(name, "transfer-encoding") && !boost::beast::iequals(name, "connection")) {
      out.append(name).append(": ").append(value).append("\r\n");
    }
  }
  if (bodyless_status(response.result_int())) {
    // No framing at all: these never have a body (RFC 9110 §8.6, §15.3.5, §15.4.5).
  } else if (content_length) {
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", *content_length);
  } else if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    keep_alive = false;  // only the close can end this body
  }
  if (!keep_alive) {
    out.append("Connection: close\r\n");
  }
  out.append("\r\n");
}

}  // namespace router::http
