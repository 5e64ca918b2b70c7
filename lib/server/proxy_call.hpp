#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "dialects/egress.hpp"
#include "http/server.hpp"
#include "http/upstream_call.hpp"
#include "providers/provider.hpp"
#include "routing/routing.hpp"
#include "server/dispatcher.hpp"
#include "server/log_record.hpp"
#include "server/stream_relay.hpp"
#include "server/upstream_io.hpp"

namespace router::server {

/// A client's request in the chat form, and how its answers are rendered: what a dialect's
/// ingress (server/client_dialects.cpp) makes of the body it received.
struct ClientRequest {
  providers::ChatRequest chat;
  /// A translated request's chat body, which `chat.raw` views ("" when it views the call's body).
  std::string translated;
  /// The client's renderer; null keeps the one the proxy was made with.
  std::unique_ptr<dialects::Egress> egress;
};

/// Reads a client request into a ClientRequest; throws core::Error for a body the dialect refuses.
/// A function object: the Responses ingress carries its response id and a resolved
/// previous_response_id (server/responses_lookup.cpp).
using Ingress = std::function<ClientRequest(const http::Request& request)>;

/// The provider a request pins with X-Router-Provider, if it names one; an error for a name that
/// cannot be a provider id.
[[nodiscard]] core::Result<std::optional<std::string>> pinned_provider(const http::Request& request);

/// One chat request from its parsed body to its log row: the plan (routing::plan), the attempt
/// loop (routing::after_failure decides each fallback, DESIGN.md §5), each attempt's setup
/// requests and main request through the upstream client, then the whole answer or the stream
/// relay, rendered for the client by its dialect's Egress. Completion-handler driven; it owns the
/// client session (never the reverse) and lives while one of its operations is pending.
class ProxyCall final : public std::enable_shared_from_this<ProxyCall>,
                        public http::ResponseListener,
                        private RelayOwner {
 public:
  /// `egress` renders the answer to a body the ingress refuses.
  ProxyCall(Call&& call, std::unique_ptr<dialects::Egress> egress);
  ~ProxyCall() override;

  /// Reads the body through `ingress`, then routes it. Never throws: every failure becomes a
  /// response and a log row.
  void start(Ingress ingress);

  void on_write_done(boost::beast::error_code ec) override;
  void on_client_gone() override;

 private:
  // Why an attempt ended without an answer the client can have.
  struct Failure {
    core::Error error;
    std::optional<int> status;  ///< the upstream's status, logged with the attempt
    std::optional<int> head;    ///< the status the policy judges by (a stream's 200 included)
    std::optional<providers::ErrorReply> reply;  ///< the client-facing form of an upstream error
    std::string retry_after;
  };

  void next_attempt();
  void step();
  void on_setup(FetchResult&& r);
  void on_head(boost::beast::error_code ec);
  void on_body(int status, boost::beast::error_code ec, std::string&& body);
  void attempt_failed(Failure f);
  void answer(Failure f);
  void finish(int status, db::Outcome outcome, std::string error);
  void report(bool ok);

  bool stop_if_interrupted() override;
  void stream_failed_early(core::Error error) override;
  void stream_ended() override;

  [[nodiscard]] const routing::Candidate& candidate() const { return candidates_[attempt_ - 1]; }
  [[nodiscard]] const providers::Provider& provider() const { return *candidate().provider->impl; }

  Call call_;
  std::unique_ptr<dialects::Egress> egress_;
  bool passthrough_ = false;  // this attempt's provider speaks the client's dialect
  providers::ChatRequest chat_;
  std::string translated_;
  std::vector<routing::Candidate> candidates_;
  std::size_t attempt_ = 0;  // candidates tried so far
  LogRecord record_;
  std::unique_ptr<providers::Exchange> exchange_;
  http::UpstreamCallPtr upstream_;
  std::optional<StreamRelay> relay_;
  http::Timer deadline_;

  bool client_gone_ = false;
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace router::server
