#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/paths.hpp"
#include "http/upstream.hpp"
#include "routing/snapshot.hpp"
#include "secrets/secrets.hpp"
#include "server/announcer.hpp"
#include "server/admin.hpp"
#include "server/dispatcher.hpp"
#include "server/reject_limiter.hpp"
#include "server/conversation_store.hpp"

namespace router::server {

class BlockingPool;
class LogWriter;

/// What every worker shares. Set up before the workers start; afterwards only the atomics change.
struct Shared {
  Shared(core::Paths p, core::EnvLookup e, secrets::KeyStore k) : paths(std::move(p)), env(std::move(e)), keys(std::move(k)) {}

  core::Paths paths;
  core::EnvLookup env;
  secrets::KeyStore keys;
  LogWriter* logs = nullptr;
  BlockingPool* blocking = nullptr;  ///< runs the admin API's database work, off the I/O workers
  http::TlsContexts* tls = nullptr;
  std::int64_t started_ms = 0;
  std::string listen;                 ///< the bound address, "127.0.0.1:3001"
  std::string database_id;            ///< meta database_id, reported by /health
  std::string local_token;            ///< opens read-only admin routes (server/record.hpp)
  std::atomic<bool> draining{false};  ///< SIGTERM: answer in-flight requests, close keep-alives
  std::vector<const http::UpstreamPool*> pools;  ///< every worker's, for /metrics
  std::vector<const RejectLimiter*> limiters;    ///< every worker's, for /metrics (one per worker)
  bool public_listen = false;                    ///< bound to a non-loopback address
  std::atomic<bool> clients_open{false};         ///< auth.clients = open, as the newest snapshot says
  http::ConnectionGate connections;              ///< server.max_connections, across workers
  ConfigAnnouncer announcer;                     ///< configuration changes, said once
  core::RequestIdGenerator ids;                  ///< this process's request ids (one atomic)
  routing::Breakers breakers;                    ///< the providers' circuit breakers, across workers
};

/// The warning for client routes open to anyone (auth.clients = open) on a non-loopback address.
[[nodiscard]] std::string open_clients_warning(std::string_view listen);

/// One I/O thread and everything it owns: its io_context, its configuration snapshot cache (own
/// SQLite connection), its upstream pool, its conversation state store (own logs connection,
/// opened on first use). Nothing here is shared with other workers, so the request path takes no
/// lock that another thread contends for. The admin API's connections belong to the blocking
/// pool's threads instead: an admin call never blocks this thread.
class Worker {
 public:
  Worker(std::size_t index, Shared& shared);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const std::size_t index;
  boost::asio::io_context ioc{1};
  Shared& shared;
  routing::SnapshotCache snapshots;
  http::UpstreamPool pool;
  SqliteConversationStore conversations;
  core::RequestIdGenerator& ids;  ///< Shared::ids
  std::atomic<int> active{0};  ///< requests being answered (read by the drain loop)
  RejectLimiter rejects;       ///< server.reject_rate for this worker's share of the clients
  Dispatcher dispatcher;

  /// Sweeps the upstream pool every UpstreamPool::kSweepInterval until the io_context stops.
  void sweep_pool_periodically();

 private:
  boost::asio::steady_timer sweeper_{ioc};
};

}  // namespace router::server
