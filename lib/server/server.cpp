#include "server/server.hpp"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <thread>

#include <fmt/format.h>

#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"
#include "server/blocking_pool.hpp"
#include "server/answer.hpp"
#include "server/context.hpp"
#include "server/log_writer.hpp"
#include "server/maintenance.hpp"
#include "server/record.hpp"

namespace router::server {

namespace net = boost::asio;
using core::Error;
using core::ErrorCode;

Worker::Worker(std::size_t i, Shared& s)
    : index(i),
      shared(s),
      snapshots(std::make_unique<db::Database>(s.paths.config_db, db::DatabaseOptions{.create = false}), s.keys, s.env,
                [&s](const routing::Snapshot& snap) { s.announcer.on_snapshot(snap); }, &s.breakers),
      pool(ioc, *s.tls),
      conversations(s.paths.logs_db),
      ids(s.ids),
      dispatcher(*this) {}

void Worker::sweep_pool_periodically() {
  sweeper_.expires_after(http::UpstreamPool::kSweepInterval);
  sweeper_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      pool.sweep();
      sweep_pool_periodically();
    }
  });
}

std::string open_clients_warning(std::string_view listen) {
  return fmt::format(
      "listening on {} (not loopback) with auth.clients = open: anyone who can reach it can use your providers; "
      "create a client key ('router key create NAME') and run 'router config set auth.clients keys'",
      listen);
}

struct Server::Impl {
  ServeOptions options;
  http::TlsContexts tls;
  std::unique_ptr<LogWriter> writer;
  std::unique_ptr<Maintenance> maintenance;  // after writer: stopped and destroyed before it
  std::unique_ptr<Shared> shared;
  std::unique_ptr<BlockingPool> blocking;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::shared_ptr<http::Listener> listener;
  std::unique_ptr<RecordKeeper> record;
  net::ip::tcp::endpoint bound;
  std::vector<std::string> warnings;
  bool started = false;
  bool stopped = false;
};

Server::Server(ServeOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Server::~Server() { stop(); }

namespace {

net::ip::tcp::endpoint resolve_listen(const std::string& text) {
  const auto addr = config::parse_listen(text);
  boost::system::error_code ec;
  auto ip = net::ip::make_address(addr.host, ec);
  if (ec) {
    net::io_context ioc;
    net::ip::tcp::resolver r(ioc);
    const auto results = r.resolve(addr.host, std::to_string(addr.port), ec);
    if (ec || results.empty()) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("cannot resolve listen host '{}'", addr.host));
    }
    return *results.begin();
  }
  return {ip, addr.port};
}

// What a connection past server.max_connections gets before the close: complete and fixed, so
// the listener writes it without a session.
std::string refusal_response() {
  http::Response res{boost::beast::http::status::service_unavailable, 11};
  res.set(boost::beast::http::field::server, "router");
  res.set(boost::beast::http::field::content_type, "application/json");
  res.set(boost::beast::http::field::retry_after, "1");
  res.body() = chat_egress().error_body(ErrorCode::kUnavailable, "too many open connections (server.max_connections): retry later", {});
  std::string out;
  http::format_response_head(out, res, res.body().size(), false, true);
  return out + res.body();
}

}  // namespace

void Server::start() {
  auto& o = impl_->options;
  // Refuse pending migrations up front (serve --migrate applies them before this).
  (void)db::open_current(o.paths.config_db, db::DbKind::kConfig);
  (void)db::open_current(o.paths.logs_db, db::DbKind::kLogs);

  impl_->shared = std::make_unique<Shared>(o.paths, o.env, secrets::KeyStore(o.paths.key_file, o.env));
  auto& shared = *impl_->shared;
  shared.tls = &impl_->tls;
  shared.started_ms = core::now_ms();

  // The first snapshot decides listen address, threads and log level.
  db::Database probe(o.paths.config_db, db::DatabaseOptions{.create = false});
  const auto snap = routing::load_snapshot(probe, shared.keys, o.env);
  probe.read([&] { shared.database_id = db::SettingsRepository(probe).meta("database_id").value_or(""); });
  shared.local_token = core::random_hex(64);
  // The configuration's problems are said by the announcer as the workers load it.
  shared.connections.set_limit(snap->hot.max_connections);
  for (const auto& p : snap->providers) {
    if (p.impl) {  // credentials about to expire, said once at start as `router test` says them
      const auto w = p.impl->warnings(core::now_ms());
      impl_->warnings.insert(impl_->warnings.end(), w.begin(), w.end());
    }
  }
  core::log::Level level{};
  if (core::log::parse_level(snap->settings.string("log.level"), level)) {
    core::log::set_level(level);
  }
  const std::string listen = o.listen.value_or(snap->settings.string("server.listen"));
  std::size_t threads = o.threads.value_or(static_cast<unsigned>(snap->settings.integer("server.threads")));
  if (threads == 0) {
    threads = std::max(1U, std::thread::hardware_concurrency());
  }
  threads = std::min<std::size_t>(threads, 64);
  const auto endpoint = resolve_listen(listen);
  shared.public_listen = !endpoint.address().is_loopback();
  shared.clients_open = !snap->hot.client_keys_required;
  if (shared.public_listen && shared.clients_open) {
    impl_->warnings.push_back(open_clients_warning(listen));
  }

  impl_->writer = std::make_unique<LogWriter>(o.paths.logs_db, threads);
  impl_->writer->start();
  shared.logs = impl_->writer.get();
  impl_->maintenance = std::make_unique<Maintenance>(o.paths, shared.keys, o.env, *impl_->writer);
  impl_->maintenance->start();
  impl_->blocking = std::make_unique<BlockingPool>(shared);
  shared.blocking = impl_->blocking.get();

  std::vector<http::WorkerSlot> slots;
  for (std::size_t i = 0; i < threads; ++i) {
    impl_->workers.push_back(std::make_unique<Worker>(i, shared));
    auto& w = *impl_->workers.back();
    (void)w.snapshots.get();  // load now: a broken database fails start(), not the first request
    impl_->guards.push_back(net::make_work_guard(w.ioc));
    w.sweep_pool_periodically();
    shared.pools.push_back(&w.pool);
    shared.limiters.push_back(&w.rejects);
    slots.push_back({&w.ioc, &w.dispatcher});
  }
  try {
    impl_->listener = std::make_shared<http::Listener>(impl_->workers.front()->ioc, endpoint, slots, shared.connections,
                                                       refusal_response());
  } catch (const boost::system::system_error& e) {
    impl_->writer->stop();
    impl_->maintenance->stop();
    // Not a database problem: exit 1 (runtime failure), and name the usual cause plainly.
    if (e.code() == boost::asio::error::address_in_use) {
      throw Error(ErrorCode::kInternal,
                  fmt::format("cannot listen on {}: the port is in use (another program or router serves it; "
                              "choose another with --listen or the setting server.listen)",
                              listen));
    }
    throw Error(ErrorCode::kInternal, fmt::format("cannot listen on {}: {}", listen, e.code().message()));
  }
  impl_->bound = impl_->listener->local_endpoint();
  shared.listen = address();
  ServerRecord record;
  record.pid = static_cast<int>(::getpid());
  record.host = host_name();
  record.listen = shared.listen;
  record.version = core::kVersion;
  record.database_id = shared.database_id;
  record.started_ms = shared.started_ms;
  record.token = shared.local_token;
  try {
    impl_->record = std::make_unique<RecordKeeper>(o.paths.config_db, std::move(record));
  } catch (const Error&) {
    impl_->listener->stop();
    impl_->writer->stop();
    impl_->maintenance->stop();
    throw;
  }
  impl_->listener->run();
  for (auto& w : impl_->workers) {
    impl_->threads.emplace_back([&ioc = w->ioc] {
      for (;;) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          // Handlers do not throw by design; if one does, log it and keep the worker alive.
          core::log::error("worker caught an exception: {}", e.what());
        }
      }
    });
  }
  impl_->started = true;
}

void Server::stop() {
  if (!impl_->started || impl_->stopped) {
    return;
  }
  impl_->stopped = true;
  auto& shared = *impl_->shared;
  shared.draining = true;
  impl_->listener->stop();
  impl_->record.reset();  // from now on no CLI takes this server for a live one
  // In-flight requests finish (bounded by the grace period); keep-alive connections get
  // "Connection: close" on their last answer.
  const auto deadline = std::chrono::steady_clock::now() + impl_->options.grace;
  int quiet = 0;
  while (std::chrono::steady_clock::now() < deadline && quiet < 5) {
    int active = 0;
    for (const auto& w : impl_->workers) {
      active += w->active.load(std::memory_order_relaxed);
    }
    quiet = active == 0 ? quiet + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Admin calls still running finish and post their answers; the workers are stopped after.
  impl_->blocking->stop();
  impl_->guards.clear();
  for (auto& w : impl_->workers) {
    w->ioc.stop();
  }
  for (auto& t : impl_->threads) {
    t.join();
  }
  for (auto& w : impl_->workers) {
    w->pool.clear();
  }
  impl_->listener.reset();
  impl_->workers.clear();
  impl_->writer->stop();       // after the workers: every record they queued is written
  impl_->maintenance->stop();  // after the writer: the last key uses are in
}

std::string Server::address() const {
  const auto& ep = impl_->bound;
  return ep.address().is_v6() ? fmt::format("[{}]:{}", ep.address().to_string(), ep.port())
                              : fmt::format("{}:{}", ep.address().to_string(), ep.port());
}

std::uint16_t Server::port() const { return impl_->bound.port(); }

std::vector<std::string> Server::warnings() const { return impl_->warnings; }

}  // namespace router::server
