// Admin API: the request logs, thin over the query layer `router history` and `router stats` use
// (same parameters, same documents: docs/history.md).
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "server/admin.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"

namespace router::server {

namespace {

constexpr int kOk = 200;

}  // namespace

void handle_list_requests(Call& call, AdminStore& store) {
  require_query(call, {"provider", "model", "outcome", "status", "endpoint", "since", "until", "limit", "cursor"});
  const auto req = db::parse_history_params({.provider = call.query_param("provider"),
                                             .model = call.query_param("model"),
                                             .outcome = call.query_param("outcome"),
                                             .status = call.query_param("status"),
                                             .endpoint = call.query_param("endpoint"),
                                             .since = call.query_param("since"),
                                             .until = call.query_param("until"),
                                             .limit = call.query_param("limit"),
                                             .cursor = call.query_param("cursor")},
                                            core::now_ms());
  reply(call, kOk, db::history_document(store.logs().history(req.filter, req.limit, req.cursor)));
}

namespace {

db::RequestLog find_request(Call& call, AdminStore& store) {
  const auto id = db::parse_request_id_param(call.params.at(0), "id");
  auto request = store.logs().find(id);
  if (!request) {
    throw core::Error(core::ErrorCode::kNotFound,
                      fmt::format("request '{}' not found (never logged, or pruned)", core::format_request_id(id)));
  }
  return std::move(*request);
}

}  // namespace

void handle_get_request(Call& call, AdminStore& store) {
  require_query(call, {});
  reply(call, kOk, db::request_document(find_request(call, store)));
}

// One stored body byte for byte, as `router history show ID --request|--response` prints it.
void handle_get_request_body(Call& call, AdminStore& store) {
  require_query(call, {"part"});
  const auto part = call.query_param("part");
  if (!part || (*part != "request" && *part != "response")) {
    throw core::Error(core::ErrorCode::kInvalidArgument, "part must be request or response", "part");
  }
  db::RequestLog request = find_request(call, store);
  auto& body = *part == "request" ? request.request_body : request.response_body;
  if (!body) {
    throw core::Error(core::ErrorCode::kNotFound,
                      fmt::format("request '{}' has no stored {} body (logging.bodies was not full, or "
                                  "logging.body_retention_days removed it)",
                                  core::format_request_id(request.request_id), *part));
  }
  auto res = json_response(call, kOk, std::move(*body));
  // The bytes as they were received or sent, which need not be JSON (a body cut at
  // logging.max_body_bytes is not).
  res.set(boost::beast::http::field::content_type, "application/octet-stream");
  answer(call, std::move(res));
}

void handle_stats(Call& call, AdminStore& store) {
  require_query(call, {"since", "until", "by", "provider"});
  const auto query = db::parse_stats_params({.since = call.query_param("since"),
                                             .until = call.query_param("until"),
                                             .by = call.query_param("by"),
                                             .provider = call.query_param("provider")},
                                            core::now_ms());
  reply(call, kOk, db::stats_document(store.logs().stats(query)));
}

}  // namespace router::server
