#include "upstream_check.hpp"

#include <fmt/format.h>

#include "context.hpp"
#include "core/error.hpp"
#include "routing/routing.hpp"
#include "secrets/secrets.hpp"

namespace router::cli {

ConfiguredProvider configured_provider(Context& ctx, const std::string& id) {
  const secrets::KeyStore keys(ctx.paths().key_file, ctx.env());
  ConfiguredProvider out{routing::load_snapshot(ctx.config_db(), keys, ctx.env()), nullptr};
  const std::string wanted = id.empty() ? out.snapshot->active_provider() : id;
  if (wanted.empty()) {
    throw core::Error(core::ErrorCode::kInvalidArgument,
                      "no active provider: name one, or choose one with 'router set ID'");
  }
  out.entry = &routing::require_provider(*out.snapshot, wanted);
  return out;
}

server::ModelsAnswer check_models(const routing::ProviderEntry& entry) {
  if (!entry.impl) {
    server::ModelsAnswer out;
    out.error = core::Error(core::ErrorCode::kUnavailable,
                            fmt::format("provider '{}' cannot be used: {}", entry.row.id, entry.problem));
    return out;
  }
  return server::fetch_models_blocking(entry.impl);
}

}  // namespace router::cli
