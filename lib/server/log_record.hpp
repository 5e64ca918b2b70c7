#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "db/log_types.hpp"
#include "providers/assembler.hpp"
#include "routing/routing.hpp"

namespace router::server {

struct Call;

/// The one place a request's log row is assembled: begun from the call, filled in as the
/// request learns things (its attempts, what was answered), then completed and queued with the
/// logging settings of the snapshot the request was served under (body policy and size applied
/// here, on the worker, so the writer stores rows as they come).
class LogRecord {
 public:
  /// The metadata the call knows: id, time, route, client, key, request size.
  explicit LogRecord(const Call& call);

  /// An attempt begins against `candidate`.
  void begin_attempt(const routing::Candidate& candidate);
  /// The current attempt ended; later calls for the same attempt are ignored. `answered`: its
  /// answer is the one the client gets (sets the upstream time).
  void end_attempt(std::optional<int> status, std::string error, bool answered = false);
  void usage(const providers::Usage& u);
  /// An answer went to the client (its first byte, its size).
  void answered(const Call& call, std::size_t bytes);

  /// Completes the row (status, outcome, error, duration, request body) and queues it when the
  /// route logs requests (client routes).
  void submit(const Call& call, int status, db::Outcome outcome, std::string error) &&;
  /// A request refused before any handler ran: metadata only (whoever reaches the port chooses
  /// its bytes), path and message cut short, at most server.reject_rate rows a second per
  /// client address; logged on every route.
  void submit_refusal(const Call& call, std::string_view client_addr, int status, std::size_t bytes,
                      std::string_view error) &&;

  db::RequestLog row;

 private:
  std::int64_t attempt_start_ns_ = 0;
  std::size_t attempts_begun_ = 0;
};

}  // namespace router::server
