#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/error.hpp"
#include "providers/provider.hpp"

namespace router::dialects {

/// A client request of another dialect, parsed into the chat form (docs/dialects.md).
struct Ingress {
  boost::json::object chat;          ///< the chat-form request body, extensions included
  std::vector<std::string> ignored;  ///< request fields the chat form cannot express (logged, not refused)
};

/// The ChatRequest the core routes for a translated request. `raw` receives the serialized chat
/// body and must outlive the result (ChatRequest::raw views it).
[[nodiscard]] providers::ChatRequest chat_request(Ingress&& ingress, std::string& raw);

/// Token counts of a chat-form usage object, the extensions included.
struct TokenUsage {
  std::int64_t prompt = 0;          ///< all input tokens, cached ones included
  std::int64_t completion = 0;      ///< all output tokens, reasoning included
  std::int64_t cached = 0;          ///< prompt_tokens_details.cached_tokens (cache reads)
  std::int64_t cache_creation = 0;  ///< prompt_tokens_details.cache_creation_tokens (extension)
  std::int64_t reasoning = 0;       ///< completion_tokens_details.reasoning_tokens
};
[[nodiscard]] TokenUsage token_usage(const boost::json::object& usage) noexcept;

/// One SSE block `event: <type>\ndata: <json>\n\n`, appended to `out`.
void append_event(std::string& out, std::string_view type, const boost::json::object& data);

/// `prefix` + the unique part of a chat completion id ("chatcmpl-abc" → "msg_abc"), so one
/// answer keeps one id across dialects and the log.
[[nodiscard]] std::string derived_id(std::string_view prefix, std::string_view completion_id);

/// A tool call's JSON arguments as an object: {} for empty text, and {} too for text that is
/// not a JSON object (an upstream's malformed arguments; docs/dialects.md "what is lost").
[[nodiscard]] boost::json::object arguments_object(std::string_view arguments);

/// A client's request body as a JSON object; throws kInvalidArgument for an empty body
/// (naming `dialect`, "a JSON Messages request"), invalid JSON or anything but an object.
[[nodiscard]] boost::json::object parse_body(std::string_view body, std::string_view dialect);
/// Appends to `ignored` the names of the non-null fields of `body` that are not in `translated`.
void add_ignored(const boost::json::object& body, std::span<const std::string_view> translated,
                 std::vector<std::string>& ignored);
/// A chat-form function tool from a client's tool definition: its `name` (required,
/// kInvalidArgument naming `<param>.name`), `description`, and its JSON schema under `schema_key`
/// (an empty object schema when absent).
[[nodiscard]] boost::json::object chat_tool(const boost::json::object& tool, std::string_view schema_key,
                                            const std::string& param);
/// Copies `temperature` and `top_p` (numbers, else kInvalidArgument), and `stream` (a boolean)
/// with `stream_options.include_usage: true`: a translated stream's last event carries the usage.
void copy_sampling_and_stream(const boost::json::object& body, boost::json::object& chat);
/// The first choice of a chat.completion or chunk, nullptr when there is none.
[[nodiscard]] const boost::json::object* first_choice(const boost::json::object& completion) noexcept;

/// Throws kInvalidArgument "<what>" naming `param`.
[[noreturn]] void invalid(std::string message, std::string param);

/// `obj[key]` when present and not null, checked to be of the JSON kind `is` tests; throws
/// kInvalidArgument "'<param>' must be <kind>" otherwise. nullptr when absent or null.
const boost::json::value* optional_field(const boost::json::object& obj, std::string_view key, bool (boost::json::value::*is)() const noexcept,
                                         std::string_view kind, std::string_view param);

}  // namespace router::dialects
