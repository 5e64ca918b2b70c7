// The read side of LogRepository: history pages, one request, stats from rollups.
#include "db/sqlite/log_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/sqlite/database.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;

constexpr std::int64_t kHourMs = 3'600'000;

// Column order is what from_row() reads.
constexpr std::string_view kSelectSummary = R"sql(
SELECT request_id, created_at, endpoint, method, client_addr, api_key_name, model_requested,
  model_sent, provider_id, provider_type, stream, status, outcome, error, duration_us, ttfb_us,
  ttft_us, upstream_us, attempts, prompt_tokens, completion_tokens, total_tokens, request_bytes,
  response_bytes, body_truncated)sql";

// History filters are fixed fragments with fixed parameter numbers, appended when set; every
// value is bound. LIMIT is ?8, so all eight parameters always exist and unused ones are inert.
constexpr std::string_view kHistoryWhere =
    " FROM request_logs WHERE request_id >= ?1 AND request_id < ?2";
constexpr std::string_view kByProvider = " AND provider_id = ?3";
constexpr std::string_view kByModel = " AND model_requested = ?4";
constexpr std::string_view kByOutcome = " AND outcome = ?5";
constexpr std::string_view kByStatus = " AND status = ?6";
constexpr std::string_view kByEndpoint = " AND endpoint = ?7";
constexpr std::string_view kHistoryOrder = " ORDER BY request_id DESC LIMIT ?8";

constexpr std::string_view kSelectOne = " FROM request_logs WHERE request_id = ?1";
constexpr std::string_view kSelectAttempts = R"sql(
SELECT provider_id, provider_type, model_sent, status, error, duration_us
FROM request_attempts WHERE request_id = ?1 ORDER BY attempt)sql";

constexpr std::string_view kSelectRollups = R"sql(
SELECT hour, provider_id, model, requests, errors, prompt_tokens, completion_tokens,
  duration_sum_us, latency_hist, ttft_hist, endpoint
FROM request_rollups WHERE hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR provider_id = ?3))sql";
constexpr std::string_view kSelectEdgeRows = R"sql(
SELECT created_at, provider_id, model_requested, outcome, duration_us, ttft_us, prompt_tokens,
  completion_tokens, endpoint
FROM request_logs
WHERE request_id >= ?1 AND request_id < ?2 AND (?3 IS NULL OR provider_id = ?3))sql";
constexpr std::string_view kProviderIds =
    "SELECT DISTINCT provider_id FROM request_rollups WHERE provider_id <> '' ORDER BY 1";
constexpr std::string_view kOldestId = "SELECT min(request_id) FROM request_logs";
// The rollup counts every request the writer ever logged in an hour; fewer raw rows than that
// means retention deleted some of them.
constexpr std::string_view kHourRolledUp =
    "SELECT coalesce(sum(requests), 0) FROM request_rollups WHERE hour = ?1";
constexpr std::string_view kHourRaw =
    "SELECT count(*) FROM request_logs WHERE request_id >= ?1 AND request_id < ?2";

// The smallest request id at `ms`, saturating instead of overflowing for absurd dates.
std::int64_t id_at(std::int64_t ms) {
  constexpr std::int64_t kMaxMs =
      std::numeric_limits<std::int64_t>::max() >> core::kRequestIdTimeShift;
  if (ms <= 0) {
    return 0;
  }
  return ms >= kMaxMs ? std::numeric_limits<std::int64_t>::max() : core::first_request_id_at(ms);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
  return c.isNull() ? std::nullopt : std::optional<std::int64_t>(c.getInt64());
}

RequestSummary from_row(SQLite::Statement& s) {
  RequestSummary out;
  RequestLog& r = out.request;
  r.request_id = s.getColumn(0).getInt64();
  r.created_at = s.getColumn(1).getInt64();
  r.endpoint = s.getColumn(2).getString();
  r.method = s.getColumn(3).getString();
  r.client_addr = s.getColumn(4).getString();  // NULL reads as ""
  r.api_key_name = s.getColumn(5).getString();
  r.model_requested = s.getColumn(6).getString();
  r.model_sent = s.getColumn(7).getString();
  r.provider_id = s.getColumn(8).getString();
  r.provider_type = s.getColumn(9).getString();
  r.stream = s.getColumn(10).getInt() != 0;
  r.status = s.getColumn(11).getInt();
  r.outcome = parse_outcome(s.getColumn(12).getString()).value_or(Outcome::kOk);
  r.error = s.getColumn(13).getString();
  r.duration_us = s.getColumn(14).getInt64();
  r.ttfb_us = opt_int(s.getColumn(15));
  r.ttft_us = opt_int(s.getColumn(16));
  r.upstream_us = opt_int(s.getColumn(17));
  out.attempt_count = s.getColumn(18).getInt();
  r.prompt_tokens = opt_int(s.getColumn(19));
  r.completion_tokens = opt_int(s.getColumn(20));
  r.total_tokens = opt_int(s.getColumn(21));
  r.request_bytes = s.getColumn(22).getInt64();
  r.response_bytes = s.getColumn(23).getInt64();
  r.body_truncated = s.getColumn(24).getInt() != 0;
  return out;
}

void bind_opt(SQLite::Statement& s, int i, const std::optional<std::string>& v) {
  if (v) {
    s.bind(i, *v);
  } else {
    s.bind(i);
  }
}

// Maps rollup hours and raw rows to their group; hour/day keys are cached per hour because
// both sources arrive in time order.
class Grouper {
 public:
  explicit Grouper(StatsGroupBy by) : by_(by) {}

  StatsGroup& group(std::int64_t hour, std::string_view provider, std::string_view model,
                    std::string_view endpoint) {
    switch (by_) {
      case StatsGroupBy::kProvider: return slot(0, provider);
      case StatsGroupBy::kModel: return slot(0, model);
      case StatsGroupBy::kEndpoint: return slot(0, endpoint);
      case StatsGroupBy::kHour:
      case StatsGroupBy::kDay: break;
    }
    if (hour != cached_hour_) {
      cached_hour_ = hour;
      const std::int64_t start = hour * kHourMs;
      if (by_ == StatsGroupBy::kHour) {
        cached_start_ = start;
        cached_key_ = core::format_utc(start);
      } else {
        std::tie(cached_start_, cached_key_) = local_day(start);
      }
    }
    return slot(cached_start_, cached_key_);
  }

  std::vector<StatsGroup> take() {
    std::vector<StatsGroup> out;
    out.reserve(groups_.size());
    for (auto& [k, g] : groups_) {
      out.push_back(std::move(g));
    }
    if (by_ != StatsGroupBy::kHour && by_ != StatsGroupBy::kDay) {
      std::stable_sort(out.begin(), out.end(), [](const StatsGroup& a, const StatsGroup& b) {
        return a.requests > b.requests;
      });
    }
    return out;
  }

 private:
  StatsGroup& slot(std::int64_t start, std::string_view key) {
    auto [it, inserted] = groups_.try_emplace(std::pair(start, std::string(key)));
    if (inserted) {
      it->second.key = it->first.second;
      it->second.start_ms = start;
    }
    return it->second;
  }

  // The local calendar day an hour starts in: its midnight and "YYYY-MM-DD".
  static std::pair<std::int64_t, std::string> local_day(std::int64_t ms) {
    const auto secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    localtime_r(&secs, &tm);
    std::string key =
        fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return {static_cast<std::int64_t>(std::mktime(&tm)) * 1000, std::move(key)};
  }

  StatsGroupBy by_;
  std::map<std::pair<std::int64_t, std::string>, StatsGroup> groups_;
  std::int64_t cached_hour_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t cached_start_ = 0;
  std::string cached_key_;
};

// A partial edge hour [from_ms, to_ms): scanned from raw rows when none of them can have been
// pruned, else taken whole from its rollup.
struct Edge {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  bool raw = false;
};

}  // namespace

void StatsGroup::merge(const StatsGroup& other) {
  requests += other.requests;
  errors += other.errors;
  prompt_tokens += other.prompt_tokens;
  completion_tokens += other.completion_tokens;
  duration_sum_us += other.duration_sum_us;
  latency.merge(other.latency);
  ttft.merge(other.ttft);
}

void StatsGroup::add_request(Outcome outcome, std::int64_t duration_us,
                             std::optional<std::int64_t> ttft_us, std::int64_t prompt,
                             std::int64_t completion) {
  ++requests;
  errors += outcome == Outcome::kOk ? 0 : 1;
  prompt_tokens += prompt;
  completion_tokens += completion;
  duration_sum_us += duration_us;
  latency.record(duration_us);
  if (ttft_us) {
    ttft.record(*ttft_us);
  }
}

std::string_view group_by_name(StatsGroupBy g) noexcept {
  switch (g) {
    case StatsGroupBy::kProvider: return "provider";
    case StatsGroupBy::kModel: return "model";
    case StatsGroupBy::kHour: return "hour";
    case StatsGroupBy::kDay: return "day";
    case StatsGroupBy::kEndpoint: return "endpoint";
  }
  return "provider";
}

std::optional<StatsGroupBy> parse_group_by(std::string_view name) noexcept {
  for (const auto g : kAllGroupings) {
    if (group_by_name(g) == name) {
      return g;
    }
  }
  return std::nullopt;
}

HistoryPage LogRepository::history(const HistoryFilter& filter, std::size_t limit,
                                   std::optional<std::int64_t> cursor) {
  if (limit == 0 || limit > kMaxHistoryLimit) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("limit must be between 1 and {}", kMaxHistoryLimit), "limit");
  }
  const std::int64_t lower = filter.since_ms ? id_at(*filter.since_ms) : 0;
  std::int64_t upper =
      filter.until_ms ? id_at(*filter.until_ms) : std::numeric_limits<std::int64_t>::max();
  if (cursor) {
    upper = std::min(upper, *cursor);
  }
  HistoryPage page;
  if (lower >= upper) {
    return page;
  }
  std::string sql(kSelectSummary);
  sql += kHistoryWhere;
  if (filter.provider) {
    sql += kByProvider;
  }
  if (filter.model) {
    sql += kByModel;
  }
  if (filter.outcome) {
    sql += kByOutcome;
  }
  if (filter.status) {
    sql += kByStatus;
  }
  if (filter.endpoint) {
    sql += kByEndpoint;
  }
  sql += kHistoryOrder;
  db_.read([&] {
    page.rows.clear();
    SQLite::Statement s(db_.sqlite(), sql);
    s.bind(1, static_cast<std::int64_t>(lower));
    s.bind(2, static_cast<std::int64_t>(upper));
    bind_opt(s, 3, filter.provider);
    bind_opt(s, 4, filter.model);
    if (filter.outcome) {
      s.bind(5, std::string(outcome_name(*filter.outcome)));
    }
    if (filter.status) {
      s.bind(6, *filter.status);
    }
    bind_opt(s, 7, filter.endpoint);
    s.bind(8, static_cast<std::int64_t>(limit + 1));  // one more tells whether another page exists
    while (s.executeStep()) {
      page.rows.push_back(from_row(s));
    }
  });
  if (page.rows.size() > limit) {
    page.rows.pop_back();
    page.next_cursor = page.rows.back().request.request_id;
  }
  return page;
}

std::optional<RequestLog> LogRepository::find(std::int64_t request_id) {
  std::optional<RequestLog> out;
  db_.read([&] {
    out.reset();
    SQLite::Statement s(db_.sqlite(), std::string(kSelectSummary) + std::string(kSelectOne));
    s.bind(1, static_cast<std::int64_t>(request_id));
    if (!s.executeStep()) {
      return;
    }
    out = std::move(from_row(s).request);
    bodies_->get(*out);
    SQLite::Statement a(db_.sqlite(), std::string(kSelectAttempts));
    a.bind(1, static_cast<std::int64_t>(request_id));
    while (a.executeStep()) {
      RequestAttempt at;
      at.provider_id = a.getColumn(0).getString();
      at.provider_type = a.getColumn(1).getString();
      at.model_sent = a.getColumn(2).getString();
      if (!a.getColumn(3).isNull()) {
        at.status = a.getColumn(3).getInt();
      }
      at.error = a.getColumn(4).getString();
      at.duration_us = a.getColumn(5).getInt64();
      out->attempts.push_back(std::move(at));
    }
  });
  return out;
}

std::vector<std::string> LogRepository::provider_ids() {
  std::vector<std::string> ids;
  db_.read([&] {
    ids.clear();
    SQLite::Statement s(db_.sqlite(), std::string(kProviderIds));
    while (s.executeStep()) {
      ids.push_back(s.getColumn(0).getString());
    }
  });
  return ids;
}

std::optional<RequestSummary> LogRepository::last_request() {
  HistoryPage page = history({}, 1);
  if (page.rows.empty()) {
    return std::nullopt;
  }
  return std::move(page.rows.front());
}

StatsResult LogRepository::stats(const StatsQuery& q) {
  if (q.until_ms && q.since_ms >= *q.until_ms) {
    throw Error(ErrorCode::kInvalidArgument, "the window is empty: since must be before until",
                "since");
  }
  const std::int64_t now = core::now_ms();
  // No row arrives after now, so an end at or beyond now needs no trailing scan: the current
  // hour's rollup already holds exactly the rows before it.
  const bool open_end = !q.until_ms || *q.until_ms >= now;
  const std::int64_t since = q.since_ms;
  const std::int64_t until = open_end ? std::numeric_limits<std::int64_t>::max() : *q.until_ms;

  // Whole hours [first_full, end_full) come from rollups; the partial hours around them are
  // edges. A window inside one hour is a single edge.
  const std::int64_t first_full = ceil_div(since, kHourMs);
  const std::int64_t end_full =
      open_end ? std::numeric_limits<std::int64_t>::max() / kHourMs : floor_div(until, kHourMs);
  std::vector<Edge> edges;
  if (since % kHourMs != 0) {
    edges.push_back({since, std::min(first_full * kHourMs, until), false});
  }
  if (!open_end && until % kHourMs != 0 && end_full >= first_full) {
    edges.push_back({std::max(end_full * kHourMs, since), until, false});
  }

  StatsResult result;
  result.group_by = q.group_by;
  result.since_ms = since;
  result.until_ms = q.until_ms;
  Grouper grouper(q.group_by);
  db_.read([&] {
    result.raw_rows_scanned = 0;
    result.exact = true;
    result.unrouted = StatsGroup{};
    result.since_ms = since;
    result.until_ms = q.until_ms;
    grouper = Grouper(q.group_by);
    // Retention deletes a prefix of ids, so raw rows from t on are complete iff the oldest
    // stored row is not newer than t.
    std::optional<std::int64_t> oldest;
    {
      SQLite::Statement s(db_.sqlite(), std::string(kOldestId));
      if (s.executeStep() && !s.getColumn(0).isNull()) {
        oldest = s.getColumn(0).getInt64();
      }
    }
    std::int64_t rollup_from = first_full;
    std::int64_t rollup_to = std::max(end_full, first_full);
    // An edge hour is complete in raw rows unless retention pruned some of them: either no row
    // before it was deleted (the oldest row is older), or the hour still holds as many rows as
    // its rollup counted (a fresh database, or one whose first request came later).
    auto hour_complete = [&](std::int64_t hour) {
      SQLite::Statement rolled(db_.sqlite(), std::string(kHourRolledUp));
      rolled.bind(1, static_cast<std::int64_t>(hour));
      const std::int64_t counted = rolled.executeStep() ? rolled.getColumn(0).getInt64() : 0;
      SQLite::Statement raw(db_.sqlite(), std::string(kHourRaw));
      raw.bind(1, static_cast<std::int64_t>(id_at(hour * kHourMs)));
      raw.bind(2, static_cast<std::int64_t>(id_at((hour + 1) * kHourMs)));
      return raw.executeStep() && raw.getColumn(0).getInt64() >= counted;
    };
    for (Edge& e : edges) {
      e.raw = (oldest && *oldest <= id_at(e.from_ms)) ||
              hour_complete(floor_div(e.from_ms, kHourMs));
      if (e.raw) {
        continue;
      }
      result.exact = false;
      const std::int64_t hour = floor_div(e.from_ms, kHourMs);
      rollup_from = std::min(rollup_from, hour);
      rollup_to = std::max(rollup_to, hour + 1);
      if (e.from_ms == since) {
        result.since_ms = hour * kHourMs;
      }
      if (q.until_ms && e.to_ms == until) {
        result.until_ms = (hour + 1) * kHourMs;
      }
    }

    SQLite::Statement r(db_.sqlite(), std::string(kSelectRollups));
    r.bind(1, static_cast<std::int64_t>(rollup_from));
    r.bind(2, static_cast<std::int64_t>(rollup_to));
    bind_opt(r, 3, q.provider);
    // Rows and rollups without a provider (never routed) are counted on their own line.
    auto group_of = [&](std::int64_t hour, const char* provider, const char* model,
                        const char* endpoint) -> StatsGroup& {
      return *provider == '\0' ? result.unrouted : grouper.group(hour, provider, model, endpoint);
    };
    while (r.executeStep()) {
      StatsGroup& g = group_of(r.getColumn(0).getInt64(), r.getColumn(1).getText(),
                               r.getColumn(2).getText(), r.getColumn(10).getText());
      g.requests += r.getColumn(3).getInt64();
      g.errors += r.getColumn(4).getInt64();
      g.prompt_tokens += r.getColumn(5).getInt64();
      g.completion_tokens += r.getColumn(6).getInt64();
      g.duration_sum_us += r.getColumn(7).getInt64();
      const auto blob = [&](int i) {
        const auto c = r.getColumn(i);
        return std::string_view(static_cast<const char*>(c.getBlob()),
                                static_cast<std::size_t>(c.getBytes()));
      };
      g.latency.merge_encoded(blob(8));
      g.ttft.merge_encoded(blob(9));
    }

    for (const Edge& e : edges) {
      if (!e.raw) {
        continue;
      }
      SQLite::Statement s(db_.sqlite(), std::string(kSelectEdgeRows));
      s.bind(1, static_cast<std::int64_t>(id_at(e.from_ms)));
      s.bind(2, static_cast<std::int64_t>(id_at(e.to_ms)));
      bind_opt(s, 3, q.provider);
      while (s.executeStep()) {
        ++result.raw_rows_scanned;
        StatsGroup& g = group_of(floor_div(s.getColumn(0).getInt64(), kHourMs),
                                 s.getColumn(1).getText(), s.getColumn(2).getText(),
                                 s.getColumn(8).getText());
        // NULL token counts read as 0.
        g.add_request(parse_outcome(s.getColumn(3).getText()).value_or(Outcome::kOk),
                      s.getColumn(4).getInt64(), opt_int(s.getColumn(5)), s.getColumn(6).getInt64(),
                      s.getColumn(7).getInt64());
      }
    }
  });
  result.groups = grouper.take();
  result.total.key = "total";
  result.unrouted.key = "unrouted";
  for (const StatsGroup& g : result.groups) {
    result.total.merge(g);
  }
  return result;
}

}  // namespace router::db
