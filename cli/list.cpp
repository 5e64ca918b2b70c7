#include <CLI/CLI.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "views.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  const auto doc = ctx.config().providers_document({});
  if (ctx.out().json()) {
    ctx.out().print_json(doc);
  } else {
    print_providers(ctx.out(), doc);
  }
  return 0;
}

}  // namespace

Runner setup_list(CLI::App& /*sub*/) { return run; }

}  // namespace router::cli
