#include "config/dry_run_db.hpp"

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/migrator.hpp"
#include "db/sqlite/schema.hpp"

namespace router::config {

namespace {

// Removes the scratch directory however `fn` leaves.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "router-dry-run-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw core::Error(core::ErrorCode::kUnavailable, "cannot create a scratch directory for the dry run");
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

void with_migrated_config_db(const std::filesystem::path& path, const std::function<void(db::Database&)>& fn) {
  const auto plan = db::plan_migrations(path, db::DbKind::kConfig);
  auto options = db::options_for(db::DbKind::kConfig);
  if (plan.exists && plan.status.up_to_date()) {
    options.create = false;
    db::Database live(path, options);
    fn(live);
    return;
  }
  ScratchDir dir;
  const auto copy = dir.path() / path.filename();
  if (plan.exists) {
    auto source_options = options;
    source_options.create = false;
    db::Database(path, source_options).backup_to(copy);
  }
  db::Database scratch(copy, options);
  (void)db::Migrator(scratch, db::migrations_for(db::DbKind::kConfig)).apply();
  fn(scratch);
}

}  // namespace router::config
