#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace router::test {

struct ProcessResult {
  int exit_code = -1;      ///< -1 when killed by a signal or the timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  ///< added to (and overriding) the test's environment
  std::vector<std::string> unset_env;      ///< removed from the environment
  std::string stdin_data;                  ///< written to stdin, then closed
  std::chrono::milliseconds timeout{60000};
};

/// Runs `argv` (argv[0] is a path) to completion, capturing stdout and stderr. Kills it at the
/// timeout. Never inherits the test's stdin.
[[nodiscard]] ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

/// A long-running child (the server): started with pipes to files, stopped on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const ProcessOptions& opts, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] int pid() const noexcept { return pid_; }
  [[nodiscard]] bool running();
  /// Sends `sig` and waits up to `timeout`; returns the exit code (-signal when killed).
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

 private:
  int pid_ = -1;
  std::optional<int> status_;
};

/// The port a `router serve --listen 127.0.0.1:0` writing its log to `log` listens on, once it
/// says so; 0 when it does not within `wait`.
[[nodiscard]] std::uint16_t wait_for_port(const std::filesystem::path& log, std::chrono::milliseconds wait);

/// Descriptors this process has open now (/proc/self/fd), to see that nothing leaks.
[[nodiscard]] int open_fds();

/// The real `router` binary built with the tests, with --db pointing into `db`.
[[nodiscard]] ProcessResult run_router(const std::string& db, const std::vector<std::string>& args,
                                   const ProcessOptions& opts = {});

}  // namespace router::test
