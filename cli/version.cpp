#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <boost/version.hpp>
#include <openssl/opensslv.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/version.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const std::string boost_version =
      fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  if (ctx.out().json()) {
    ctx.out().print_json(boost::json::object{{"version", core::kVersion},
                                             {"sqlite", sqlite3_libversion()},
                                             {"openssl", OPENSSL_VERSION_TEXT},
                                             {"boost", boost_version}});
    return 0;
  }
  ctx.out().line(fmt::format("router {}", core::kVersion));
  ctx.out().line(ctx.out().dim(fmt::format("sqlite {}, {}, boost {}", sqlite3_libversion(),
                                           OPENSSL_VERSION_TEXT, boost_version)));
  return 0;
}

}  // namespace

Runner setup_version(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
