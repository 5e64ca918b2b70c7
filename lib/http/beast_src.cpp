// The one translation unit that compiles Boost.Asio, Asio SSL and Boost.Beast (separate
// compilation, see BOOST_*_SEPARATE_COMPILATION on router_http): every other TU only declares.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
