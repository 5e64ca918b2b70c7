#include "core/paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "core/error.hpp"

namespace router::core {

std::optional<std::string> process_env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) {
    return std::nullopt;
  }
  return std::string(v);
}

Paths paths_for(const std::filesystem::path& config_db, std::string source) {
  Paths p;
  p.config_db = config_db;
  const auto dir = config_db.parent_path();
  const std::string stem = config_db.stem().string();
  p.logs_db = dir / (stem + "-logs.db");
  p.key_file = dir / (stem + ".key");
  p.backups_dir = dir / "backups";
  p.source = std::move(source);
  return p;
}

Paths resolve_paths(const std::optional<std::string>& db_flag, const EnvLookup& env) {
  auto absolute = [](const std::string& s) { return std::filesystem::absolute(s).lexically_normal(); };
  if (db_flag) {
    if (db_flag->empty()) {
      throw Error(ErrorCode::kInvalidArgument, "--db needs a file path");
    }
    return paths_for(absolute(*db_flag), "--db");
  }
  if (auto v = env("ROUTER_DB"); v && !v->empty()) {
    return paths_for(absolute(*v), "ROUTER_DB");
  }
  std::filesystem::path base;
  if (auto xdg = env("XDG_DATA_HOME"); xdg && !xdg->empty() && xdg->front() == '/') {
    base = *xdg;  // the XDG spec says relative values are invalid and must be ignored
  } else if (auto home = env("HOME"); home && !home->empty()) {
    base = std::filesystem::path(*home) / ".local" / "share";
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "cannot find a database location: set --db, ROUTER_DB or HOME");
  }
  return paths_for((base / "router" / "router.db").lexically_normal(), "default");
}

void ensure_parent_dir(const std::filesystem::path& file) {
  const auto dir = file.parent_path();
  if (dir.empty()) {
    return;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error(ErrorCode::kUnavailable,
                "cannot create directory '" + dir.string() + "': " + ec.message());
  }
  ::chmod(dir.c_str(), 0700);
}


std::vector<std::string> check_storage(const Paths& paths) {
  const auto dir = paths.config_db.parent_path();
  struct stat st{};
  if (!dir.empty() && ::stat(dir.c_str(), &st) == 0) {
    if (st.st_uid != ::geteuid()) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("the database directory '{}' belongs to uid {}, not to you (uid {}): files created here "
                              "would not be usable by its owner; run the command as that user (e.g. 'sudo -u <owner> "
                              "router ...')",
                              dir.string(), st.st_uid, ::geteuid()));
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("the database directory '{}' is writable by group or others (mode {:04o}): anyone "
                              "there could replace the master key or the databases; fix it with: chmod 700 '{}'",
                              dir.string(), st.st_mode & 07777, dir.string()));
    }
  }
  std::vector<std::string> warnings;
  for (const auto* file : {&paths.key_file, &paths.config_db, &paths.logs_db}) {
    struct stat fs{};
    if (::stat(file->c_str(), &fs) == 0 && (fs.st_mode & (S_IRGRP | S_IROTH)) != 0) {
      warnings.push_back(fmt::format("'{}' is readable by group or others (mode {:04o}); fix it with: chmod 600 '{}'",
                                     file->string(), fs.st_mode & 07777, file->string()));
    }
  }
  return warnings;
}

}  // namespace router::core
