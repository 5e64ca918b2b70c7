#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "core/dialect.hpp"
#include "core/error.hpp"
#include "core/sse.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "providers/assembler.hpp"
#include "providers/types.hpp"

namespace router::providers {

using core::Dialect;

/// A validated client request, in the chat form (/v1/chat/completions) whatever the dialect.
struct ChatRequest {
  boost::json::object body;  ///< the whole request; fields we do not understand pass through
  std::string_view raw;      ///< the exact bytes the client sent
  std::string model;         ///< "" when the request names none
  bool stream = false;
  bool include_usage = false;  ///< stream_options.include_usage
  /// Translated from another dialect: the body may carry the chat form's extensions
  /// (docs/dialects.md), which an OpenAI-compatible upstream must not see.
  bool extended = false;
  Dialect dialect = Dialect::kChat;  ///< what the client spoke
  /// The client's bytes in its own dialect (for chat, `raw`): what a provider that speaks the
  /// dialect is sent, only the model changed.
  std::string_view client_body;
  /// Client headers a provider speaking the dialect gets unchanged (anthropic-version, anthropic-beta).
  std::vector<std::pair<std::string, std::string>> forward;
};

/// The body a provider speaking the client's dialect is sent: the client's bytes with only the
/// top-level `model` changed to `model` (added first when the client named none).
[[nodiscard]] std::string native_body(const ChatRequest& request, std::string_view model);

/// Parses a body that only pass-through serves (embeddings, completions, count_tokens): a JSON
/// object whose model and stream are checked, everything else left to the upstream. Throws
/// core::Error kInvalidArgument naming the offending field as param.
[[nodiscard]] ChatRequest parse_native_request(std::string_view body, Dialect dialect);

/// Parses and validates a client's /v1/chat/completions body. `raw` views `body`, which must
/// outlive the result. Throws core::Error kInvalidArgument naming the offending field as param.
[[nodiscard]] ChatRequest parse_chat_request(std::string_view body);

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request to a provider's origin. Headers may carry credentials: never log them.
struct UpstreamRequest {
  std::string method = "POST";
  std::string target;  ///< path and query on the provider's origin
  Headers headers;
  std::string body;
  bool stream = false;  ///< a successful answer is text/event-stream
};

/// The client-facing form of an upstream error.
struct ErrorReply {
  int status = 502;
  std::string body;  ///< OpenAI error JSON
  /// A status the router's retry rules (routing.retry_on) should also treat this answer as:
  /// Anthropic's 529 "overloaded" fails over wherever 503 does.
  std::optional<int> retry_like;
};

/// Conversation state a provider keeps between requests (qwen-direct: the web chat and the
/// message the next turn continues from; PROTOCOLS.md §5).
struct ConversationState {
  std::string chat_id;
  std::string parent_id;  ///< "" when the chat has no message yet
};

/// Where providers keep conversation state. Implemented over the logs database by the server
/// (one connection per worker thread); providers only see this interface. Calls are synchronous
/// and may throw core::Error (kUnavailable when the database is busy beyond its timeout).
class ConversationStore {
 public:
  virtual ~ConversationStore() = default;
  /// The state stored under `key` if it was written at or after `not_before_ms` (Unix ms).
  [[nodiscard]] virtual std::optional<ConversationState> find(std::string_view key, std::int64_t not_before_ms) = 0;
  /// Stores (or replaces) the state under `key`, and forgets the provider's state that was last
  /// written before `expire_before_ms`.
  virtual void put(std::string_view key, std::string_view provider_id, const ConversationState& state,
                   std::int64_t expire_before_ms) = 0;
};

/// What an attempt may use besides the request: services owned by the server.
struct ChatContext {
  ConversationStore* conversations = nullptr;  ///< nullptr: no state is kept (every request is a first turn)
};

/// Receives what a translating provider makes of upstream stream events.
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  /// One chat.completion.chunk for the client.
  virtual void chunk(boost::json::object&& chunk) = 0;
};

/// Where a translated stream stands after an event.
struct StreamStep {
  enum class State { kContinue, kDone, kFailed } state = State::kContinue;
  std::string error;  ///< kFailed: what went wrong, for the client's SSE error event and the log
  /// kFailed by the upstream's own error event, which a client of its wire gets as it is.
  bool reported = false;
};

/// The JSON object an upstream SSE event's data holds; nullopt when it holds anything else.
[[nodiscard]] std::optional<boost::json::object> event_object(std::string_view data);
/// kFailed: "provider 'x' sent a malformed stream event".
[[nodiscard]] StreamStep malformed_event(std::string_view provider_id);

/// One attempt of one request against one provider: builds the upstream request(s) and turns the
/// answer into OpenAI objects. Pure translation — no sockets, no database; the server drives it.
/// Methods may throw core::Error for malformed upstream data; the server turns that into an
/// upstream error for the attempt.
class Exchange {
 public:
  virtual ~Exchange() = default;

  /// A request to make before the main one (a chat to create), or nullopt when none is left.
  [[nodiscard]] virtual std::optional<UpstreamRequest> next_setup() { return std::nullopt; }
  /// The complete answer to the last setup request.
  virtual void on_setup_reply(int /*status*/, std::string_view /*content_type*/, std::string_view /*body*/) {}

  /// The main request.
  [[nodiscard]] virtual UpstreamRequest request() = 0;

  /// A non-2xx answer to the main request, as the client should see it.
  [[nodiscard]] virtual ErrorReply error_reply(int status, std::string_view content_type, std::string_view body);

  /// A 2xx non-streaming answer → the chat.completion body for the client.
  [[nodiscard]] virtual std::string reply(std::string&& body) = 0;
  /// A 2xx non-streaming answer already in the client's dialect (pass-through): whether it is
  /// usable, and its usage; the client gets the body as it is.
  [[nodiscard]] virtual CompletionScan check_native(std::string_view body) { return scan_completion(body); }

  /// True when the upstream's events are chat.completion.chunk objects (OpenAI SSE): the server
  /// reads them itself, and on_event/on_end are not called.
  [[nodiscard]] virtual bool chunk_stream() const noexcept { return false; }
  /// One upstream SSE event of a stream in another wire: chat chunks for the sink, for the
  /// client (when it does not speak the upstream's wire) and the log.
  [[nodiscard]] virtual StreamStep on_event(const core::SseEvent& /*event*/, ChunkSink& /*sink*/) {
    return {StreamStep::State::kFailed, "this provider does not translate streams"};
  }
  /// The upstream stream ended (EOF) without the exchange having reported kDone.
  [[nodiscard]] virtual StreamStep on_end(ChunkSink& /*sink*/) {
    return {StreamStep::State::kFailed, "upstream stream ended before it was complete"};
  }

  /// Options the upstream cannot take that were dropped, for the log row ("" when none).
  [[nodiscard]] virtual std::string ignored_options() const { return {}; }

 protected:
  std::string provider_id_;  ///< for error messages
  friend class Provider;
};

/// A model as an upstream lists it.
struct UpstreamModel {
  std::string id;
  std::string owned_by;
  std::int64_t created = 0;
  std::string name;                       ///< display name, "" when the upstream gives none
  std::string description;
  std::vector<std::string> capabilities;  ///< lowercase words ("vision"), when the upstream says
};

struct Timeouts {
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds first_byte{120000};  ///< to the response head, and between stream reads
};

/// A configured provider: its type's translation plus the resolved configuration. Immutable and
/// shared by every request of a configuration snapshot.
class Provider {
 public:
  virtual ~Provider() = default;

  [[nodiscard]] const std::string& id() const noexcept { return id_; }
  [[nodiscard]] std::string_view type() const noexcept { return type_->name; }
  [[nodiscard]] const core::Url& base_url() const noexcept { return base_; }
  [[nodiscard]] bool verify_tls() const noexcept { return verify_tls_; }
  [[nodiscard]] const Timeouts& timeouts() const noexcept { return timeouts_; }
  /// The configured defaultModel, if any.
  [[nodiscard]] const std::optional<std::string>& default_model() const noexcept { return default_model_; }
  /// A config value as given (secrets in plain text: handle with care).
  [[nodiscard]] const boost::json::object& config() const noexcept { return config_; }
  /// Masks this provider's credentials (its sensitive config values, each cookie value, and
  /// their JSON-escaped forms) in text that came from its upstream, before the text is relayed
  /// or stored: an upstream may echo what it was sent.
  void scrub_secrets(std::string& text) const { core::scrub_secrets(text, secrets_); }

  /// True when the upstream speaks `d` itself: a request in it passes through (native_body) and
  /// its answer comes back as the upstream sent it.
  [[nodiscard]] virtual bool speaks(Dialect d) const noexcept;
  /// True when `request` passes through to this provider: it speaks the request's dialect and
  /// the client's bytes can go as they are (a Responses request whose previous_response_id the
  /// router resolved has none: only the translation carries the earlier turns).
  [[nodiscard]] bool passes_through(const ChatRequest& request) const noexcept {
    return !request.client_body.empty() && speaks(request.dialect);
  }
  /// True when a request in `d` can be served, natively or translated through the chat form.
  [[nodiscard]] bool serves(Dialect d) const noexcept {
    return d == Dialect::kChat || d == Dialect::kMessages || d == Dialect::kResponses || speaks(d);
  }

  /// Starts one attempt of `request`, sending `model` upstream. `context` outlives the exchange.
  /// Throws core::Error when the attempt cannot start (expired credentials, unusable request).
  [[nodiscard]] virtual std::unique_ptr<Exchange> chat(const ChatRequest& request, const std::string& model,
                                                       const ChatContext& context) const = 0;
  /// GET of the upstream's model list (also the health check).
  [[nodiscard]] virtual UpstreamRequest models_request() const = 0;
  /// Parses the 2xx answer to models_request(). Throws core::Error for an unusable body.
  [[nodiscard]] virtual std::vector<UpstreamModel> parse_models(std::string_view body) const = 0;
  /// What a non-2xx answer to models_request() means, as an error to report (health checks).
  [[nodiscard]] virtual core::Error models_error(int status, std::string_view content_type, std::string_view body) const;
  /// Things the operator should know before using the provider (credentials about to expire),
  /// as of `now_ms`. Empty when all is well.
  [[nodiscard]] virtual std::vector<std::string> warnings(std::int64_t now_ms) const;

 protected:
  /// Throws kInvalidArgument when the base URL or a value is unusable.
  Provider(std::string id, const ProviderType& type, boost::json::object config, std::string_view base_url);
  /// Headers every request carries: the configured extra headers.
  void add_config_headers(Headers& h) const;
  /// A GET of `target` with `headers`, less the Content-Type a GET has no use for.
  [[nodiscard]] static UpstreamRequest get_request(std::string target, Headers headers);
  [[nodiscard]] std::string config_string(std::string_view key) const;
  /// A config value that is a whole number above zero, else nullopt.
  [[nodiscard]] std::optional<std::int64_t> config_positive(std::string_view key) const;
  /// Content-Type (JSON) and Accept (SSE for a stream, else JSON): how every request starts.
  [[nodiscard]] static Headers json_headers(bool stream, std::size_t capacity);
  template <typename T>
  std::unique_ptr<T> make_exchange(std::unique_ptr<T> ex) const {
    ex->provider_id_ = id_;
    return ex;
  }

 private:
  std::string id_;
  const ProviderType* type_;
  boost::json::object config_;
  core::Url base_;
  bool verify_tls_ = true;
  Timeouts timeouts_;
  std::optional<std::string> default_model_;
  std::vector<std::string> secrets_;
};

using ProviderPtr = std::shared_ptr<const Provider>;

/// Builds a provider of `type` from its resolved configuration (config::resolve_provider_config).
/// Throws kInvalidArgument when the configuration cannot work (bad URL, unknown type).
[[nodiscard]] ProviderPtr make_provider(std::string id, std::string_view type, boost::json::object config);

/// The config's baseURL (or `fallback` when it has none) without trailing '/'.
[[nodiscard]] std::string base_url_from(const boost::json::object& config, std::string_view fallback);

/// The message inside an OpenAI-style or Anthropic-style error body, if there is one.
[[nodiscard]] std::optional<std::string> upstream_message(std::string_view body);
/// A short, printable excerpt of an upstream body for an error message.
[[nodiscard]] std::string body_excerpt(std::string_view body);

}  // namespace router::providers
