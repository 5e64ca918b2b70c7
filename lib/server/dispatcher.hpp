#pragma once

#include <atomic>
#include <cstdint>
#include <utility>
#include <optional>
#include <variant>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/count_token.hpp"
#include "core/error.hpp"
#include "db/log_types.hpp"
#include "http/server.hpp"
#include "routing/snapshot.hpp"

namespace router::server {

class AdminStore;
class Worker;
struct ErrorAnswer;

/// Who may call a route (DESIGN.md §7, §9).
enum class Access : std::uint8_t {
  kPublic,  ///< /health, /metrics
  kClient,  ///< OpenAI-compatible routes: open, or a key required (setting auth.clients)
  kAdmin,   ///< management API: always an admin key
};

/// Counts a request as in flight for as long as it lives (moves with the request).
using ActiveToken = core::CountToken;

/// One request on its way through a handler.
struct Call {
  Worker& worker;
  http::ServerSessionPtr session;
  http::Request request;
  routing::SnapshotPtr snapshot;
  std::int64_t request_id = 0;
  std::string request_id_text;
  std::int64_t received_ms = 0;
  std::string key_name;             ///< the API key used, "" when none
  Access access = Access::kPublic;
  std::string path;                 ///< without the query
  std::vector<std::string> params;  ///< path parameters, percent-decoded, in pattern order
  std::vector<std::pair<std::string, std::string>> query;
  ActiveToken active;
  /// Set by take(): a handler took the call over and answers it on its own time.
  bool taken = false;

  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
  /// Moves the call out for a handler that answers later (a proxy call, an upstream request);
  /// from then on the dispatcher leaves failures to the handler.
  [[nodiscard]] Call take() {
    Call out = std::move(*this);
    taken = true;
    return out;
  }
};

/// Pins a request to a provider (DESIGN.md §5); answers name the provider that served.
inline constexpr std::string_view kPinHeader = "X-Router-Provider";

/// Handles a call on its I/O worker, so it never blocks; may throw core::Error until it has taken
/// the call over (Call::take).
using Handler = void (*)(Call& call);
/// Handles a call on the blocking pool (server/blocking_pool.hpp) with that thread's database
/// connections; answers with reply()/answer() (server/admin.hpp), may throw core::Error.
using BlockingHandler = void (*)(Call& call, AdminStore& store);

/// One line of the route table: a verb, a pattern ("/v1/models/{id*}" captures the rest), who may
/// call it, and the handler; its type says which thread runs it.
struct Route {
  boost::beast::http::verb verb;
  std::string_view pattern;
  Access access;
  std::variant<Handler, BlockingHandler> handler;
};

/// Every route, in one table (routes.cpp).
[[nodiscard]] std::span<const Route> routes();

/// A request target split into its path and its percent-decoded query parameters.
struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};
/// Splits `target`; nullopt when the query has a malformed escape, a NUL or invalid UTF-8.
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);
/// The route table's line for `verb` on `path` (nullptr when none), with `params` filled;
/// `allowed` lists the verbs the path does have, for a 405's Allow header.
[[nodiscard]] const Route* find_route(boost::beast::http::verb verb, std::string_view path,
                                      std::vector<std::string>& params, std::string& allowed);

/// Routes requests to handlers after checking keys; answers what the session could not read.
/// One per worker.
class Dispatcher final : public http::RequestHandler {
 public:
  explicit Dispatcher(Worker& worker) : worker_(worker) {}

  void handle(const http::ServerSessionPtr& session, http::Request&& request) override;
  http::Response rejected(const http::ServerSession& session, const http::Request& head,
                          http::RejectReason reason) override;
  http::ServerLimits limits() override;
  bool admit(const http::ServerSessionPtr& session, const http::Request& head) override;

 private:
  static http::ServerLimits limits_from(const routing::Snapshot& snap);
  /// Takes note of a snapshot this worker has not seen before.
  void adopt(const routing::Snapshot& snap);
  /// Answers a request refused before any handler ran, and logs it (LogRecord::submit_refusal).
  void refuse(Call& call, const ErrorAnswer& e);
  /// Routes and checks keys, then runs the handler; with `head_only` (a request waiting for
  /// "100 Continue") stops before the handler. False when it answered already.
  bool dispatch(const http::ServerSessionPtr& session, http::Request&& request, bool head_only);

  Worker& worker_;
  std::optional<http::ServerLimits> limits_;  // from the newest snapshot this worker has seen
  std::int64_t limits_version_ = -1;
};

// --- responses shared by the handlers (answer.hpp renders errors and logs answers) ------------------

/// A JSON response with the headers every answer carries (X-Request-Id).
[[nodiscard]] http::Response json_response(const Call& call, int status, std::string body);

}  // namespace router::server
