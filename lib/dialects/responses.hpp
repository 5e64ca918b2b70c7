#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "dialects/chat_form.hpp"
#include "dialects/egress.hpp"

namespace router::dialects {

/// The stored conversation behind `previous_response_id`: that response's input items followed
/// by its output items, in the Responses item shapes. The server provides it from the request log
/// (server/responses_lookup.cpp); it throws core::Error (kInvalidArgument naming
/// previous_response_id when the id cannot be resolved).
using ResolvePrevious = std::function<boost::json::array(std::string_view previous_response_id)>;

/// A client's POST /v1/responses request in the chat form.
struct ResponsesRequest {
  Ingress ingress;
  std::string previous_response_id;  ///< "" when none
  bool store = true;                 ///< `store`; false asks that the response not be kept for chaining
  /// Every input item of the conversation, the resolved previous ones first: what a later
  /// previous_response_id naming this response resolves to (with this response's output).
  boost::json::array input;
  /// The request fields a `response` object repeats (model, instructions, tools, ...).
  boost::json::object echo;
};

/// The id of the response the request `request_id` (core/ids.hpp) answers: "resp_" and the
/// request id's 16 hex digits, so the request log finds it by its key (docs/dialects.md "Ids").
[[nodiscard]] std::string response_id(std::int64_t request_id);
/// The request id inside a response_id(); nullopt for any other text.
[[nodiscard]] std::optional<std::int64_t> response_request_id(std::string_view response_id);

/// A request body's own `input` as items (a string is one user message), without what a
/// previous_response_id adds. Throws kInvalidArgument naming `input` when it is neither.
[[nodiscard]] boost::json::array input_items(const boost::json::object& body);

/// Parses a client's POST /v1/responses body (docs/dialects.md "Responses → chat form").
/// `resolve` is called for a previous_response_id; without one such a request is refused with
/// kInvalidArgument naming previous_response_id. Throws kInvalidArgument with `param` naming the
/// offending field.
[[nodiscard]] ResponsesRequest parse_responses(std::string_view body, const ResolvePrevious& resolve = {});
[[nodiscard]] ResponsesRequest responses_to_chat(const boost::json::object& body, const ResolvePrevious& resolve = {});

/// Renders chat-form answers as OpenAI Responses: a `response` object, or the typed event
/// stream response.created … response.completed (response.incomplete when cut short).
class ResponsesEgress final : public Egress {
 public:
  /// `id`: the response's id (response_id()), which every event and the logged object carry.
  /// `echo`: ResponsesRequest::echo. `created_at`: Unix seconds.
  ResponsesEgress(std::string id, boost::json::object echo, std::int64_t created_at);

  [[nodiscard]] std::string reply(const boost::json::object& completion) override;
  void chunk(const boost::json::object& chunk, std::string& out) override;
  void end(std::string& out) override;
  void fail(core::ErrorCode code, std::string_view message, std::string& out) override;
  [[nodiscard]] std::string error_body(core::ErrorCode code, std::string_view message,
                                       std::string_view param) const override;

 private:
  enum class Item : std::uint8_t { kNone, kReasoning, kMessage, kCall };

  [[nodiscard]] boost::json::object response(std::string_view status, boost::json::array output,
                                             const std::optional<TokenUsage>& usage) const;
  void emit(std::string_view type, boost::json::object&& data, std::string& out);
  void start(const boost::json::object* chunk, std::string& out);
  void open(Item kind, std::string& out, std::string_view call_id = {}, std::string_view name = {});
  void close(std::string& out);
  [[nodiscard]] boost::json::object item_json(bool done) const;

  boost::json::object echo_;
  std::int64_t created_at_;
  std::string id_;
  std::string model_;
  bool started_ = false;
  std::int64_t sequence_ = 0;
  boost::json::array done_items_;
  Item open_ = Item::kNone;
  std::string item_id_;
  std::string text_;          // the open item's text or arguments so far
  std::string call_id_;
  std::string name_;
  std::int64_t open_tool_ = -1;
  std::string finish_reason_;
  std::optional<TokenUsage> usage_;
};

}  // namespace router::dialects
