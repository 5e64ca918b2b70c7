#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "support/temp_dir.hpp"

namespace router::server {
class Server;
}

namespace router::test {

/// The smallest chat completion requests for model "gpt-test", plain and streaming.
inline const std::string kChat = R"({"model":"gpt-test","messages":[{"role":"user","content":"hi"}]})";
inline const std::string kStreamChat =
    R"({"model":"gpt-test","messages":[{"role":"user","content":"hi"}],"stream":true})";

/// One stored request_logs row, read back with plain SQL (independent of the query layer).
struct LoggedRequest {
  std::string request_id;
  std::string endpoint;
  std::string provider_id;
  std::string model_requested;
  std::string model_sent;
  int stream = 0;
  int status = 0;
  std::string outcome;
  std::string error;
  std::int64_t duration_us = 0;
  std::optional<std::int64_t> ttft_us;
  int attempts = 0;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::optional<std::int64_t> total_tokens;
  std::optional<std::string> request_body;
  std::optional<std::string> response_body;
  int body_truncated = 0;
  std::vector<std::pair<std::string, std::optional<int>>> attempt_rows;  ///< provider, status
};

/// A temporary configuration (written straight through the repositories) and an in-process
/// `router serve` on 127.0.0.1 port 0. Stops the server on destruction.
class ServerFixture {
 public:
  ServerFixture();
  ~ServerFixture();

  [[nodiscard]] std::string db() const;
  [[nodiscard]] const TempDir& dir() const { return dir_; }

  /// Adds a provider; `config` values are stored as given, except `apiKey`/`token`/`cookies`,
  /// which are sealed with the fixture's master key.
  void add_provider(const std::string& id, const std::string& type, boost::json::object config, int priority = 0,
                    bool enabled = true);
  void link(const std::string& provider, const std::string& model, bool is_default = false,
            std::optional<std::string> upstream = std::nullopt);
  void set(const std::string& key, boost::json::value value);
  void add_key(const std::string& name, const std::string& scope, const std::string& secret);
  /// A variable of the server's environment (it sees no other), for env: references; before start().
  void set_env(const std::string& name, const std::string& value) { env_[name] = value; }

  void start(unsigned threads = 2);
  void stop();
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] server::Server& server();

  /// Waits until at least `n` request rows are stored (the writer flushes every few ms).
  [[nodiscard]] std::vector<LoggedRequest> logs(std::size_t n, std::chrono::milliseconds wait = std::chrono::seconds(10));
  /// Waits until the row of `request_id` is stored; returns every row then. Rows of requests
  /// answered earlier are stored by then too (the writer takes every worker's queue at once).
  [[nodiscard]] std::vector<LoggedRequest> logs_through(const std::string& request_id,
                                                        std::chrono::milliseconds wait = std::chrono::seconds(10));
  /// Row counts of every configuration table, revisions included: equal before and after
  /// something means it stored nothing.
  [[nodiscard]] std::string config_fingerprint() const;

 private:
  TempDir dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<server::Server> server_;
};

}  // namespace router::test
