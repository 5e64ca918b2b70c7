// `router test [provider]` and `router provider test ID`: one health check, two commands.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"
#include "upstream_check.hpp"

namespace router::cli {

namespace {

constexpr std::size_t kModelsShown = 10;

std::string base_url_of(const providers::Provider& p) {
  const auto& u = p.base_url();
  return fmt::format("{}://{}{}", u.tls ? "https" : "http", u.host_header(), u.path);
}

int run(const std::string& id, Context& ctx) {
  const auto configured = configured_provider(ctx, id);
  const auto& entry = *configured.entry;
  const auto check = check_models(entry);
  const auto warnings = entry.impl ? entry.impl->warnings(core::now_ms()) : std::vector<std::string>{};
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < check.models.size() && i < kModelsShown; ++i) {
    shown.push_back(check.models[i].id);
  }
  const auto& out = ctx.out();
  if (out.json()) {
    boost::json::array models(shown.begin(), shown.end());
    boost::json::array warns(warnings.begin(), warnings.end());
    out.print_json(boost::json::object{
        {"provider", entry.row.id},
        {"type", entry.row.type},
        {"enabled", entry.row.enabled},
        {"base_url", entry.impl ? boost::json::value(base_url_of(*entry.impl)) : boost::json::value(nullptr)},
        {"healthy", check.ok},
        {"latency_ms", check.latency_ms},
        {"status", check.status ? boost::json::value(*check.status) : boost::json::value(nullptr)},
        {"model_count", check.models.size()},
        {"models", std::move(models)},
        {"error", check.error ? boost::json::value(check.error->what()) : boost::json::value(nullptr)},
        {"warnings", std::move(warns)}});
    return check.ok ? 0 : 1;
  }
  const auto label = fmt::format("provider '{}' ({}{}{})", entry.row.id, entry.row.type,
                                 entry.impl ? ", " + base_url_of(*entry.impl) : std::string(),
                                 entry.row.enabled ? "" : ", disabled");
  if (check.ok) {
    out.line(fmt::format("{}: {} in {} ms", label, out.green("healthy"), check.latency_ms));
    out.line(fmt::format("models ({}): {}{}", check.models.size(), shown.empty() ? "none" : core::join(shown, ", "),
                         check.models.size() > shown.size() ? ", …" : ""));
  } else {
    out.line(fmt::format("{}: {} after {} ms: {}", label, out.red("unhealthy"), check.latency_ms,
                         check.error ? check.error->what() : "no answer"));
  }
  for (const auto& w : warnings) {
    out.line(out.yellow("warning: " + w));
  }
  return check.ok ? 0 : 1;
}

constexpr std::string_view kFooter =
    "Asks the provider for its model list (the same call GET /v1/models?provider= makes) and reports "
    "latency and the first models. Exit codes: 0 healthy, 1 unhealthy, 3 unknown provider.";

}  // namespace

Runner setup_test(CLI::App& sub) {
  auto id = std::make_shared<std::string>();
  sub.add_option("provider", *id, "Provider id (default: the active provider)");
  sub.footer(std::string(kFooter));
  return [id](Context& ctx) { return run(*id, ctx); };
}

Runner setup_provider_test(CLI::App& sub) {
  auto id = std::make_shared<std::string>();
  sub.add_option("id", *id, "Provider id")->required();
  sub.footer(std::string(kFooter));
  return [id](Context& ctx) { return run(*id, ctx); };
}

}  // namespace router::cli
