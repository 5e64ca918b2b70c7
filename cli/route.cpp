#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/text.hpp"
#include "routing/routing.hpp"
#include "secrets/secrets.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string model;
  std::string provider;
};

int run(const Options& opt, Context& ctx) {
  const secrets::KeyStore keys(ctx.paths().key_file, ctx.env());
  const auto snap = routing::load_snapshot(ctx.config_db(), keys, ctx.env());
  std::optional<std::string> pinned;
  if (!opt.provider.empty()) {
    core::require_slug(opt.provider, "provider");
    pinned = opt.provider;
  }
  const auto d = routing::decide(*snap, opt.model, pinned);
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(routing::decision_json(*snap, d));
    return 0;
  }
  out.line(fmt::format("model {}{}: active provider {}, fallback {}, at most {} attempt(s)",
                       opt.model.empty() ? "(default)" : "'" + printable(opt.model) + "'",
                       pinned ? fmt::format(", pinned to '{}'", *pinned) : "",
                       snap->active_provider().empty() ? "(none)" : "'" + snap->active_provider() + "'",
                       snap->settings.boolean("routing.fallback") ? "on" : "off",
                       snap->settings.integer("routing.max_attempts")));
  if (d.candidates.empty()) {
    out.line(out.red("no candidate: requests get 503 no_provider_available"));
  } else {
    Table t({"#", "PROVIDER", "TYPE", "SENDS MODEL", "WHY"});
    int i = 1;
    for (const auto& c : d.candidates) {
      t.add({std::to_string(i++), c.provider->row.id, c.provider->row.type, c.model, c.why});
    }
    t.print(out);
  }
  if (!d.skipped.empty()) {
    out.line("");
    Table t({"SKIPPED", "REASON"});
    for (const auto& s : d.skipped) {
      t.add({s.provider_id, s.reason});
    }
    t.print(out);
  }
  return 0;
}

}  // namespace

Runner setup_route(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("--model,-m", opt->model, "The model a request names (default: the provider's default)");
  sub.add_option("--provider,-p", opt->provider, "Pin the request to one provider (like X-Router-Provider)");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
