#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace router::http {

/// An HTTP/1.1 message in wire form. The head is formatted once into a reusable string and the
/// body is written from where it already lives: two buffers, one writev, no serializer state
/// machine (Beast's serializer costs more instructions than the whole head it produces).
struct WireMessage {
  std::string head;
  std::string body;

  [[nodiscard]] std::array<boost::asio::const_buffer, 2> buffers() const {
    return {boost::asio::buffer(head), boost::asio::buffer(body)};
  }
};

/// Formats a request head: request line, Host, the given headers, Content-Length, blank line.
/// Header names and values holding CR, LF or NUL are dropped (they could split the message). A
/// target that is not visible ASCII (a space, CR, LF, control character: it could split the
/// request line) is refused with core::Error kUpstreamFailed: it holds an unchecked value.
void format_request_head(std::string& out, std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::size_t body_size);

/// True for the statuses whose responses never have a body: 1xx, 204, 304.
[[nodiscard]] bool bodyless_status(unsigned status) noexcept;

/// Formats a response head from a Beast response's status and fields, adding Content-Length or,
/// when `content_length` is empty, "Transfer-Encoding: chunked" if `chunked` (else nothing: the
/// body ends with the connection, for an HTTP/1.0 client, and the head says "Connection: close");
/// no framing at all for a bodyless_status, whose body must be empty; and, when `keep_alive` is
/// false, "Connection: close".
void format_response_head(std::string& out, const boost::beast::http::response_header<>& head,
                          std::optional<std::size_t> content_length, bool keep_alive, bool chunked);

}  // namespace router::http
