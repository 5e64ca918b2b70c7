#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "http/upstream.hpp"
#include "providers/provider.hpp"
#include "routing/snapshot.hpp"
#include "server/dispatcher.hpp"
#include "server/health_check.hpp"

namespace router::server {

// Route handlers (routes.cpp lists them). Each may throw core::Error until it has taken the call.
// Those taking an AdminStore run on the blocking pool (database work); the others on the I/O worker.

// --- client and public routes (client_handlers.cpp, client_dialects.cpp, responses_lookup.cpp) ------
void handle_health(Call& call);
void handle_metrics(Call& call);
void handle_models(Call& call);
void handle_model(Call& call);
void handle_route(Call& call);
void handle_chat_completions(Call& call);
void handle_messages(Call& call);
void handle_count_tokens(Call& call);
void handle_responses(Call& call);
void handle_embeddings(Call& call);
void handle_completions(Call& call);
void handle_get_response(Call& call, AdminStore& store);

// --- admin: providers, their config and model links, models (admin_providers.cpp) -----------------
void handle_list_providers(Call& call, AdminStore& store);
void handle_create_provider(Call& call, AdminStore& store);
void handle_get_provider(Call& call, AdminStore& store);
void handle_replace_provider(Call& call, AdminStore& store);
void handle_patch_provider(Call& call, AdminStore& store);
void handle_delete_provider(Call& call, AdminStore& store);
void handle_enable_provider(Call& call, AdminStore& store);
void handle_disable_provider(Call& call, AdminStore& store);
void handle_test_provider(Call& call);
void handle_get_provider_config(Call& call, AdminStore& store);
void handle_replace_provider_config(Call& call, AdminStore& store);
void handle_patch_provider_config(Call& call, AdminStore& store);
void handle_delete_provider_config(Call& call, AdminStore& store);
void handle_list_provider_models(Call& call, AdminStore& store);
void handle_link_model(Call& call, AdminStore& store);
void handle_unlink_model(Call& call, AdminStore& store);
void handle_set_default_model(Call& call, AdminStore& store);
void handle_create_model(Call& call, AdminStore& store);
void handle_replace_model(Call& call, AdminStore& store);
void handle_delete_model(Call& call, AdminStore& store);

// --- admin: settings and revisions (admin_settings.cpp) -------------------------------------------
void handle_list_settings(Call& call, AdminStore& store);
void handle_settings_schema(Call& call);
void handle_bulk_settings(Call& call, AdminStore& store);
void handle_get_setting(Call& call, AdminStore& store);
void handle_put_setting(Call& call, AdminStore& store);
void handle_delete_setting(Call& call, AdminStore& store);
void handle_list_revisions(Call& call, AdminStore& store);
void handle_get_revision(Call& call, AdminStore& store);
void handle_revert_revision(Call& call, AdminStore& store);

// --- admin: request logs (admin_logs.cpp) ----------------------------------------------------------
void handle_list_requests(Call& call, AdminStore& store);
void handle_get_request(Call& call, AdminStore& store);
void handle_get_request_body(Call& call, AdminStore& store);
void handle_stats(Call& call, AdminStore& store);

}  // namespace router::server
