#include "http/wire.hpp"

#include <boost/beast/http/status.hpp>

#include <fmt/format.h>

namespace router::http {

namespace {

bool clean(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

}  // namespace

void format_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::size_t body_size) {
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
  if (content_length) {
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
