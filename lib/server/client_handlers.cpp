// The small routes: health, metrics, model listing, routing explanation.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "db/migration.hpp"
#include "routing/routing.hpp"
#include "server/context.hpp"
#include "server/answer.hpp"
#include "server/handlers.hpp"
#include "server/log_record.hpp"
#include "server/log_writer.hpp"
#include "server/upstream_io.hpp"

namespace router::server {

using core::Error;
using core::ErrorCode;

namespace {

// Models from the database that an enabled provider serves, in OpenAI's list shape.
boost::json::object model_object(const routing::Snapshot& s, const db::Model& m) {
  std::string owner;
  for (const auto& l : s.links_by_model.at(m.id)) {
    const auto* p = s.find(l.provider_id);
    if (p != nullptr && p->row.enabled) {
      owner = l.provider_id;
      break;
    }
  }
  return {{"id", m.id}, {"object", "model"}, {"created", m.created_at / 1000}, {"owned_by", owner}};
}

bool served(const routing::Snapshot& s, const std::string& model_id) {
  const auto it = s.links_by_model.find(model_id);
  if (it == s.links_by_model.end()) {
    return false;
  }
  for (const auto& l : it->second) {
    const auto* p = s.find(l.provider_id);
    if (p != nullptr && p->row.enabled) {
      return true;
    }
  }
  return false;
}

void list_upstream_models(Call& call, const std::string& provider_id) {
  const auto& entry = routing::require_provider(*call.snapshot, provider_id, "provider");
  // A disabled provider's credentials stay unused: no client route contacts its upstream.
  if (!entry.row.enabled) {
    throw Error(ErrorCode::kConflict,
                fmt::format("provider '{}' is disabled: enable it with 'router provider enable {}'", provider_id, provider_id),
                "provider");
  }
  if (!entry.impl) {
    throw Error(ErrorCode::kUnavailable, fmt::format("provider '{}' cannot be used: {}", provider_id, entry.problem));
  }
  auto shared = std::make_shared<Call>(call.take());
  const auto impl = entry.impl;
  fetch_models(shared->worker.pool, impl, [shared, impl](ModelsAnswer&& a) {
    Call& c = *shared;
    if (a.error) {
      // The upstream refusing the provider's credential is the router's upstream failing, not
      // the client's key: a 401 here would send the client after the wrong key.
      const auto code = a.error->code() == ErrorCode::kUnauthenticated ? ErrorCode::kUpstreamFailed : a.error->code();
      ErrorAnswer e{code, a.error->what()};
      e.outcome = db::Outcome::kUpstreamError;  // the upstream's failure, whatever its code
      return answer_error(c, chat_egress(), LogRecord(c), e);
    }
    boost::json::array data;
    for (const auto& m : a.models) {
      data.push_back(boost::json::object{
          {"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by.empty() ? impl->id() : m.owned_by}});
    }
    answer_ok(c, boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}}));
  });
}

}  // namespace

void handle_health(Call& call) {
  const auto& s = *call.snapshot;
  const auto* active = s.active_provider().empty() ? nullptr : s.find(s.active_provider());
  boost::json::object doc{
      {"status", "ok"},
      {"version", core::kVersion},
      {"uptime_seconds", (core::now_ms() - call.worker.shared.started_ms) / 1000},
      {"listen", call.worker.shared.listen},
      {"database_id", call.worker.shared.database_id},
      {"schema",
       {{"config", db::config_migrations().back().version}, {"logs", db::logs_migrations().back().version}, {"pending", 0}}},
      {"providers", s.providers.size()},
      {"active_provider", active ? boost::json::value(active->row.id) : boost::json::value(nullptr)},
      {"log_queue", call.worker.shared.logs->queue_depth()},
      {"log_failures", call.worker.shared.logs->failures()},
      {"draining", call.worker.shared.draining.load()}};
  // Providers this process skips now (docs/reliability.md "Circuit breaking"): `router status`.
  boost::json::array open;
  const auto now = core::now_ms();
  call.worker.shared.breakers.each([&](const std::string& id, const routing::Breaker& b) {
    if (b.state(now) == routing::Breaker::State::kOpen) {
      open.emplace_back(id);
    }
  });
  doc["circuits_open"] = std::move(open);
  call.session->respond(json_response(call, 200, core::compact_json(doc)));
}

void handle_metrics(Call& call) {
  std::string text;
  text.reserve(8192);
  call.worker.shared.logs->render_metrics(text);
  fmt::format_to(std::back_inserter(text),
                 "# HELP router_uptime_seconds Seconds since the server started.\n"
                 "# TYPE router_uptime_seconds gauge\nrouter_uptime_seconds {}\n"
                 "# HELP router_client_connections Open client connections (cap: server.max_connections).\n"
                 "# TYPE router_client_connections gauge\nrouter_client_connections {}\n"
                 "# HELP router_client_connections_refused_total Client connections refused at server.max_connections.\n"
                 "# TYPE router_client_connections_refused_total counter\nrouter_client_connections_refused_total {}\n"
                 "# HELP router_upstream_idle_connections Idle keep-alive upstream connections per worker.\n"
                 "# TYPE router_upstream_idle_connections gauge\n",
                 (core::now_ms() - call.worker.shared.started_ms) / 1000, call.worker.shared.connections.open(),
                 call.worker.shared.connections.refused());
  const auto& pools = call.worker.shared.pools;
  for (std::size_t i = 0; i < pools.size(); ++i) {
    fmt::format_to(std::back_inserter(text), "router_upstream_idle_connections{{worker=\"{}\"}} {}\n", i,
                   pools[i]->idle_count());
  }
  std::int64_t refusals_dropped = 0;
  for (const auto* limiter : call.worker.shared.limiters) {
    refusals_dropped += limiter->dropped();
  }
  fmt::format_to(std::back_inserter(text),
                 "# HELP router_refusal_rows_dropped_total Log rows of refused requests (401/403, unknown routes, "
                 "413, malformed HTTP) not stored: over server.reject_rate for their client address.\n"
                 "# TYPE router_refusal_rows_dropped_total counter\nrouter_refusal_rows_dropped_total {}\n",
                 refusals_dropped);
  text += "# HELP router_provider_circuit_open 1 while the provider's circuit breaker is open (skipped), else 0.\n"
          "# TYPE router_provider_circuit_open gauge\n";
  const auto now = core::now_ms();
  call.worker.shared.breakers.each([&](const std::string& id, const routing::Breaker& b) {
    fmt::format_to(std::back_inserter(text), "router_provider_circuit_open{{provider=\"{}\"}} {}\n", id,
                   b.state(now) == routing::Breaker::State::kOpen ? 1 : 0);
  });
  auto res = json_response(call, 200, std::move(text));
  res.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  call.session->respond(std::move(res));
}

// Anthropic's list shape, for clients that send `anthropic-version` (the Anthropic SDKs): the
// OpenAI objects' ids, with their creation time as RFC 3339.
std::string anthropic_model_list(const boost::json::array& openai_models) {
  boost::json::array data;
  for (const auto& v : openai_models) {
    const auto& m = v.as_object();
    data.push_back(boost::json::object{{"type", "model"},
                                       {"id", m.at("id")},
                                       {"display_name", m.at("id")},
                                       {"created_at", core::format_utc(m.at("created").to_number<std::int64_t>() * 1000)}});
  }
  boost::json::object out{{"data", data}, {"has_more", false}};
  out["first_id"] = data.empty() ? boost::json::value(nullptr) : data.front().at("id");
  out["last_id"] = data.empty() ? boost::json::value(nullptr) : data.back().at("id");
  return boost::json::serialize(out);
}

void handle_models(Call& call) {
  if (const auto provider = call.query_param("provider")) {
    return list_upstream_models(call, *provider);
  }
  boost::json::array data;
  for (const auto& [id, m] : call.snapshot->models) {
    if (served(*call.snapshot, id)) {
      data.push_back(model_object(*call.snapshot, m));
    }
  }
  if (call.request.find("anthropic-version") != call.request.end()) {
    return answer_ok(call, anthropic_model_list(data));
  }
  answer_ok(call, boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}}));
}

void handle_model(Call& call) {
  const std::string& id = call.params.at(0);
  const auto it = call.snapshot->models.find(id);
  if (it == call.snapshot->models.end() || !served(*call.snapshot, id)) {
    const auto msg = fmt::format("the model '{}' does not exist or no enabled provider serves it", id.substr(0, 200));
    ErrorAnswer e{ErrorCode::kNotFound, msg};
    e.reply = providers::ErrorReply{404, core::error_json(ErrorCode::kNotFound, msg, {}, "model_not_found"), {}};
    return answer_error(call, chat_egress(), LogRecord(call), e);
  }
  answer_ok(call, boost::json::serialize(model_object(*call.snapshot, it->second)));
}

void handle_route(Call& call) {
  const auto model = call.query_param("model").value_or("");
  auto provider = call.query_param("provider");
  if (provider) {
    core::require_slug(*provider, "provider");
    (void)routing::require_provider(*call.snapshot, *provider);
  }
  const auto endpoint = call.query_param("endpoint");
  const auto dialect = endpoint ? core::require_dialect(*endpoint, "endpoint").dialect : core::Dialect::kChat;
  const auto d = routing::decide(*call.snapshot, model, provider, dialect);
  call.session->respond(json_response(call, 200, core::compact_json(routing::decision_json(*call.snapshot, d))));
}

}  // namespace router::server
