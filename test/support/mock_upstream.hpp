#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace router::test {

/// A request the mock received.
struct MockRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  ///< names lowercased
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const;
};

/// The mock's side of one connection, for a behaviour to answer through. Blocking calls; every
/// write reports whether the peer still listens.
class MockConn {
 public:
  explicit MockConn(int fd) : fd_(fd) {}

  bool send_raw(std::string_view bytes);
  /// A complete response with Content-Length.
  bool respond(int status, std::string_view body, std::string_view content_type = "application/json",
               const std::vector<std::pair<std::string, std::string>>& headers = {});
  /// Starts a chunked response (text/event-stream by default).
  bool begin_chunked(int status = 200, std::string_view content_type = "text/event-stream");
  bool chunk(std::string_view data);
  bool end_chunked();
  /// Abortive close (RST).
  void reset();
  /// Graceful close without finishing the response.
  void close();
  /// True once the peer closed its side (the router cancelled).
  [[nodiscard]] bool peer_closed();
  /// Sends nothing until the peer closes (or `limit` passes); true when the peer closed.
  bool wait_for_close(std::chrono::milliseconds limit = std::chrono::seconds(10));
  /// Keeps the connection open for the next request after this behaviour (default true).
  bool keep_alive = true;

 private:
  int fd_;
  bool closed_ = false;
  friend class MockUpstream;
};

using MockBehaviour = std::function<void(const MockRequest&, MockConn&)>;

/// An HTTP/1.1 upstream on 127.0.0.1, port 0, one thread per connection, answering each path
/// with a scripted behaviour. Records every request. Stops and joins everything on destruction.
class MockUpstream {
 public:
  MockUpstream();
  ~MockUpstream();
  MockUpstream(const MockUpstream&) = delete;
  MockUpstream& operator=(const MockUpstream&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string url(std::string_view path = "") const;

  void on(const std::string& path, MockBehaviour behaviour);
  [[nodiscard]] std::vector<MockRequest> requests() const;
  [[nodiscard]] int hits(const std::string& path) const;
  [[nodiscard]] int connections() const noexcept { return connections_.load(); }
  /// Connections currently open (to check that nothing leaks).
  [[nodiscard]] int open_connections() const noexcept { return open_.load(); }
  /// Set by behaviours that saw the router hang up mid-answer.
  std::atomic<int> cancelled{0};

  // Canned OpenAI answers.
  static std::string completion_json(std::string_view content, std::string_view model = "mock-model",
                                     int prompt_tokens = 11, int completion_tokens = 7);
  static std::string chunk_json(std::string_view content, std::string_view model = "mock-model");
  static MockBehaviour json(std::string body, int status = 200);
  /// SSE of `pieces` as content chunks, a finish chunk, a usage chunk when asked, and [DONE].
  static MockBehaviour sse(std::vector<std::string> pieces, std::chrono::milliseconds gap = {});

  // Faults, as raw socket scripts.
  /// A complete response with extra headers ("Retry-After").
  static MockBehaviour reply(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers,
                             std::string content_type = "application/json");
  /// Resets the connection once the request is read: no response byte.
  static MockBehaviour reset_before_head();
  /// Never answers; closes when the router gives up.
  static MockBehaviour stall();
  /// Announces `body` with its Content-Length, sends its first half, then resets.
  static MockBehaviour reset_mid_body(std::string body);
  /// Announces `body`, then sends it a byte every `gap` (closes early when the router hangs up).
  static MockBehaviour drip_body(std::string body, std::chrono::milliseconds gap);
  /// A 200 text/event-stream whose chunks are `events` (raw SSE bytes), then `after` (reset,
  /// stall, end_chunked …; nothing more when empty).
  static MockBehaviour sse_events(std::vector<std::string> events, std::function<void(MockConn&)> after = {});
  /// A 200 JSON answer of `bytes` bytes, with Content-Length or chunked; stops sending when the
  /// router hangs up.
  static MockBehaviour oversized(std::size_t bytes, bool chunked);
  /// Sends `prefix` (raw bytes: a head, the start of a chunk line or trailer), then up to `bytes`
  /// filler bytes as fast as the router reads them; stops when the router hangs up, then waits
  /// for its close. `sent`, when given, receives how many filler bytes went out.
  static MockBehaviour flood(std::string prefix, std::size_t bytes, std::shared_ptr<std::atomic<std::size_t>> sent = {});

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::map<std::string, MockBehaviour> behaviours_;
  std::vector<MockRequest> requests_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
  std::atomic<int> connections_{0};
  std::atomic<int> open_{0};
};

}  // namespace router::test
