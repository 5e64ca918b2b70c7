// `router test [provider]` and `router provider test ID`: one health check, two commands.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/text.hpp"
#include "server/health_check.hpp"
#include "upstream_check.hpp"

namespace router::cli {

namespace {

constexpr std::size_t kModelsShown = 10;

// Text and --json both come from the health document POST /v1/providers/{id}/test returns, so
// the same failure reads the same everywhere.
int run(const std::string& id, Context& ctx) {
  const auto configured = configured_provider(ctx, id);
  const auto& entry = *configured.entry;
  const auto doc = server::check_health_blocking(entry);
  const bool healthy = doc.at("healthy").as_bool();
  const auto& out = ctx.out();
  if (out.json()) {
    out.print_json(doc);
    return healthy ? 0 : 1;
  }
  const auto& base_url = doc.at("base_url");
  const auto label = fmt::format("provider '{}' ({}{}{})", entry.row.id, entry.row.type,
                                 base_url.is_string() ? fmt::format(", {}", base_url.as_string()) : std::string(),
                                 entry.row.enabled ? "" : ", disabled");
  const auto& latency = doc.at("latency_ms");
  const auto latency_ms = latency.is_double() ? static_cast<std::int64_t>(latency.as_double()) : std::int64_t{0};
  if (healthy) {
    const auto& models = doc.at("models").as_array();
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < models.size() && i < kModelsShown; ++i) {
      shown.emplace_back(models[i].as_string());
    }
    const auto count = static_cast<std::size_t>(doc.at("model_count").to_number<std::uint64_t>());
    out.line(fmt::format("{}: {} in {} ms", label, out.green("healthy"), latency_ms));
    out.line(fmt::format("models ({}): {}{}", count, shown.empty() ? "none" : core::join(shown, ", "),
                         count > shown.size() ? ", …" : ""));
  } else {
    const std::string after = latency.is_null() ? std::string() : fmt::format(" after {} ms", latency_ms);
    out.line(fmt::format("{}: {}{}: {}", label, out.red("unhealthy"), after, doc.at("error").as_string().c_str()));
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
