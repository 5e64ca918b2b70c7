#include "server/upstream_io.hpp"

#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include "core/version.hpp"

namespace router::server {

namespace net = boost::asio;
using core::Error;

http::Origin origin_of(const providers::Provider& p) {
  const auto& u = p.base_url();
  return http::Origin{u.tls, u.host, u.port, p.verify_tls()};
}

http::UpstreamTimeouts timeouts_of(const providers::Provider& p) {
  return http::UpstreamTimeouts{p.timeouts().connect, p.timeouts().first_byte};
}

http::WireMessage make_wire(const providers::Provider& p, providers::UpstreamRequest&& r) {
  static const std::string user_agent = fmt::format("router/{}", core::kVersion);
  r.headers.emplace_back("User-Agent", user_agent);
  http::WireMessage w;
  http::format_request_head(w.head, r.method, r.target, p.base_url().host_header(), r.headers, r.body.size());
  w.body = std::move(r.body);
  return w;
}

namespace {

FetchResult from_reply(const providers::Provider& p, http::FetchReply&& reply) {
  FetchResult r;
  if (reply.error) {
    auto [code, what] = http::describe_io_error(reply.error);
    r.error = Error(code, fmt::format("provider '{}' ({}://{}): {}", p.id(), p.base_url().tls ? "https" : "http",
                                      p.base_url().host_header(), what));
    return r;
  }
  r.status = reply.status;
  r.content_type = std::move(reply.content_type);
  r.retry_after = std::move(reply.retry_after);
  r.body = std::move(reply.body);
  p.scrub_secrets(r.body);
  return r;
}

}  // namespace

void fetch(http::UpstreamPool& pool, const providers::Provider& provider, providers::UpstreamRequest request,
           std::size_t max_body, std::function<void(FetchResult&&)> done) {
  http::WireMessage wire;
  try {
    wire = make_wire(provider, std::move(request));
  } catch (const Error& e) {
    // Completes later, like every other failure: callers may not expect `done` inside fetch().
    net::post(pool.context(), [e, done = std::move(done)] {
      FetchResult r;
      r.error = e;
      done(std::move(r));
    });
    return;
  }
  http::fetch(pool, origin_of(provider), timeouts_of(provider), std::move(wire), max_body,
              [&provider, done = std::move(done)](http::FetchReply&& reply) { done(from_reply(provider, std::move(reply))); });
}

FetchResult fetch_blocking(const providers::Provider& provider, providers::UpstreamRequest request, std::size_t max_body) {
  http::WireMessage wire;
  try {
    wire = make_wire(provider, std::move(request));
  } catch (const Error& e) {
    return FetchResult{e};
  }
  return from_reply(provider, http::fetch_blocking(origin_of(provider), timeouts_of(provider), std::move(wire), max_body));
}

}  // namespace router::server
