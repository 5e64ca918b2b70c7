#pragma once

#include <filesystem>
#include <functional>

namespace router::db {
class Database;
}

namespace router::config {

/// Runs `fn` on the configuration database at `path` as it will be after `router migrate`,
/// without creating or changing `path`: the database itself when it exists at the latest schema
/// (`fn` must roll its work back, e.g. Mode::kDryRun), else a migrated scratch copy in a temporary
/// directory that is removed afterwards. For dry runs of work that follows schema migrations.
void with_migrated_config_db(const std::filesystem::path& path, const std::function<void(db::Database&)>& fn);

}  // namespace router::config
