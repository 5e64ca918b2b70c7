#include <CLI/CLI.hpp>

#include "command.hpp"
#include "config/service.hpp"
#include "views.hpp"

namespace router::cli {

Runner setup_list(CLI::App& /*sub*/) {
  return [](Context& ctx) {
    show_providers(ctx, {});
    return 0;
  };
}

}  // namespace router::cli
