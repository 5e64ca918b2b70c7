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
#include "routing/policy.hpp"
#include "server/proxy_call.hpp"

namespace router::server {

namespace {

ClientRequest chat_ingress(const http::Request& request) {
  return {providers::parse_chat_request(request.body()), {}, nullptr};
}

// A Messages client's version and beta headers reach an anthropic upstream as sent.
std::vector<std::pair<std::string, std::string>> anthropic_headers(const http::Request& request) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string_view name : {"anthropic-version", "anthropic-beta"}) {
    if (const auto it = request.find(name); it != request.end()) {
      out.emplace_back(std::string(name), std::string(it->value()));
    }
  }
  return out;
}

ClientRequest messages_ingress(const http::Request& request) {
  ClientRequest r;
  r.chat = dialects::chat_request(dialects::parse_messages(request.body()), r.translated);
  r.chat.dialect = core::Dialect::kMessages;
  r.chat.client_body = request.body();
  r.chat.forward = anthropic_headers(request);
  r.egress = std::make_unique<dialects::MessagesEgress>(r.chat.model);
  return r;
}

ClientRequest embeddings_ingress(const http::Request& request) {
  return {providers::parse_native_request(request.body(), core::Dialect::kEmbeddings), {}, nullptr};
}

ClientRequest completions_ingress(const http::Request& request) {
  return {providers::parse_native_request(request.body(), core::Dialect::kCompletions), {}, nullptr};
}

ClientRequest count_tokens_ingress(const http::Request& request) {
  ClientRequest r{providers::parse_native_request(request.body(), core::Dialect::kCountTokens), {}, nullptr};
  r.chat.forward = anthropic_headers(request);
  return r;
}

}  // namespace

void handle_chat_completions(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::ChatEgress>())->start(chat_ingress);
}

void handle_messages(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::MessagesEgress>())->start(messages_ingress);
}

// Served by pass-through only: routing skips the providers whose upstream does not speak them.
void handle_embeddings(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::ChatEgress>())->start(embeddings_ingress);
}

void handle_completions(Call& call) {
  std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::ChatEgress>())->start(completions_ingress);
}

// An estimate without a tokenizer for every provider type (docs/dialects.md "count_tokens"):
// Claude Code asks before compacting a conversation, and an answer in time beats an exact one.
// When the model's messages would go first to a provider that counts itself (anthropic), the
// request is passed through to it and logged like any request.
void handle_count_tokens(Call& call) {
  auto model = core::capture([&] {
    return providers::parse_native_request(call.request.body(), core::Dialect::kCountTokens).model;
  });
  auto pinned = pinned_provider(call.request);
  const auto first = model && pinned ? routing::plan(*call.snapshot, *model, *pinned, core::Dialect::kMessages)
                                     : routing::Plan{};
  if (!first.candidates.empty() && first.candidates[0].provider->impl->speaks(core::Dialect::kCountTokens)) {
    return std::make_shared<ProxyCall>(call.take(), std::make_unique<dialects::MessagesEgress>())->start(count_tokens_ingress);
  }
  auto counted = core::capture([&] { return dialects::count_tokens_estimate(call.request.body()); });
  if (!counted) {
    return answer_error(call, error_egress(call.path), LogRecord(call),
                        ErrorAnswer{counted.error().code(), counted.error().what(), counted.error().param()});
  }
  answer_ok(call, std::move(*counted));
}

}  // namespace router::server
