#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace router::test {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout) : port_(port), timeout_(timeout) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  buf_.clear();
}

bool HttpClient::ensure_connected() {
  if (fd_ >= 0) {
    return true;
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
    return false;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

bool HttpClient::send_raw(std::string_view bytes) {
  if (!ensure_connected()) {
    return false;
  }
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool HttpClient::recv_some(std::string& into) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout_.count())) <= 0) {
    return false;
  }
  char tmp[65536];
  const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    return false;
  }
  into.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::string HttpClient::read_raw(std::chrono::milliseconds wait) {
  std::string out = std::move(buf_);
  buf_.clear();
  if (fd_ < 0) {
    return out;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) {
      break;
    }
    char tmp[65536];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      break;
    }
    out.append(tmp, static_cast<std::size_t>(n));
  }
  return out;
}

void HttpClient::shutdown_write() {
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_WR);
  }
}

bool HttpClient::readable(std::chrono::milliseconds wait) {
  if (!buf_.empty()) {
    return true;
  }
  if (fd_ < 0) {
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
}

bool HttpClient::closed_by_peer(std::chrono::milliseconds wait) {
  if (fd_ < 0) {
    return true;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) > 0) {
      char tmp[4096];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) {
        return true;
      }
    }
  }
  return false;
}

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const Headers& headers) {
  return exchange(method, target, body, headers, nullptr);
}

HttpResponse HttpClient::stream(const std::string& method, const std::string& target, const std::string& body,
                                const Headers& headers, const std::function<bool(std::string_view)>& on_data) {
  return exchange(method, target, body, headers, &on_data);
}

HttpResponse HttpClient::exchange(const std::string& method, const std::string& target, const std::string& body,
                                  const Headers& headers, const std::function<bool(std::string_view)>* on_data) {
  std::string req = fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", method, target, port_);
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += fmt::format("{}: {}\r\n", k, v);
    has_type = has_type || lower(k) == "content-type";
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!has_type) {
      req += "Content-Type: application/json\r\n";
    }
    req += fmt::format("Content-Length: {}\r\n", body.size());
  }
  req += "\r\n";
  req += body;
  return send_and_read(req, on_data);
}

HttpResponse HttpClient::request_raw(std::string_view bytes) { return send_and_read(bytes, nullptr); }

HttpResponse HttpClient::send_and_read(std::string_view bytes, const std::function<bool(std::string_view)>* on_data) {
  HttpResponse r;
  if (!send_raw(bytes)) {
    r.error = "connect or send failed";
    close();
    return r;
  }
  return read_response(on_data);
}

HttpResponse HttpClient::read_response(const std::function<bool(std::string_view)>* on_data) {
  HttpResponse r;
  if (fd_ < 0) {
    r.error = "not connected";
    return r;
  }
  std::size_t head_end;
  while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!recv_some(buf_)) {
      r.error = "no response head";
      close();
      return r;
    }
  }
  const std::string head = buf_.substr(0, head_end);
  buf_.erase(0, head_end + 4);
  const auto line_end = head.find("\r\n");
  r.status = std::atoi(head.substr(9, 3).c_str());
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      r.headers[lower(line.substr(0, colon))] = v;
    }
    pos = end + 2;
  }
  auto deliver = [&](std::string_view piece) -> bool {
    r.body.append(piece);
    if (on_data != nullptr && !piece.empty() && !(*on_data)(piece)) {
      close();
      r.error = "closed by the client";
      return false;
    }
    return true;
  };
  if (lower(r.header("transfer-encoding")) == "chunked") {
    while (true) {
      std::size_t le;
      while ((le = buf_.find("\r\n")) == std::string::npos) {
        if (!recv_some(buf_)) {
          r.error = "stream cut inside a chunk header";
          close();
          return r;
        }
      }
      const std::size_t size = std::stoul(buf_.substr(0, le), nullptr, 16);
      buf_.erase(0, le + 2);
      while (buf_.size() < size + 2) {
        if (!recv_some(buf_)) {
          r.error = "stream cut inside a chunk";
          close();
          return r;
        }
      }
      if (size == 0) {
        buf_.erase(0, 2);
        break;
      }
      if (!deliver(std::string_view(buf_).substr(0, size))) {
        return r;
      }
      buf_.erase(0, size + 2);
    }
  } else if (!r.header("content-length").empty()) {
    const std::size_t length = std::stoul(r.header("content-length"));
    while (buf_.size() < length) {
      if (!recv_some(buf_)) {
        r.error = "body cut";
        close();
        return r;
      }
    }
    if (!deliver(std::string_view(buf_).substr(0, length))) {
      return r;
    }
    buf_.erase(0, length);
  }
  if (lower(r.header("connection")) == "close") {
    close();
  }
  return r;
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const Headers& headers) {
  HttpClient c(port);
  return c.request(method, target, body, headers);
}

}  // namespace router::test
