#include "db/log_documents.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/dialect.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/parse.hpp"
#include "core/text.hpp"

namespace router::db {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using core::Error;
using core::ErrorCode;

constexpr std::size_t kMaxModelBytes = 200;

// Runs a core parser and tags its kInvalidArgument with the parameter it came from.
template <typename Fn>
auto tagged(std::string_view param, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(e.code(), e.what(), std::string(param));
  }
}

std::string valid_provider(const std::string& p) {
  if (!core::is_slug(p)) {
    throw Error(
        ErrorCode::kInvalidArgument,
        fmt::format("invalid provider '{}': provider ids are lowercase letters, digits and '-'",
                    p.substr(0, 80)),
        "provider");
  }
  return p;
}

// Model names come from clients, so anything printable is a legitimate filter value.
std::string valid_model(const std::string& m) {
  const bool printable = std::none_of(m.begin(), m.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (m.empty() || m.size() > kMaxModelBytes || !printable || !core::is_valid_utf8(m)) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid model '{}': use 1 to {} bytes of printable UTF-8",
                            m.substr(0, 80), kMaxModelBytes),
                "model");
  }
  return m;
}

Outcome valid_outcome(const std::string& o) {
  if (const auto parsed = parse_outcome(o)) {
    return *parsed;
  }
  throw Error(
      ErrorCode::kInvalidArgument,
      fmt::format(
          "invalid outcome '{}': expected one of ok, client_error, upstream_error, timeout, "
          "truncated, cancelled, no_provider",
          o.substr(0, 80)),
      "outcome");
}

// Durations reaching back before 1970 clamp to the epoch: nothing is logged before it.
std::int64_t time_param(const std::string& text, std::int64_t now, std::string_view param) {
  return std::max<std::int64_t>(0,
                                tagged(param, [&] { return core::parse_time_point(text, now); }));
}

void require_ordered(std::optional<std::int64_t> since, std::optional<std::int64_t> until) {
  if (since && until && *since >= *until) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("empty window: since ({}) is not before until ({})",
                            core::format_utc(*since), core::format_utc(*until)),
                "since");
  }
}

// Rows keep what clients sent byte for byte (a path, a body that did not parse); the documents
// are JSON, whose strings must be valid UTF-8.
value opt_text(const std::string& s) { return s.empty() ? value(nullptr) : value(core::to_valid_utf8(s)); }
value opt_text(const std::optional<std::string>& s) { return s ? value(core::to_valid_utf8(*s)) : value(nullptr); }
value opt_int(const std::optional<std::int64_t>& v) { return v ? value(*v) : value(nullptr); }

object summary_fields(const RequestLog& r, std::int64_t attempt_count) {
  return object{
      {"id", core::format_request_id(r.request_id)},
      {"created_at", core::format_utc(r.created_at)},
      {"endpoint", core::to_valid_utf8(r.endpoint)},
      {"method", r.method},
      {"client_addr", opt_text(r.client_addr)},
      {"api_key", opt_text(r.api_key_name)},
      {"model", opt_text(r.model_requested)},
      {"model_sent", opt_text(r.model_sent)},
      {"provider", opt_text(r.provider_id)},
      {"provider_type", opt_text(r.provider_type)},
      {"stream", r.stream},
      {"status", r.status},
      {"outcome", outcome_name(r.outcome)},
      {"error", opt_text(r.error)},
      {"duration_us", r.duration_us},
      {"ttfb_us", opt_int(r.ttfb_us)},
      {"ttft_us", opt_int(r.ttft_us)},
      {"upstream_us", opt_int(r.upstream_us)},
      {"attempt_count", attempt_count},
      {"usage", object{{"prompt_tokens", opt_int(r.prompt_tokens)},
                       {"completion_tokens", opt_int(r.completion_tokens)},
                       {"total_tokens", opt_int(r.total_tokens)}}},
      {"request_bytes", r.request_bytes},
      {"response_bytes", r.response_bytes},
      {"body_truncated", r.body_truncated},
  };
}

value percentile_or_null(const core::Histogram& h, double p) {
  return h.empty() ? value(nullptr) : value(h.percentile(p));
}

object group_document(const StatsGroup& g, StatsGroupBy by, bool is_total) {
  object o;
  if (!is_total) {
    o["key"] = g.key;
    if (by == StatsGroupBy::kHour || by == StatsGroupBy::kDay) {
      o["start"] = core::format_utc(g.start_ms);
    }
  }
  o["requests"] = g.requests;
  o["errors"] = g.errors;
  o["error_rate"] =
      g.requests == 0
          ? 0.0
          : std::round(static_cast<double>(g.errors) / static_cast<double>(g.requests) * 1e6) / 1e6;
  o["latency_us"] = object{
      {"p50", percentile_or_null(g.latency, 50)},
      {"p95", percentile_or_null(g.latency, 95)},
      {"p99", percentile_or_null(g.latency, 99)},
      {"mean", g.requests == 0 ? value(nullptr) : value(g.duration_sum_us / g.requests)},
      {"max", g.latency.empty() ? value(nullptr) : value(g.latency.max())},
  };
  o["ttft_us"] = object{
      {"count", g.ttft.count()},
      {"p50", percentile_or_null(g.ttft, 50)},
      {"p95", percentile_or_null(g.ttft, 95)},
  };
  o["prompt_tokens"] = g.prompt_tokens;
  o["completion_tokens"] = g.completion_tokens;
  return o;
}

}  // namespace

HistoryRequest parse_history_params(const HistoryParams& p, std::int64_t now_ms) {
  HistoryRequest req;
  if (p.provider) {
    req.filter.provider = valid_provider(*p.provider);
  }
  if (p.model) {
    req.filter.model = valid_model(*p.model);
  }
  if (p.outcome) {
    req.filter.outcome = valid_outcome(*p.outcome);
  }
  if (p.status) {
    req.filter.status = static_cast<int>(
        tagged("status", [&] { return core::parse_int(*p.status, 100, 599, "status"); }));
  }
  if (p.endpoint) {
    req.filter.endpoint = std::string(core::require_dialect(*p.endpoint, "endpoint").path);
  }
  if (p.since) {
    req.filter.since_ms = time_param(*p.since, now_ms, "since");
  }
  if (p.until) {
    req.filter.until_ms = time_param(*p.until, now_ms, "until");
  }
  require_ordered(req.filter.since_ms, req.filter.until_ms);
  if (p.limit) {
    req.limit = static_cast<std::size_t>(tagged("limit", [&] {
      return core::parse_int(*p.limit, 1,
                             static_cast<std::int64_t>(LogRepository::kMaxHistoryLimit), "limit");
    }));
  }
  if (p.cursor) {
    req.cursor = parse_request_id_param(*p.cursor, "cursor");
  }
  return req;
}

StatsQuery parse_stats_params(const StatsParams& p, std::int64_t now_ms) {
  StatsQuery q;
  q.since_ms = time_param(p.since.value_or(std::string(kDefaultStatsSince)), now_ms, "since");
  if (p.until) {
    q.until_ms = time_param(*p.until, now_ms, "until");
  }
  require_ordered(q.since_ms, q.until_ms);
  if (p.by) {
    const auto by = parse_group_by(*p.by);
    if (!by) {
      std::string names;
      for (const auto g : kAllGroupings) {
        names += fmt::format("{}{}", names.empty() ? "" : ", ", group_by_name(g));
      }
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("invalid grouping '{}': expected one of {}", p.by->substr(0, 80), names),
                  "by");
    }
    q.group_by = *by;
  }
  if (p.provider) {
    q.provider = valid_provider(*p.provider);
  }
  return q;
}

std::int64_t parse_request_id_param(std::string_view text, std::string_view param) {
  if (const auto id = core::parse_request_id(text)) {
    return *id;
  }
  throw Error(
      ErrorCode::kInvalidArgument,
      fmt::format(
          "invalid request id '{}': expected req_ and 16 hex digits, e.g. req_0191a2b3c4d5e6f7",
          text.substr(0, 80)),
      std::string(param));
}

object request_summary_document(const RequestSummary& s) {
  return summary_fields(s.request, s.attempt_count);
}

object request_document(const RequestLog& r) {
  object o = summary_fields(r, static_cast<std::int64_t>(r.attempts.size()));
  array attempts;
  for (std::size_t i = 0; i < r.attempts.size(); ++i) {
    const RequestAttempt& a = r.attempts[i];
    attempts.push_back(object{
        {"attempt", i + 1},
        {"provider", a.provider_id},
        {"provider_type", a.provider_type},
        {"model_sent", opt_text(a.model_sent)},
        {"status", a.status ? value(*a.status) : value(nullptr)},
        {"error", opt_text(a.error)},
        {"duration_us", a.duration_us},
    });
  }
  o["attempts"] = std::move(attempts);
  o["request_body"] = opt_text(r.request_body);
  o["response_body"] = opt_text(r.response_body);
  o["replay_of"] = r.replay_of ? value(core::format_request_id(*r.replay_of)) : value(nullptr);
  return o;
}

object history_document(const HistoryPage& page) {
  array data;
  data.reserve(page.rows.size());
  for (const auto& s : page.rows) {
    data.push_back(request_summary_document(s));
  }
  return object{
      {"object", "list"},
      {"data", std::move(data)},
      {"has_more", page.next_cursor.has_value()},
      {"next_cursor",
       page.next_cursor ? value(core::format_request_id(*page.next_cursor)) : value(nullptr)},
  };
}

object stats_document(const StatsResult& s) {
  array groups;
  groups.reserve(s.groups.size());
  for (const auto& g : s.groups) {
    groups.push_back(group_document(g, s.group_by, false));
  }
  return object{
      {"object", "stats"},
      {"group_by", group_by_name(s.group_by)},
      {"window",
       object{{"since", core::format_utc(s.since_ms)},
              {"until", s.until_ms ? value(core::format_utc(*s.until_ms)) : value(nullptr)},
              {"exact", s.exact},
              {"raw_rows_scanned", s.raw_rows_scanned}}},
      {"groups", std::move(groups)},
      {"total", group_document(s.total, s.group_by, true)},
      {"unrouted", group_document(s.unrouted, s.group_by, true)},
  };
}

object storage_document(const StorageReport& r, std::string_view path) {
  const auto ratio = [&]() -> value {
    if (r.stored_bytes <= 0) {
      return nullptr;
    }
    return static_cast<double>(r.received_bytes) / static_cast<double>(r.stored_bytes);
  };
  return object{
      {"object", "logs_size"},
      {"path", path},
      {"file_bytes", r.file_bytes},
      {"free_bytes", r.free_bytes},
      {"wal_bytes", r.wal_bytes},
      {"body_rows", r.body_rows},
      {"items", r.items},
      {"window_ms", r.window_ms},
      {"requests", r.requests},
      {"received_bytes", r.received_bytes},
      {"stored_bytes", r.stored_bytes},
      {"stored_bytes_per_request", r.requests > 0 ? value(r.stored_bytes / r.requests) : value(nullptr)},
      {"ratio", ratio()},
  };
}

object prune_document(const PruneResult& p) {
  return object{
      {"dry_run", p.dry_run},
      {"before", core::format_utc(p.cutoff_ms)},
      {"requests", p.rows},
      {"attempts", p.attempts},
      {"rollups", p.rollups},
      {"bodies", p.bodies},
      {"items", p.items},
      {"batches", p.batches},
      {"vacuumed_bytes", p.vacuumed_bytes},
      {"longest_lock_us", p.longest_lock.count()},
      {"elapsed_us", p.elapsed.count()},
  };
}

}  // namespace router::db
