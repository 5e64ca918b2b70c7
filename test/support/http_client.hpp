#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace router::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names lowercased
  std::string body;
  std::string error;  ///< set when no complete response arrived (closed, timed out)

  [[nodiscard]] std::string header(const std::string& name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A blocking HTTP/1.1 client over one keep-alive connection to 127.0.0.1, for tests. Every read
/// is bounded by the timeout.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const Headers& headers = {});
  /// Like request(), but hands each piece of the (de-chunked) body to `on_data` as it arrives;
  /// returning false from it closes the connection at once (a client going away).
  HttpResponse stream(const std::string& method, const std::string& target, const std::string& body,
                      const Headers& headers, const std::function<bool(std::string_view)>& on_data);
  /// Writes raw bytes (hostile-client tests).
  bool send_raw(std::string_view bytes);
  /// Writes raw bytes, then reads one response to them.
  HttpResponse request_raw(std::string_view bytes);
  /// Reads one response to bytes already sent.
  HttpResponse read_response(const std::function<bool(std::string_view)>* on_data = nullptr);
  /// Reads whatever arrives until the peer closes or `wait` passes; returns it.
  std::string read_raw(std::chrono::milliseconds wait);
  /// Half-closes the connection: the server sees the end of the request stream.
  void shutdown_write();
  /// True when a read would not block within `wait` (an answer, or the close, arrived).
  bool readable(std::chrono::milliseconds wait);
  /// True when the server closed the connection.
  bool closed_by_peer(std::chrono::milliseconds wait);
  void close();

 private:
  bool ensure_connected();
  bool recv_some(std::string& into);
  HttpResponse send_and_read(std::string_view bytes, const std::function<bool(std::string_view)>* on_data);
  HttpResponse exchange(const std::string& method, const std::string& target, const std::string& body,
                        const Headers& headers, const std::function<bool(std::string_view)>* on_data);

  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buf_;
};

/// One request on a fresh connection.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = {}, const Headers& headers = {});

}  // namespace router::test
