// The small routes: health, metrics, model listing, routing explanation.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "db/migration.hpp"
#include "routing/routing.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"
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
  const auto* p = call.snapshot->find(provider_id);
  if (p == nullptr) {
    std::vector<std::string> ids;
    for (const auto& e : call.snapshot->providers) {
      ids.push_back(e.row.id);
    }
    throw Error(ErrorCode::kNotFound,
                fmt::format("provider '{}' not found{}", provider_id.substr(0, 80), core::did_you_mean(provider_id, ids)),
                "provider");
  }
  if (!p->impl) {
    throw Error(ErrorCode::kUnavailable, fmt::format("provider '{}' cannot be used: {}", provider_id, p->problem));
  }
  auto shared = std::make_shared<Call>(std::move(call));
  const auto impl = p->impl;  // keeps the provider alive if the snapshot is replaced meanwhile
  fetch(shared->worker.pool, *impl, impl->models_request(), 16 * 1024 * 1024,
        [shared, impl](FetchResult&& r) {
          Call& c = *shared;
          if (r.error) {
            return respond_logged(c, core::http_status(r.error->code()),
                                  providers::openai_error_body(core::http_status(r.error->code()), r.error->what()),
                                  db::Outcome::kUpstreamError, r.error->what());
          }
          if (r.status < 200 || r.status >= 300) {
            const auto msg = fmt::format("provider '{}' answered the model list with HTTP {}", impl->id(), r.status);
            return respond_logged(c, 502, providers::openai_error_body(502, msg), db::Outcome::kUpstreamError, msg);
          }
          try {
            boost::json::array data;
            for (const auto& m : impl->parse_models(r.body)) {
              data.push_back(boost::json::object{
                  {"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by.empty() ? impl->id() : m.owned_by}});
            }
            respond_logged(c, 200, boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}}),
                           db::Outcome::kOk);
          } catch (const Error& e) {
            respond_logged(c, 502, providers::openai_error_body(502, e.what()), db::Outcome::kUpstreamError, e.what());
          }
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
      {"schema",
       {{"config", db::config_migrations().back().version}, {"logs", db::logs_migrations().back().version}, {"pending", 0}}},
      {"providers", s.providers.size()},
      {"active_provider", active ? boost::json::value(active->row.id) : boost::json::value(nullptr)},
      {"log_queue", call.worker.shared.logs->queue_depth()},
      {"log_failures", call.worker.shared.logs->failures()},
      {"draining", call.worker.shared.draining.load()}};
  call.session->respond(json_response(call, 200, boost::json::serialize(doc)));
}

void handle_metrics(Call& call) {
  std::string text;
  text.reserve(8192);
  call.worker.shared.logs->render_metrics(text);
  fmt::format_to(std::back_inserter(text),
                 "# HELP router_uptime_seconds Seconds since the server started.\n"
                 "# TYPE router_uptime_seconds gauge\nrouter_uptime_seconds {}\n"
                 "# HELP router_upstream_idle_connections Idle keep-alive upstream connections of this worker.\n"
                 "# TYPE router_upstream_idle_connections gauge\nrouter_upstream_idle_connections{{worker=\"{}\"}} {}\n",
                 (core::now_ms() - call.worker.shared.started_ms) / 1000, call.worker.index, call.worker.pool.idle_count());
  auto res = json_response(call, 200, std::move(text));
  res.set(boost::beast::http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  call.session->respond(std::move(res));
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
  respond_logged(call, 200, boost::json::serialize(boost::json::object{{"object", "list"}, {"data", std::move(data)}}),
                 db::Outcome::kOk);
}

void handle_model(Call& call) {
  const std::string& id = call.params.at(0);
  const auto it = call.snapshot->models.find(id);
  if (it == call.snapshot->models.end() || !served(*call.snapshot, id)) {
    const auto msg = fmt::format("the model '{}' does not exist or no enabled provider serves it", id.substr(0, 200));
    return respond_logged(call, 404, providers::openai_error_body(404, msg, "model_not_found"), db::Outcome::kClientError,
                          msg);
  }
  respond_logged(call, 200, boost::json::serialize(model_object(*call.snapshot, it->second)), db::Outcome::kOk);
}

void handle_route(Call& call) {
  const auto model = call.query_param("model").value_or("");
  auto provider = call.query_param("provider");
  if (provider) {
    core::require_slug(*provider, "provider");
  }
  const auto d = routing::decide(*call.snapshot, model, provider);
  call.session->respond(json_response(call, 200, boost::json::serialize(routing::decision_json(*call.snapshot, d))));
}

}  // namespace router::server
