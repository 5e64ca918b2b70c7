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

int run(const std::string& id, Context& ctx) {
  const auto configured = configured_provider(ctx, id);
  const auto& entry = *configured.entry;
  const auto check = check_models(entry);
  const bool healthy = !check.error;
  const auto& out = ctx.out();
  if (out.json()) {
    // The document POST /v1/providers/{id}/test returns.
    out.print_json(server::health_document(entry, entry.impl ? &check : nullptr, core::now_ms()));
    return healthy ? 0 : 1;
  }
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < check.models.size() && i < kModelsShown; ++i) {
    shown.push_back(check.models[i].id);
  }
  const auto doc = server::health_document(entry, &check, core::now_ms());
  const auto label = fmt::format("provider '{}' ({}{}{})", entry.row.id, entry.row.type,
                                 doc.at("base_url").is_string() ? fmt::format(", {}", doc.at("base_url").as_string())
                                                                : std::string(),
                                 entry.row.enabled ? "" : ", disabled");
  const std::int64_t latency_ms = check.latency_us / 1000;
  if (healthy) {
    out.line(fmt::format("{}: {} in {} ms", label, out.green("healthy"), latency_ms));
    out.line(fmt::format("models ({}): {}{}", check.models.size(), shown.empty() ? "none" : core::join(shown, ", "),
                         check.models.size() > shown.size() ? ", …" : ""));
  } else {
    out.line(fmt::format("{}: {} after {} ms: {}", label, out.red("unhealthy"), latency_ms, check.error->what()));
  }
  for (const auto& w : doc.at("warnings").as_array()) {
    out.line(out.yellow(fmt::format("warning: {}", w.as_string().c_str())));
  }
  return healthy ? 0 : 1;
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
