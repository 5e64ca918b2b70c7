#pragma once

// What the CLI (`history`, `stats` with --json) and the admin endpoints (GET /v1/requests,
// /v1/requests/{id}, /v1/stats) share: parameter validation from text, and the JSON documents.
// Both print or return these documents unchanged (docs/history.md describes their shapes).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "db/sqlite/log_repository.hpp"

namespace router::db {

inline constexpr std::size_t kDefaultHistoryLimit = 50;
inline constexpr std::string_view kDefaultStatsSince = "24h";

/// history parameters as text (CLI options, query string); nullopt = not given.
struct HistoryParams {
  std::optional<std::string> provider{};
  std::optional<std::string> model{};
  std::optional<std::string> outcome{};
  std::optional<std::string> status{};
  std::optional<std::string> endpoint{};  ///< a name of core::dialects() or its path
  std::optional<std::string> since{};
  std::optional<std::string> until{};
  std::optional<std::string> limit{};
  std::optional<std::string> cursor{};
};

/// A validated history() call.
struct HistoryRequest {
  HistoryFilter filter;
  std::size_t limit = kDefaultHistoryLimit;
  std::optional<std::int64_t> cursor;
};

/// stats parameters as text; nullopt = not given (since defaults to kDefaultStatsSince).
struct StatsParams {
  std::optional<std::string> since{};
  std::optional<std::string> until{};
  std::optional<std::string> by{};
  std::optional<std::string> provider{};
};

/// Validates every parameter; times are relative to `now_ms`. Throws kInvalidArgument whose
/// param() names the offending parameter and whose message lists what is accepted.
[[nodiscard]] HistoryRequest parse_history_params(const HistoryParams& params, std::int64_t now_ms);
/// Same contract as parse_history_params.
[[nodiscard]] StatsQuery parse_stats_params(const StatsParams& params, std::int64_t now_ms);
/// "req_0191a2b3c4d5e6f7" (or the bare 16 hex digits). Throws kInvalidArgument naming `param`.
[[nodiscard]] std::int64_t parse_request_id_param(std::string_view text,
                                                  std::string_view param = "id");

/// One history row: metadata, no bodies, no attempts (attempt_count instead).
[[nodiscard]] boost::json::object request_summary_document(const RequestSummary& summary);
/// Everything about one request: the summary fields, attempts and both bodies (as stored text).
[[nodiscard]] boost::json::object request_document(const RequestLog& request);
/// {"object":"list","data":[summaries],"has_more","next_cursor"}.
[[nodiscard]] boost::json::object history_document(const HistoryPage& page);
/// {"object":"stats","group_by","window","groups":[...],"total"}.
[[nodiscard]] boost::json::object stats_document(const StatsResult& stats);
/// `history --size`: the logs database's size and, over the report's window, the request and
/// response bytes received against the body bytes stored (their ratio: the deduplication ratio).
[[nodiscard]] boost::json::object storage_document(const StorageReport& report, std::string_view path);
/// What `history prune` did or would do.
[[nodiscard]] boost::json::object prune_document(const PruneResult& prune);

}  // namespace router::db
