#include "support/mock_upstream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace router::test {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// Reads one request; false on EOF or error. Leftover bytes stay in `buf`.
bool read_request(int fd, std::string& buf, MockRequest& req) {
  char tmp[65536];
  std::size_t header_end = std::string::npos;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return false;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  const std::string head = buf.substr(0, header_end);
  buf.erase(0, header_end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string first = head.substr(0, line_end);
  const auto sp1 = first.find(' ');
  const auto sp2 = first.find(' ', sp1 + 1);
  req = MockRequest{};
  req.method = first.substr(0, sp1);
  req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) {
      end = head.size();
    }
    const std::string line = head.substr(pos, end - pos);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      req.headers[lower(line.substr(0, colon))] = value;
    }
    pos = end + 2;
  }
  std::size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    length = std::stoul(it->second);
  }
  while (buf.size() < length) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return false;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
  }
  req.body = buf.substr(0, length);
  buf.erase(0, length);
  return true;
}

}  // namespace

std::string MockRequest::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool MockConn::send_raw(std::string_view bytes) {
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

bool MockConn::respond(int status, std::string_view body, std::string_view content_type,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", status, reason(status),
                                content_type, body.size());
  for (const auto& [k, v] : headers) {
    out += fmt::format("{}: {}\r\n", k, v);
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  out += body;
  return send_raw(out);
}

bool MockConn::begin_chunked(int status, std::string_view content_type) {
  return send_raw(fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n{}\r\n", status,
                              reason(status), content_type, keep_alive ? "" : "Connection: close\r\n"));
}

bool MockConn::chunk(std::string_view data) {
  if (data.empty()) {
    return true;
  }
  return send_raw(fmt::format("{:x}\r\n{}\r\n", data.size(), data));
}

bool MockConn::end_chunked() { return send_raw("0\r\n\r\n"); }

void MockConn::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::shutdown(fd_, SHUT_RDWR);
  closed_ = true;
  keep_alive = false;
}

void MockConn::close() {
  ::shutdown(fd_, SHUT_RDWR);
  closed_ = true;
  keep_alive = false;
}

bool MockConn::peer_closed() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) {
    return false;
  }
  char c = 0;
  return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0 || (p.revents & (POLLHUP | POLLERR)) != 0;
}

bool MockConn::wait_for_close(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (peer_closed()) {
      close();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close();
  return false;
}

MockUpstream::MockUpstream() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 512) != 0) {
    throw std::runtime_error("mock upstream cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

MockUpstream::~MockUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    for (const int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
    workers.swap(workers_);
  }
  for (auto& t : workers) {
    t.join();
  }
}

std::string MockUpstream::url(std::string_view path) const { return fmt::format("http://127.0.0.1:{}{}", port_, path); }

void MockUpstream::on(const std::string& path, MockBehaviour behaviour) {
  std::lock_guard lock(mutex_);
  behaviours_[path] = std::move(behaviour);
}

std::vector<MockRequest> MockUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int MockUpstream::hits(const std::string& path) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(requests_.begin(), requests_.end(), [&](const MockRequest& r) {
    return r.target.substr(0, r.target.find('?')) == path;
  }));
}

void MockUpstream::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) {
        return;
      }
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++connections_;
    std::lock_guard lock(mutex_);
    fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void MockUpstream::serve(int fd) {
  ++open_;
  std::string buf;
  MockRequest req;
  while (!stopping_ && read_request(fd, buf, req)) {
    MockBehaviour behaviour;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      const std::string path = req.target.substr(0, req.target.find('?'));
      if (auto it = behaviours_.find(path); it != behaviours_.end()) {
        behaviour = it->second;
      }
    }
    MockConn conn(fd);
    if (behaviour) {
      behaviour(req, conn);
    } else {
      conn.respond(404, R"({"error":{"message":"no such mock route","type":"invalid_request_error"}})");
    }
    if (!conn.keep_alive || conn.closed_) {
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end());
  }
  ::close(fd);
  --open_;
}

std::string MockUpstream::completion_json(std::string_view content, std::string_view model, int prompt_tokens,
                                          int completion_tokens) {
  return fmt::format(
      R"({{"id":"chatcmpl-mock1","object":"chat.completion","created":1732233600,"model":"{}","choices":[{{"index":0,"message":{{"role":"assistant","content":"{}"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}}}})",
      model, content, prompt_tokens, completion_tokens, prompt_tokens + completion_tokens);
}

std::string MockUpstream::chunk_json(std::string_view content, std::string_view model) {
  return fmt::format(
      R"({{"id":"chatcmpl-mock2","object":"chat.completion.chunk","created":1732233600,"model":"{}","choices":[{{"index":0,"delta":{{"content":"{}"}},"finish_reason":null}}]}})",
      model, content);
}

MockBehaviour MockUpstream::json(std::string body, int status) {
  return [body = std::move(body), status](const MockRequest&, MockConn& c) { c.respond(status, body); };
}

MockBehaviour MockUpstream::sse(std::vector<std::string> pieces, std::chrono::milliseconds gap) {
  return [pieces = std::move(pieces), gap](const MockRequest& req, MockConn& c) {
    c.begin_chunked();
    c.chunk(R"(data: {"id":"chatcmpl-mock2","object":"chat.completion.chunk","created":1732233600,"model":"mock-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"
            "\n\n");
    for (const auto& p : pieces) {
      if (gap.count() > 0) {
        std::this_thread::sleep_for(gap);
      }
      if (!c.chunk("data: " + chunk_json(p) + "\n\n")) {
        return;
      }
    }
    c.chunk(R"(data: {"id":"chatcmpl-mock2","object":"chat.completion.chunk","created":1732233600,"model":"mock-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
            "\n\n");
    if (req.body.find("\"include_usage\":true") != std::string::npos) {
      c.chunk(R"(data: {"id":"chatcmpl-mock2","object":"chat.completion.chunk","created":1732233600,"model":"mock-model","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}})"
              "\n\n");
    }
    c.chunk("data: [DONE]\n\n");
    c.end_chunked();
  };
}

}  // namespace router::test

namespace router::test {

MockBehaviour MockUpstream::reply(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers,
                                  std::string content_type) {
  return [=](const MockRequest&, MockConn& c) { c.respond(status, body, content_type, headers); };
}

MockBehaviour MockUpstream::reset_before_head() {
  return [](const MockRequest&, MockConn& c) { c.reset(); };
}

MockBehaviour MockUpstream::stall() {
  return [](const MockRequest&, MockConn& c) { c.wait_for_close(); };
}

MockBehaviour MockUpstream::reset_mid_body(std::string body) {
  return [body = std::move(body)](const MockRequest&, MockConn& c) {
    c.send_raw(fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                           body.size(), std::string_view(body).substr(0, body.size() / 2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the head reaches the router first
    c.reset();
  };
}

MockBehaviour MockUpstream::drip_body(std::string body, std::chrono::milliseconds gap) {
  return [body = std::move(body), gap](const MockRequest&, MockConn& c) {
    if (!c.send_raw(fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                                body.size()))) {
      return;
    }
    for (const char ch : body) {
      std::this_thread::sleep_for(gap);
      if (c.peer_closed() || !c.send_raw(std::string_view(&ch, 1))) {
        return c.close();
      }
    }
  };
}

MockBehaviour MockUpstream::sse_events(std::vector<std::string> events, std::function<void(MockConn&)> after) {
  return [events = std::move(events), after = std::move(after)](const MockRequest&, MockConn& c) {
    c.begin_chunked();
    for (const auto& e : events) {
      if (!c.chunk(e)) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // one event per read
    }
    if (after) {
      after(c);
    }
  };
}

MockBehaviour MockUpstream::oversized(std::size_t bytes, bool chunked) {
  return [bytes, chunked](const MockRequest&, MockConn& c) {
    const std::string piece(64 * 1024, ' ');
    if (chunked) {
      c.keep_alive = false;
      c.begin_chunked(200, "application/json");
    } else {
      c.send_raw(fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", bytes));
    }
    for (std::size_t sent = 0; sent < bytes; sent += piece.size()) {
      const auto n = std::min(piece.size(), bytes - sent);
      if (!(chunked ? c.chunk(std::string_view(piece).substr(0, n)) : c.send_raw(std::string_view(piece).substr(0, n)))) {
        return c.close();
      }
    }
    if (chunked) {
      c.end_chunked();
    }
    c.wait_for_close(std::chrono::seconds(5));
  };
}

MockBehaviour MockUpstream::flood(std::string prefix, std::size_t bytes, std::shared_ptr<std::atomic<std::size_t>> sent) {
  return [prefix = std::move(prefix), bytes, sent](const MockRequest&, MockConn& c) {
    c.keep_alive = false;
    const std::string piece(256 * 1024, 'a');
    std::size_t out = 0;
    if (c.send_raw(prefix)) {
      while (out < bytes) {
        const auto n = std::min(piece.size(), bytes - out);
        if (!c.send_raw(std::string_view(piece).substr(0, n))) {
          break;
        }
        out += n;
      }
    }
    if (sent) {
      *sent = out;
    }
    c.wait_for_close(std::chrono::seconds(5));
  };
}

}  // namespace router::test
