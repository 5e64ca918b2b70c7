#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/basic_stream.hpp>

#include <chrono>

namespace router::http {

namespace net = boost::asio;
namespace beast = boost::beast;

// Every socket and timer is bound to one worker's io_context, so they name its executor type
// directly: the type-erased any_io_executor would be copied, moved and destroyed on every
// asynchronous operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<net::ip::tcp, Executor>;
using TcpStream = beast::basic_stream<net::ip::tcp, Executor>;
using Resolver = net::ip::basic_resolver<net::ip::tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace router::http
