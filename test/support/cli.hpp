#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace router::test {

/// Every configuration row of the database at `path` without timestamps, one line per row in a
/// stable order: two snapshots are equal exactly when the configurations are. Sealed secrets
/// compare by ciphertext. Opens its own connection.
[[nodiscard]] std::vector<std::string> config_snapshot(const std::filesystem::path& path);

/// Writes one provider_config row straight into the database at `path`, past every rule of the
/// service: a row an older version, or a hand edit, left behind.
void put_config_row(const std::filesystem::path& path, const std::string& provider, const std::string& key,
                    const boost::json::value& value, bool sensitive);

/// Runs `router --json ARGS` and returns the parsed document. Throws std::runtime_error carrying
/// the exit code and stderr unless the command exits 0.
[[nodiscard]] boost::json::object router_json(const std::string& db, const std::vector<std::string>& args,
                                              const ProcessOptions& opts = {});

/// A fresh router database in a temporary directory, for tests that drive the real binary.
struct CliDb {
  TempDir dir;
  std::string db = (dir / "router.db").string();

  [[nodiscard]] ProcessResult run(const std::vector<std::string>& args, const ProcessOptions& opts = {}) const {
    return run_router(db, args, opts);
  }
  [[nodiscard]] boost::json::object json(const std::vector<std::string>& args, const ProcessOptions& opts = {}) const {
    return router_json(db, args, opts);
  }
};

/// The real `router serve` on 127.0.0.1 port 0 for the database `db`, its stderr in `log`;
/// SIGTERM on destruction. port() is 0 when it did not start listening within 20 s.
class ServeProcess {
 public:
  ServeProcess(const std::string& db, const std::filesystem::path& log, ProcessOptions opts = {});
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string listen() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int pid() const noexcept { return child_.pid(); }
  [[nodiscard]] std::string log() const;
  /// SIGTERM and wait; the exit code.
  int stop();

 private:
  std::filesystem::path log_;
  Child child_;
  std::uint16_t port_ = 0;
};


}  // namespace router::test
