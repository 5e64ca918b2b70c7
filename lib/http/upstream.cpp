#include "http/upstream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include <cerrno>

namespace router::http {

using tcp = net::ip::tcp;

namespace {

// boost::system::error_category's destructor is protected and non-virtual by design (categories
// are static singletons, never deleted through the base).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class UpstreamCategory final : public boost::system::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "router.upstream"; }
  [[nodiscard]] std::string message(int ev) const override {
    switch (static_cast<UpstreamError>(ev)) {
      case UpstreamError::kSwitchingProtocols: return "answered 101 Switching Protocols, which was not asked for";
      case UpstreamError::kTooManyInterim: return "sent interim 1xx replies without end";
    }
    return "upstream error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& upstream_category() noexcept {
  static const UpstreamCategory category;
  return category;
}

std::string Origin::key() const {
  std::string k = tls ? "https://" : "http://";
  k += host;
  k += ':';
  k += std::to_string(port);
  if (!verify) {
    k += "#insecure";
  }
  return k;
}

TlsContexts::TlsContexts() : verify_(net::ssl::context::tls_client), insecure_(net::ssl::context::tls_client) {
  for (auto* ctx : {&verify_, &insecure_}) {
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  }
  verify_.set_verify_mode(net::ssl::verify_peer);
  insecure_.set_verify_mode(net::ssl::verify_none);
}

net::ssl::context& TlsContexts::for_origin(const Origin& o) {
  if (!o.verify) {
    return insecure_;
  }
  std::call_once(ca_loaded_, [this] {
    boost::system::error_code ec;
    verify_.set_default_verify_paths(ec);  // a missing store makes verification fail, visibly
  });
  return verify_;
}

UpstreamConnection::UpstreamConnection(TcpStream&& plain, Origin origin)
    : stream_(std::move(plain)), origin_(std::move(origin)) {}

UpstreamConnection::UpstreamConnection(std::unique_ptr<Tls> tls, Origin origin)
    : stream_(std::move(tls)), origin_(std::move(origin)) {}

TcpStream& UpstreamConnection::tcp() noexcept {
  return std::visit([](auto& s) -> TcpStream& { return beast::get_lowest_layer(deref(s)); }, stream_);
}

void UpstreamConnection::close() noexcept {
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp().close();
}

bool UpstreamConnection::idle_alive() noexcept {
  auto& sock = tcp().socket();
  if (!sock.is_open()) {
    return false;
  }
  char byte = 0;
  const ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    return false;  // the peer closed it while idle
  }
  if (n > 0) {
    // A plain HTTP server never speaks first: unexpected bytes mean a broken exchange. TLS may
    // legitimately have records waiting (session tickets), which the next read consumes.
    return origin_.tls;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK;
}

namespace {

void set_nodelay(TcpStream& s) {
  beast::error_code ec;
  s.socket().set_option(tcp::no_delay(true), ec);
}

// Resolve → connect → TLS handshake, each step under the same deadline. Owns itself through
// the pending operation's handler.
class ConnectOp : public std::enable_shared_from_this<ConnectOp> {
 public:
  ConnectOp(net::io_context& ioc, TlsContexts& tls, Origin origin, std::chrono::milliseconds timeout,
            ConnectHandler done)
      : tls_(tls),
        origin_(std::move(origin)),
        timeout_(timeout),
        done_(std::move(done)),
        resolver_(ioc),
        resolve_timer_(ioc),
        stream_(ioc) {}

  void start() {
    beast::error_code ec;
    const auto addr = net::ip::make_address(origin_.host, ec);
    if (!ec) {
      // Literal addresses skip the resolver and its helper thread.
      endpoints_.push_back(tcp::endpoint(addr, origin_.port));
      do_connect();
      return;
    }
    resolve_timer_.expires_after(timeout_);
    resolve_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e) {
        self->resolver_.cancel();
      }
    });
    resolver_.async_resolve(origin_.host, std::to_string(origin_.port),
                            beast::bind_front_handler(&ConnectOp::on_resolve, shared_from_this()));
  }

 private:
  void on_resolve(beast::error_code ec, Resolver::results_type results) {
    resolve_timer_.cancel();
    if (ec) {
      return finish(ec == net::error::operation_aborted ? beast::error::timeout : ec);
    }
    for (const auto& r : results) {
      endpoints_.push_back(r.endpoint());
    }
    do_connect();
  }

  void do_connect() {
    stream_.expires_after(timeout_);
    stream_.async_connect(endpoints_, beast::bind_front_handler(&ConnectOp::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) {
      return finish(ec);
    }
    set_nodelay(stream_);
    if (!origin_.tls) {
      stream_.expires_never();
      done_({}, std::make_unique<UpstreamConnection>(std::move(stream_), origin_));
      return;
    }
    tls_stream_ = std::make_unique<UpstreamConnection::Tls>(std::move(stream_), tls_.for_origin(origin_));
    beast::error_code addr_ec;
    (void)net::ip::make_address(origin_.host, addr_ec);
    const bool is_ip = !addr_ec;  // SNI carries host names only
    // SSL_set_tlsext_host_name is a macro with a C cast; call what it expands to.
    if (!is_ip && SSL_ctrl(tls_stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                           const_cast<char*>(origin_.host.c_str())) != 1) {
      return finish(beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()));
    }
    if (origin_.verify) {
      tls_stream_->set_verify_callback(net::ssl::host_name_verification(origin_.host));
    }
    beast::get_lowest_layer(*tls_stream_).expires_after(timeout_);
    tls_stream_->async_handshake(net::ssl::stream_base::client,
                                 beast::bind_front_handler(&ConnectOp::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      return finish(ec);
    }
    beast::get_lowest_layer(*tls_stream_).expires_never();
    done_({}, std::make_unique<UpstreamConnection>(std::move(tls_stream_), origin_));
  }

  void finish(beast::error_code ec) { done_(ec, nullptr); }

  TlsContexts& tls_;
  Origin origin_;
  std::chrono::milliseconds timeout_;
  ConnectHandler done_;
  Resolver resolver_;
  Timer resolve_timer_;
  TcpStream stream_;
  std::vector<tcp::endpoint> endpoints_;
  std::unique_ptr<UpstreamConnection::Tls> tls_stream_;
};

}  // namespace

UpstreamPool::UpstreamPool(net::io_context& ioc, TlsContexts& tls) : ioc_(ioc), tls_(tls) {}

UpstreamConnectionPtr UpstreamPool::take(const Origin& origin) {
  const auto it = idle_.find(origin.key());
  if (it == idle_.end()) {
    return nullptr;
  }
  auto& list = it->second;
  const auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    UpstreamConnectionPtr c = std::move(list.back());
    list.pop_back();
    idle_count_.fetch_sub(1, std::memory_order_relaxed);
    // A connection idle only briefly is taken on trust (a stale one is retried once anyway);
    // older ones are checked with a non-blocking peek first.
    const auto idle = now - c->idle_since;
    if (idle < kMaxIdle && (idle < std::chrono::seconds(1) || c->idle_alive())) {
      c->reused = true;
      return c;
    }
    c->close();
  }
  return nullptr;
}

bool skip_interim(unsigned status, int interim, beast::error_code& ec) noexcept {
  if (status == 101) {
    ec = UpstreamError::kSwitchingProtocols;
    return false;
  }
  if (status / 100 != 1) {
    return false;
  }
  if (interim + 1 >= kMaxInterimReplies) {
    ec = UpstreamError::kTooManyInterim;
    return false;
  }
  return true;
}

bool reusable(const beast::http::basic_parser<false>& last, const beast::flat_buffer& pending) noexcept {
  return last.is_done() && last.keep_alive() && !last.upgrade() && pending.size() == 0;
}

void UpstreamPool::release(UpstreamConnectionPtr conn, const beast::http::basic_parser<false>& last) {
  if (reusable(last, conn->buffer())) {
    put(std::move(conn));
  } else {
    conn->close();
  }
}

void UpstreamPool::put(UpstreamConnectionPtr conn) {
  if (conn->buffer().size() != 0) {
    conn->close();
    return;
  }
  auto& list = idle_[conn->origin().key()];
  if (list.size() >= kMaxIdlePerOrigin) {
    conn->close();
    return;
  }
  conn->idle_since = std::chrono::steady_clock::now();
  conn->expires_never();
  list.push_back(std::move(conn));
  idle_count_.fetch_add(1, std::memory_order_relaxed);
}

void UpstreamPool::connect(const Origin& origin, std::chrono::milliseconds timeout, ConnectHandler done) {
  std::make_shared<ConnectOp>(ioc_, tls_, origin, timeout, std::move(done))->start();
}

void UpstreamPool::sweep() noexcept {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    std::erase_if(list, [&](UpstreamConnectionPtr& c) {
      if (now - c->idle_since < kMaxIdle && c->idle_alive()) {
        return false;
      }
      c->close();
      idle_count_.fetch_sub(1, std::memory_order_relaxed);
      return true;
    });
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

void UpstreamPool::clear() noexcept {
  for (auto& [k, v] : idle_) {
    for (auto& c : v) {
      c->close();
    }
  }
  idle_.clear();
  idle_count_.store(0, std::memory_order_relaxed);
}

}  // namespace router::http
