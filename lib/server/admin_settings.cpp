// Admin API: settings and the configuration's revision history (DESIGN.md §7, §8).
#include <boost/json.hpp>

#include "config/documents.hpp"
#include "config/service.hpp"
#include "config/settings.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "server/admin.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"

namespace router::server {

namespace {

constexpr int kOk = 200;
constexpr std::int64_t kDefaultRevisions = 20;
constexpr std::int64_t kMaxRevisions = 1000;

// A key in the path names a resource, so an undeclared one is 404 (the CLI's 'config set' says
// invalid input instead: there the key is an argument).
const config::SettingDecl& setting_param(const Call& call) {
  return config::require_setting(call.params.at(0), core::ErrorCode::kNotFound);
}

void reply_setting(Call& call, AdminStore& store, const config::Mutation& o, std::string_view key) {
  reply(call, kOk, outcome_with(o, "setting", store.config().setting_document(key)));
}

}  // namespace

// --- settings --------------------------------------------------------------------------------------

void handle_list_settings(Call& call, AdminStore& store) {
  require_query(call, {});
  reply(call, kOk, store.config().settings_document());
}

void handle_settings_schema(Call& call) {
  require_query(call, {});
  reply(call, kOk, config::settings_schema_document());
}

void handle_bulk_settings(Call& call, AdminStore& store) {
  JsonBody body(call.request);
  auto settings = body.object("settings");
  body.finish();
  std::vector<std::pair<std::string, boost::json::value>> values;
  for (const auto& kv : JsonBody::required(std::move(settings), "settings")) {
    values.emplace_back(std::string(kv.key()), kv.value());
  }
  const auto o = store.config().put_settings(values, actor_of(call));
  reply(call, kOk, outcome_with(o, "settings", store.config().settings_document().at("settings")));
}

void handle_get_setting(Call& call, AdminStore& store) {
  require_query(call, {});
  reply(call, kOk, store.config().setting_document(setting_param(call).key));
}

void handle_put_setting(Call& call, AdminStore& store) {
  const auto& decl = setting_param(call);
  JsonBody body(call.request);
  auto value = body.value("value");
  body.finish();
  reply_setting(call, store,
                store.config().put_setting(decl.key, JsonBody::required(std::move(value), "value"), actor_of(call)),
                decl.key);
}

void handle_delete_setting(Call& call, AdminStore& store) {
  const auto& decl = setting_param(call);
  require_no_body(call);
  reply_setting(call, store, store.config().unset_setting(decl.key, actor_of(call)), decl.key);
}

// --- revisions -------------------------------------------------------------------------------------

void handle_list_revisions(Call& call, AdminStore& store) {
  require_query(call, {"limit", "before"});
  const auto limit = call.query_param("limit");
  const auto before = call.query_param("before");
  reply(call, kOk,
        store.config().revisions_document(limit ? core::parse_int(*limit, 1, kMaxRevisions, "limit") : kDefaultRevisions,
                                         before ? std::optional(config::parse_revision(*before)) : std::nullopt));
}

void handle_get_revision(Call& call, AdminStore& store) {
  require_query(call, {});
  reply(call, kOk, store.config().revision_document(config::parse_revision(call.params.at(0))));
}

void handle_revert_revision(Call& call, AdminStore& store) {
  const auto rev = config::parse_revision(call.params.at(0));
  require_no_body(call);
  reply(call, kOk, config::outcome_document(store.config().revert(rev, actor_of(call))));
}

}  // namespace router::server
