// The three client dialects' routes (docs/dialects.md): each reads its body into the chat form
// and hands the proxy the renderer of its answers. Routing, fallback, keys and logging are the
// proxy's, the same for every dialect.
#include "core/clock.hpp"
#include "core/result.hpp"
#include "dialects/chat.hpp"
#include "dialects/messages.hpp"
#include "server/answer.hpp"
#include "server/handlers.hpp"
#include "server/log_record.hpp"
#include "server/proxy_call.hpp"

namespace router::server {

namespace {

ClientRequest chat_ingress(std::string_view body) {
  return {providers::parse_chat_request(body), {}, nullptr, true};
}

ClientRequest messages_ingress(std::string_view body) {
  ClientRequest r;
  r.chat = dialects::chat_request(dialects::parse_messages(body), r.translated);
  r.egress = std::make_unique<dialects::MessagesEgress>(r.chat.model);
  return r;
}

}  // namespace

void handle_chat_completions(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::ChatEgress>())->start(chat_ingress);
}

void handle_messages(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::MessagesEgress>())->start(messages_ingress);
}

// An estimate without a tokenizer for every provider type (docs/dialects.md "count_tokens"):
// Claude Code asks before compacting a conversation, and an answer in time beats an exact one.
void handle_count_tokens(Call& call) {
  auto counted = core::capture([&] { return dialects::count_tokens_estimate(call.request.body()); });
  if (!counted) {
    return answer_error(call, error_egress(call.path), LogRecord(call),
                        ErrorAnswer{counted.error().code(), counted.error().what(), counted.error().param()});
  }
  answer_ok(call, std::move(*counted));
}

}  // namespace router::server
