#include "server/probe.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>

#include "config/settings.hpp"

namespace router::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string ProbeReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (boost::beast::iequals(k, name)) {
      return v;
    }
  }
  return {};
}

std::optional<ProbeReply> probe(const std::string& listen, const ProbeRequest& request,
                                std::chrono::milliseconds timeout) {
  try {
    auto addr = config::parse_listen(listen);
    // A wildcard listen address is reached through loopback.
    if (addr.host == "0.0.0.0") {
      addr.host = "127.0.0.1";
    } else if (addr.host == "::") {
      addr.host = "::1";
    }
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
    req.set(bhttp::field::host, listen);
    if (!request.bearer.empty()) {
      req.set(bhttp::field::authorization, "Bearer " + request.bearer);
    }
    for (const auto& [k, v] : request.headers) {
      req.set(k, v);
    }
    if (!request.body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = request.body;
      req.prepare_payload();
    }
    req.keep_alive(false);
    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(request.body_limit);
    bool done = false;
    // Asynchronous steps under one deadline: Beast's synchronous calls ignore timeouts.
    stream.expires_after(timeout);
    resolver.async_resolve(addr.host, std::to_string(addr.port), [&](beast::error_code ec, auto results) {
      if (ec) return;
      stream.async_connect(results, [&](beast::error_code ec2, const auto&) {
        if (ec2) return;
        bhttp::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
          if (ec3) return;
          bhttp::async_read(stream, buf, parser, [&](beast::error_code ec4, std::size_t) { done = !ec4; });
        });
      });
    });
    ioc.run_for(timeout);
    if (!done) {
      return std::nullopt;
    }
    auto res = parser.release();
    ProbeReply reply{static_cast<int>(res.result_int()), std::move(res.body()), {}};
    for (const auto& f : res) {
      reply.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    }
    return reply;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<ProbeReply> probe_get(const std::string& listen, const std::string& target, const std::string& bearer,
                                    std::chrono::milliseconds timeout) {
  return probe(listen, ProbeRequest{.target = target, .bearer = bearer}, timeout);
}

std::optional<boost::json::object> probe_health(const std::string& listen, std::chrono::milliseconds timeout) {
  const auto reply = probe_get(listen, "/health", "", timeout);
  if (!reply || reply->status != 200) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(reply->body, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return v.as_object();
}

}  // namespace router::server
