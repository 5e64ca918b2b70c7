#include "upstream_check.hpp"

#include <fmt/format.h>

#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "secrets/secrets.hpp"
#include "server/upstream_io.hpp"

namespace router::cli {

namespace {

constexpr std::size_t kMaxModelList = 16 * 1024 * 1024;

}  // namespace

ConfiguredProvider configured_provider(Context& ctx, const std::string& id) {
  const secrets::KeyStore keys(ctx.paths().key_file, ctx.env());
  ConfiguredProvider out{routing::load_snapshot(ctx.config_db(), keys, ctx.env()), nullptr};
  const std::string wanted = id.empty() ? out.snapshot->active_provider() : id;
  if (wanted.empty()) {
    throw core::Error(core::ErrorCode::kInvalidArgument,
                      "no active provider: name one, or choose one with 'router set ID'");
  }
  out.entry = out.snapshot->find(wanted);
  if (out.entry == nullptr) {
    std::vector<std::string> ids;
    for (const auto& p : out.snapshot->providers) {
      ids.push_back(p.row.id);
    }
    core::throw_not_found("provider", wanted, ids);
  }
  return out;
}

server::ModelsAnswer check_models(const routing::ProviderEntry& entry) {
  if (!entry.impl) {
    server::ModelsAnswer out;
    out.error = core::Error(core::ErrorCode::kUnavailable,
                            fmt::format("provider '{}' cannot be used: {}", entry.row.id, entry.problem));
    return out;
  }
  const auto& p = *entry.impl;
  const auto start = core::mono_ns();
  auto r = server::fetch_blocking(p, p.models_request(), kMaxModelList);
  return server::models_answer(p, std::move(r), (core::mono_ns() - start) / 1000);
}

}  // namespace router::cli
