#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/paths.hpp"

namespace router::server {

struct ServeOptions {
  core::Paths paths;
  core::EnvLookup env;
  std::optional<std::string> listen;  ///< overrides server.listen
  std::optional<unsigned> threads;    ///< overrides server.threads
  std::chrono::milliseconds grace{30000};  ///< how long stop() waits for in-flight requests
};

/// `router serve`: the composition root of the proxy. Workers (one io_context and thread each),
/// the listener, and the log writer. The databases must be at the current schema.
class Server {
 public:
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, writes its server record (server/record.hpp) and starts every thread. Throws
  /// core::Error (kInternal when the address cannot be bound, e.g. the port is in use;
  /// kUnavailable when a database cannot be opened; kInvalidArgument for a bad listen address).
  void start();
  /// Graceful stop: no new connections, in-flight requests finish (up to the grace period),
  /// the log queue is written out, threads end. Idempotent.
  void stop();

  /// The bound address, e.g. "127.0.0.1:3001".
  [[nodiscard]] std::string address() const;
  [[nodiscard]] std::uint16_t port() const;
  /// Warnings for the operator (no client keys on a public address, configuration problems).
  [[nodiscard]] std::vector<std::string> warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace router::server
