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

  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

/// Handles a call on its I/O worker, so it never blocks; may throw core::Error until it has taken
/// the call over (moved from it).
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
  /// Answers a request refused before any handler ran, and logs it (log_refusal).
  void refuse(Call& call, http::Response&& res, std::string_view error);
  /// The log row of a refused request: metadata only, never its body, since whoever can reach
  /// the port can send one; at most server.reject_rate rows a second per client address.
  void log_refusal(const Call& call, std::string_view client_addr, const http::Response& res, std::string_view error);
  /// Routes and checks keys, then runs the handler; with `head_only` (a request waiting for
  /// "100 Continue") stops before the handler. False when it answered already.
  bool dispatch(const http::ServerSessionPtr& session, http::Request&& request, bool head_only);

  Worker& worker_;
  std::optional<http::ServerLimits> limits_;  // from the newest snapshot this worker has seen
  std::int64_t limits_version_ = -1;
};

// --- responses and request logs, shared by the handlers --------------------------------------------

/// A JSON response with the headers every answer carries (X-Request-Id).
[[nodiscard]] http::Response json_response(const Call& call, int status, std::string body);
/// An OpenAI-shaped error document; bytes of `message` that are not UTF-8 become U+FFFD.
[[nodiscard]] std::string error_body(core::ErrorCode code, std::string_view message, std::string_view param = {});
/// An OpenAI-shaped error response.
[[nodiscard]] http::Response error_response(const Call& call, core::ErrorCode code, std::string_view message,
                                            std::string_view param = {});
/// The log record of a client request, filled with what the call knows.
[[nodiscard]] db::RequestLog begin_log(const Call& call);
/// Completes and queues a client request's log record (a no-op for non-client routes).
void submit_log(const Call& call, db::RequestLog&& log);
/// Answers with a JSON body and logs a client request in one go (simple routes).
void respond_logged(Call& call, int status, std::string body, db::Outcome outcome, std::string error = {});

}  // namespace router::server
