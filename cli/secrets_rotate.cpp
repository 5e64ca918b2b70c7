#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "config/documents.hpp"
#include "config/service.hpp"
#include "context.hpp"

namespace router::cli {

namespace {

int run(Context& ctx) {
  auto new_key = ctx.env()("ROUTER_NEW_MASTER_KEY");
  if (new_key && new_key->empty()) {
    new_key.reset();
  }
  const auto r = ctx.config().rotate_master_key(new_key);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(config::rotation_document(r));
    return 0;
  }
  if (!r.rotated) {
    out.line("no master key exists yet: nothing to rotate");
    return 0;
  }
  out.line(fmt::format("re-sealed {} secret(s) and {} recorded value(s) under the new master key {} (was {})",
                       r.configs_resealed, r.history_resealed, r.new_fingerprint, r.old_fingerprint));
  if (r.from_env) {
    out.line("now set ROUTER_MASTER_KEY to the value of ROUTER_NEW_MASTER_KEY wherever the router runs, and "
             "restart 'router serve': the old key no longer opens anything");
  } else {
    out.line(fmt::format("the new key is in '{}'", ctx.paths().key_file.string()));
  }
  return 0;
}

}  // namespace

Runner setup_secrets_rotate(CLI::App& sub) {
  sub.footer("With ROUTER_MASTER_KEY set, put the new key (base64 of 32 bytes) in ROUTER_NEW_MASTER_KEY. "
             "Exit codes: 2 new key missing or invalid, 6 the current master key is missing or wrong.");
  return run;
}

}  // namespace router::cli
