// Admin API: providers, their config and model links, and models (DESIGN.md §7). Each handler
// parses, calls ConfigService (the one implementation of every rule), and answers its document.
#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "config/service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "routing/routing.hpp"
#include "server/admin.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"

namespace router::server {

using core::Error;
using core::ErrorCode;

namespace {

constexpr int kOk = 200;
constexpr int kCreated = 201;

// {"key": value, ...} as service inputs. With `unset` (PATCH), a null value removes the key.
std::vector<config::ConfigInput> config_inputs(const boost::json::object& config, std::vector<std::string>* unset) {
  std::vector<config::ConfigInput> out;
  for (const auto& kv : config) {
    if (kv.value().is_null() && unset != nullptr) {
      unset->emplace_back(kv.key());
    } else {
      out.push_back(config::ConfigInput::from_json(std::string(kv.key()), kv.value()));
    }
  }
  return out;
}

// The fields POST and PUT share. Every field is taken before finish() and the required checks, so
// a misspelt field is reported as unknown rather than as a missing one.
config::NewProvider provider_from(JsonBody& body, std::optional<std::string> id) {
  config::NewProvider p;
  auto type = body.text("type");
  p.name = body.text("name");
  p.priority = body.integer("priority").value_or(0);
  p.description = body.text("description").value_or("");
  p.enabled = body.boolean("enabled").value_or(true);
  p.config = config_inputs(body.object("config").value_or(boost::json::object()), nullptr);
  body.finish();
  p.id = JsonBody::required(std::move(id), "id");
  p.type = JsonBody::required(std::move(type), "type");
  return p;
}

// A body's "id" may repeat the path's, never contradict it.
void require_same_id(JsonBody& body, const std::string& path_id) {
  if (const auto id = body.text("id"); id && *id != path_id) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("the body's id '{}' is not the path's '{}'", id->substr(0, 200), path_id), "id");
  }
}

void reply_provider(Call& call, AdminStore& store, int status, const config::Mutation& o, const std::string& id) {
  reply(call, status, outcome_with(o, "provider", store.config().provider_document(id, false)));
}

// GET of a part of the provider document ("config", "models") as a resource of its own.
void reply_part(Call& call, AdminStore& store, std::string_view part) {
  const auto& id = provider_param(call, 0);
  require_query(call, {});
  reply(call, kOk, {{"provider_id", id}, {part, store.config().provider_document(id, false).at(part)}});
}

void reply_config(Call& call, AdminStore& store, const config::Mutation& o, const std::string& id) {
  reply(call, kOk, outcome_with(o, "config", store.config().provider_document(id, false).at("config")));
}

void reply_links(Call& call, AdminStore& store, int status, const config::Mutation& o, const std::string& id) {
  reply(call, status, outcome_with(o, "models", store.config().provider_document(id, false).at("models")));
}

config::NewModel model_from(JsonBody& body, std::optional<std::string> id) {
  config::NewModel m;
  m.name = body.text("name").value_or("");
  m.description = body.text("description").value_or("");
  m.capabilities = body.texts("capabilities").value_or(std::vector<std::string>());
  body.finish();
  m.id = JsonBody::required(std::move(id), "id");
  return m;
}

bool created(const config::Mutation& o, std::string_view entity) {
  return std::any_of(o.changes.begin(), o.changes.end(),
                     [&](const config::ChangeRecord& c) { return c.entity == entity && c.op == "create"; });
}

}  // namespace

// --- providers -------------------------------------------------------------------------------------

void handle_list_providers(Call& call, AdminStore& store) {
  require_query(call, {"type", "enabled"});
  config::ProviderFilter filter;
  filter.type = call.query_param("type");
  if (const auto enabled = call.query_param("enabled")) {
    if (*enabled != "true" && *enabled != "false") {
      throw Error(ErrorCode::kInvalidArgument, "query parameter 'enabled' must be true or false", "enabled");
    }
    filter.enabled = *enabled == "true";
  }
  reply(call, kOk, store.config().providers_document(filter));
}

void handle_create_provider(Call& call, AdminStore& store) {
  JsonBody body(call.request);
  const auto p = provider_from(body, body.text("id"));
  const auto o = store.config().add_provider(p, actor_of(call));
  reply_provider(call, store, kCreated, o, p.id);
}

void handle_get_provider(Call& call, AdminStore& store) {
  require_query(call, {});
  const auto& id = provider_param(call, 0);
  auto doc = store.config().provider_document(id, false);
  // This server process's breaker (a provider no request has tried yet is closed).
  doc["circuit"] = routing::circuit_document(*call.worker.shared.breakers.of(id), core::now_ms());
  reply(call, kOk, doc);
}

void handle_replace_provider(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  JsonBody body(call.request);
  require_same_id(body, id);
  const auto o = store.config().replace_provider(provider_from(body, id), actor_of(call));
  reply_provider(call, store, kOk, o, id);
}

void handle_patch_provider(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  JsonBody body(call.request);
  require_same_id(body, id);
  config::ProviderEdit edit;
  edit.name = body.text("name");
  edit.priority = body.integer("priority");
  edit.description = body.text("description");
  edit.enabled = body.boolean("enabled");
  edit.config = config_inputs(body.object("config").value_or(boost::json::object()), &edit.unset);
  body.finish();
  const auto o = store.config().edit_provider(id, edit, actor_of(call));
  reply_provider(call, store, kOk, o, id);
}

void handle_delete_provider(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  require_no_body(call);
  reply(call, kOk, config::outcome_document(store.config().remove_provider(id, actor_of(call))));
}

void handle_enable_provider(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  require_no_body(call);
  reply_provider(call, store, kOk, store.config().set_provider_enabled(id, true, actor_of(call)), id);
}

void handle_disable_provider(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  require_no_body(call);
  reply_provider(call, store, kOk, store.config().set_provider_enabled(id, false, actor_of(call)), id);
}

void handle_test_provider(Call& call) {
  const auto& id = provider_param(call, 0);
  require_no_body(call);
  const auto& entry = routing::require_provider(*call.snapshot, id);
  // Upstream I/O on this worker's pool, without blocking it; the snapshot, held by the call,
  // keeps `entry` alive until the answer.
  auto shared = std::make_shared<Call>(call.take());
  check_health(shared->worker.pool, entry, [shared](boost::json::object&& doc) { reply(*shared, kOk, doc); });
}

// --- provider config -------------------------------------------------------------------------------

void handle_get_provider_config(Call& call, AdminStore& store) { reply_part(call, store, "config"); }

void handle_replace_provider_config(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  JsonBody body(call.request);
  auto config = body.object("config");
  body.finish();
  const auto inputs = config_inputs(JsonBody::required(std::move(config), "config"), nullptr);
  reply_config(call, store, store.config().replace_provider_config(id, inputs, actor_of(call)), id);
}

void handle_patch_provider_config(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  const auto& key = call.params.at(1);
  JsonBody body(call.request);
  auto value = body.value("value");
  body.finish();
  config::ProviderEdit edit;
  edit.config = config_inputs(boost::json::object{{key, JsonBody::required(std::move(value), "value")}}, &edit.unset);
  reply_config(call, store, store.config().edit_provider(id, edit, actor_of(call)), id);
}

void handle_delete_provider_config(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  require_no_body(call);
  reply_config(call, store, store.config().unset_provider_config(id, call.params.at(1), actor_of(call)), id);
}

// --- provider model links --------------------------------------------------------------------------

void handle_list_provider_models(Call& call, AdminStore& store) { reply_part(call, store, "models"); }

void handle_link_model(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  JsonBody body(call.request);
  auto model = body.text("model");
  config::LinkOptions options;
  options.make_default = body.boolean("default").value_or(false);
  options.upstream_model = body.text("upstream_model");
  body.finish();
  const auto o = store.config().link_model(id, JsonBody::required(std::move(model), "model"), options, actor_of(call));
  reply_links(call, store, created(o, "provider_model") ? kCreated : kOk, o, id);
}

void handle_unlink_model(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  const auto& model = model_param(call, 1);
  require_no_body(call);
  reply_links(call, store, kOk, store.config().unlink_model(id, model, actor_of(call)), id);
}

void handle_set_default_model(Call& call, AdminStore& store) {
  const auto& id = provider_param(call, 0);
  const auto& model = model_param(call, 1);
  require_no_body(call);
  reply_links(call, store, kOk, store.config().set_default_model(id, model, actor_of(call)), id);
}

// --- models ----------------------------------------------------------------------------------------

void handle_create_model(Call& call, AdminStore& store) {
  JsonBody body(call.request);
  const auto m = model_from(body, body.text("id"));
  const auto o = store.config().add_model(m, actor_of(call));
  reply(call, kCreated, outcome_with(o, "model", store.config().model_document(m.id)));
}

void handle_replace_model(Call& call, AdminStore& store) {
  const auto& id = model_param(call, 0);
  JsonBody body(call.request);
  require_same_id(body, id);
  const auto o = store.config().replace_model(model_from(body, id), actor_of(call));
  reply(call, kOk, outcome_with(o, "model", store.config().model_document(id)));
}

void handle_delete_model(Call& call, AdminStore& store) {
  const auto& id = model_param(call, 0);
  require_no_body(call);
  reply(call, kOk, config::outcome_document(store.config().remove_model(id, actor_of(call))));
}

}  // namespace router::server
