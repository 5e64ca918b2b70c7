#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/paths.hpp"
#include "output.hpp"

namespace CLI {
class App;
}
namespace router::db {
class Database;
}
namespace router::config {
class ConfigService;
}

namespace router::cli {

/// The global flags, parsed before any command runs.
struct GlobalOptions {
  std::optional<std::string> db;
  bool json = false;
  bool no_color = false;
};

/// What a command runs against: resolved paths, the databases its Needs asked for, and output.
/// Built by app/main.cpp; commands only read from it.
class Context {
 public:
  Context(GlobalOptions options, core::EnvLookup env, const CLI::App& root, bool stdout_tty);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  [[nodiscard]] const GlobalOptions& options() const noexcept { return options_; }
  [[nodiscard]] const Output& out() const noexcept { return out_; }
  [[nodiscard]] const core::EnvLookup& env() const noexcept { return env_; }
  [[nodiscard]] const CLI::App& root() const noexcept { return root_; }

  /// Resolved and checked (core::check_storage, warnings on stderr) on first use (DESIGN.md §2).
  /// Throws kInvalidArgument when nothing resolves, kUnavailable for an unsafe directory.
  [[nodiscard]] const core::Paths& paths();
  /// Opens both databases at the current schema; see db::open_current. A missing database is
  /// created when `may_create` (said on stderr), else kUnavailable "no database at PATH".
  void open_databases(bool may_create = true);
  /// Valid after open_databases().
  [[nodiscard]] db::Database& config_db();
  [[nodiscard]] db::Database& logs_db();
  /// The configuration service over config_db() and the master key beside it (or in
  /// ROUTER_MASTER_KEY). Valid after open_databases().
  [[nodiscard]] config::ConfigService& config();

 private:
  GlobalOptions options_;
  core::EnvLookup env_;
  const CLI::App& root_;
  Output out_;
  std::optional<core::Paths> paths_;
  std::unique_ptr<db::Database> config_db_;
  std::unique_ptr<db::Database> logs_db_;
  std::unique_ptr<config::ConfigService> config_;  // after config_db_: destroyed before it
};

}  // namespace router::cli
