#pragma once

#include "server/dispatcher.hpp"

namespace router::server {

// Route handlers (routes.cpp lists them). Each may throw core::Error until it has taken the call.
void handle_health(Call& call);
void handle_metrics(Call& call);
void handle_models(Call& call);
void handle_model(Call& call);
void handle_route(Call& call);
void handle_chat_completions(Call& call);

}  // namespace router::server
