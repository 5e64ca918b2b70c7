#include "server/dispatcher.hpp"
#include "server/handlers.hpp"

namespace router::server {

namespace {

using boost::beast::http::verb;

// The route table (DESIGN.md §7): one line per endpoint.
constexpr Route kRoutes[] = {
    {verb::get, "/health", Access::kPublic, handle_health},
    {verb::get, "/metrics", Access::kPublic, handle_metrics},
    {verb::post, "/v1/chat/completions", Access::kClient, handle_chat_completions},
    {verb::get, "/v1/models", Access::kClient, handle_models},
    {verb::get, "/v1/models/{model*}", Access::kClient, handle_model},
    {verb::get, "/v1/route", Access::kAdmin, handle_route},
};

}  // namespace

std::span<const Route> routes() { return kRoutes; }

}  // namespace router::server
