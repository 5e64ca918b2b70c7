// OpenAI Responses: a response is named after its request's log row (docs/dialects.md "Response
// ids, retrieval and previous_response_id").
#include <memory>
#include <string>
#include <utility>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "dialects/chat.hpp"
#include "dialects/responses.hpp"
#include "server/handlers.hpp"
#include "server/proxy_call.hpp"

namespace router::server {

namespace {

using boost::json::object;

// Proxies a POST /v1/responses on its worker. previous_response_id is still refused (the parser
// says to send the whole conversation).
void proxy(Call&& call) {
  const auto id = dialects::response_id(call.request_id);
  const auto created = core::now_ms() / 1000;
  auto ingress = [id, created](std::string_view body) {
    auto req = dialects::parse_responses(body);
    ClientRequest r;
    r.chat = dialects::chat_request(std::move(req.ingress), r.translated);
    r.egress = std::make_unique<dialects::ResponsesEgress>(id, std::move(req.echo), created);
    return r;
  };
  auto fallback = std::make_unique<dialects::ResponsesEgress>(id, object{}, created);
  std::make_shared<ProxyCall>(std::move(call), std::move(fallback))->start(std::move(ingress));
}

}  // namespace

void handle_responses(Call& call) { proxy(call.take()); }

}  // namespace router::server
