#include "context.hpp"

#include <fmt/format.h>

#include "config/service.hpp"
#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"

namespace router::cli {

namespace {
bool want_color(const GlobalOptions& o, const core::EnvLookup& env, bool tty) {
  if (o.no_color || o.json || !tty) {
    return false;
  }
  const auto no_color = env("NO_COLOR");
  return !(no_color && !no_color->empty());
}
}  // namespace

Context::Context(GlobalOptions options, core::EnvLookup env, const CLI::App& root, bool stdout_tty)
    : options_(std::move(options)),
      env_(std::move(env)),
      root_(root),
      out_(options_.json, want_color(options_, env_, stdout_tty)) {}

Context::~Context() = default;

const core::Paths& Context::paths() {
  if (!paths_) {
    auto resolved = core::resolve_paths(options_.db, env_);
    // Every command that touches the files passes here first, exactly once.
    for (const auto& w : core::check_storage(resolved)) {
      out_.warn(w);
    }
    paths_ = std::move(resolved);
  }
  return *paths_;
}

void Context::open_databases(bool may_create) {
  const auto& p = paths();
  const auto open = [&](std::unique_ptr<db::Database>& slot, const std::filesystem::path& path, db::DbKind kind) {
    if (slot) {
      return;
    }
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    if (!existed && !may_create) {
      throw core::Error(core::ErrorCode::kUnavailable,
                        fmt::format("no database at {} (create it with `router migrate`)", path.string()));
    }
    slot = std::make_unique<db::Database>(db::open_current(path, kind));
    if (!existed) {
      out_.note(fmt::format("created a new {} database at {} (from {})", db::kind_name(kind), path.string(), p.source));
    }
  };
  open(config_db_, p.config_db, db::DbKind::kConfig);
  open(logs_db_, p.logs_db, db::DbKind::kLogs);
}

db::Database& Context::config_db() {
  if (!config_db_) {
    throw core::Error(core::ErrorCode::kInternal, "configuration database requested before it was opened");
  }
  return *config_db_;
}

config::ConfigService& Context::config() {
  if (!config_) {
    config_ = std::make_unique<config::ConfigService>(config_db(), secrets::KeyStore(paths().key_file, env_));
  }
  return *config_;
}

db::Database& Context::logs_db() {
  if (!logs_db_) {
    throw core::Error(core::ErrorCode::kInternal, "logs database requested before it was opened");
  }
  return *logs_db_;
}

}  // namespace router::cli
