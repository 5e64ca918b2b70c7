#include "server/dispatcher.hpp"
#include "server/handlers.hpp"

namespace router::server {

namespace {

using boost::beast::http::verb;

// The route table (DESIGN.md §7): one line per endpoint, documented in docs/api.md and
// docs/openapi.json (a test holds all three in sync). The first line whose verb and pattern match
// wins, so a literal segment comes before a parameter that would also match it
// (/v1/settings/schema before /v1/settings/{key}). "{x*}" takes the rest of the path, slashes
// included (model ids such as "qwen/qwen3-coder"), up to the literal tail after it.
constexpr Route kRoutes[] = {
    {verb::get, "/health", Access::kPublic, handle_health},
    {verb::get, "/metrics", Access::kPublic, handle_metrics},
    {verb::post, "/v1/chat/completions", Access::kClient, handle_chat_completions},
    {verb::post, "/v1/messages", Access::kClient, handle_messages},
    {verb::post, "/v1/messages/count_tokens", Access::kClient, handle_count_tokens},
    {verb::post, "/v1/responses", Access::kClient, handle_responses},
    {verb::get, "/v1/responses/{id}", Access::kClient, handle_get_response},
    {verb::post, "/v1/embeddings", Access::kClient, handle_embeddings},
    {verb::post, "/v1/completions", Access::kClient, handle_completions},
    {verb::get, "/v1/models", Access::kClient, handle_models},
    {verb::get, "/v1/models/{id*}", Access::kClient, handle_model},

    {verb::get, "/v1/config/revisions", Access::kAdmin, handle_list_revisions},
    {verb::get, "/v1/config/revisions/{rev}", Access::kAdmin, handle_get_revision},
    {verb::post, "/v1/config/revisions/{rev}/revert", Access::kAdmin, handle_revert_revision},
    {verb::post, "/v1/models", Access::kAdmin, handle_create_model},
    {verb::put, "/v1/models/{id*}", Access::kAdmin, handle_replace_model},
    {verb::delete_, "/v1/models/{id*}", Access::kAdmin, handle_delete_model},
    {verb::get, "/v1/providers", Access::kAdmin, handle_list_providers},
    {verb::post, "/v1/providers", Access::kAdmin, handle_create_provider},
    {verb::get, "/v1/providers/{id}", Access::kAdmin, handle_get_provider},
    {verb::put, "/v1/providers/{id}", Access::kAdmin, handle_replace_provider},
    {verb::patch, "/v1/providers/{id}", Access::kAdmin, handle_patch_provider},
    {verb::delete_, "/v1/providers/{id}", Access::kAdmin, handle_delete_provider},
    {verb::get, "/v1/providers/{id}/config", Access::kAdmin, handle_get_provider_config},
    {verb::put, "/v1/providers/{id}/config", Access::kAdmin, handle_replace_provider_config},
    {verb::patch, "/v1/providers/{id}/config/{key}", Access::kAdmin, handle_patch_provider_config},
    {verb::delete_, "/v1/providers/{id}/config/{key}", Access::kAdmin, handle_delete_provider_config},
    {verb::post, "/v1/providers/{id}/disable", Access::kAdmin, handle_disable_provider},
    {verb::post, "/v1/providers/{id}/enable", Access::kAdmin, handle_enable_provider},
    {verb::get, "/v1/providers/{id}/models", Access::kAdmin, handle_list_provider_models},
    {verb::post, "/v1/providers/{id}/models", Access::kAdmin, handle_link_model},
    {verb::put, "/v1/providers/{id}/models/{model*}/default", Access::kAdmin, handle_set_default_model},
    {verb::delete_, "/v1/providers/{id}/models/{model*}", Access::kAdmin, handle_unlink_model},
    {verb::post, "/v1/providers/{id}/test", Access::kAdmin, handle_test_provider},
    {verb::get, "/v1/requests", Access::kAdmin, handle_list_requests},
    {verb::get, "/v1/requests/{id}", Access::kAdmin, handle_get_request},
    {verb::get, "/v1/requests/{id}/body", Access::kAdmin, handle_get_request_body},
    {verb::get, "/v1/route", Access::kAdmin, handle_route},
    {verb::get, "/v1/settings", Access::kAdmin, handle_list_settings},
    {verb::get, "/v1/settings/schema", Access::kAdmin, handle_settings_schema},
    {verb::post, "/v1/settings/bulk", Access::kAdmin, handle_bulk_settings},
    {verb::get, "/v1/settings/{key}", Access::kAdmin, handle_get_setting},
    {verb::put, "/v1/settings/{key}", Access::kAdmin, handle_put_setting},
    {verb::delete_, "/v1/settings/{key}", Access::kAdmin, handle_delete_setting},
    {verb::get, "/v1/stats", Access::kAdmin, handle_stats},
};

}  // namespace

std::span<const Route> routes() { return kRoutes; }

}  // namespace router::server
