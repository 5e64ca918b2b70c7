#include "providers/qwen_direct.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "providers/chunks.hpp"
#include "providers/qwen_conversation.hpp"
#include "providers/xml_tools.hpp"

namespace router::providers {

using core::Error;
using core::ErrorCode;

namespace {

// The browser the earlier implementation impersonated; without browser-like headers the WAF
// answers with an HTML challenge page (PROTOCOLS.md §1.1).
constexpr std::string_view kUserAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36";
constexpr std::string_view kDefaultModel = "qwen3-max";
constexpr std::int64_t kWarnBeforeExpiryS = 24 * 3600;

// Request fields the web API can honour; any other field of the body is reported as ignored.
constexpr std::string_view kHonoured[] = {"model", "messages", "stream", "stream_options", "tools", "tool_choice"};

bool looks_like_html(std::string_view content_type, std::string_view body) {
  const auto type = core::trim(content_type.substr(0, content_type.find(';')));
  if (core::iequals(type, "text/html")) {
    return true;
  }
  const auto text = core::trim(body);
  return !text.empty() && text.front() == '<';
}

bool waf_rejected(const boost::json::object& o) {
  const auto* ret = o.if_contains("ret");
  if (ret == nullptr || !ret->is_array()) {
    return false;
  }
  return std::any_of(ret->as_array().begin(), ret->as_array().end(), [](const boost::json::value& v) {
    return v.is_string() && std::string_view(v.as_string()).starts_with("FAIL_SYS_USER_VALIDATE");
  });
}

// Qwen's cumulative usage block, in OpenAI's names.
std::optional<Usage> usage_from(const boost::json::object& o) {
  const auto* u = o.if_contains("usage");
  if (u == nullptr || !u->is_object()) {
    return std::nullopt;
  }
  const auto& uo = u->as_object();
  Usage out;
  out.prompt_tokens = uo.contains("input_tokens") ? int_field(uo, "input_tokens") : int_field(uo, "prompt_tokens");
  out.completion_tokens =
      uo.contains("output_tokens") ? int_field(uo, "output_tokens") : int_field(uo, "completion_tokens");
  out.total_tokens = uo.contains("total_tokens") ? int_field(uo, "total_tokens") : out.prompt_tokens + out.completion_tokens;
  return out;
}

// choices[0].<key> as an object.
const boost::json::object* first_choice(const boost::json::object& o, std::string_view key) {
  const auto* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->as_array().empty() || !choices->as_array()[0].is_object()) {
    return nullptr;
  }
  return object_field(choices->as_array()[0].as_object(), key);
}

// An upstream {"error":{"code","details"}} or {"success":false,...} as text; "" when neither.
std::string upstream_failure(const boost::json::object& o) {
  if (const auto* e = o.if_contains("error"); e != nullptr && !e->is_null()) {
    if (e->is_object()) {
      const auto& eo = e->as_object();
      std::vector<std::string> parts;
      for (const auto key : {"code", "message", "details"}) {
        if (const auto text = string_field(eo, key); !text.empty()) {
          parts.emplace_back(text);
        }
      }
      return parts.empty() ? boost::json::serialize(eo) : core::join(parts, ": ");
    }
    return e->is_string() ? std::string(e->as_string()) : boost::json::serialize(*e);
  }
  if (const auto* s = o.if_contains("success"); s != nullptr && s->is_bool() && !s->as_bool()) {
    const auto* data = object_field(o, "data");
    std::string why = data != nullptr ? std::string(string_field(*data, "details")) : std::string();
    if (why.empty() && data != nullptr) {
      why = string_field(*data, "code");
    }
    return why.empty() ? std::string("success=false") : why;
  }
  return {};
}

std::string finish_reason_of(std::string_view qwen) { return qwen == "length" ? "length" : "stop"; }

bool wants_tools(const boost::json::object& body) {
  const auto* choice = body.if_contains("tool_choice");
  return choice == nullptr || !choice->is_string() || choice->as_string() != "none";
}

class QwenExchange final : public Exchange {
 public:
  QwenExchange(const QwenDirect& provider, const ChatRequest& request, std::string model, const ChatContext& context)
      : provider_(provider),
        request_(request),
        model_(std::move(model)),
        conversations_(context.conversations),
        writer_(new_completion_id(), model_, core::now_ms() / 1000, request.include_usage) {
    const auto* messages = request.body.if_contains("messages");
    if (messages == nullptr || !messages->is_array() || messages->as_array().empty()) {
      throw Error(ErrorCode::kInvalidArgument, "'messages' must be a non-empty array", "messages");
    }
    messages_ = std::span<const boost::json::value>(messages->as_array().data(), messages->as_array().size());
    if (wants_tools(request.body)) {
      tools_ = function_tools(request.body);
    }
    filter_.emplace(tools_);
    collect_ignored();
  }

  // The chat and parent to continue: decided once the exchange knows its provider id.
  void plan() {
    std::optional<std::size_t> last_assistant;
    for (std::size_t i = messages_.size(); i-- > 0;) {
      const auto& m = messages_[i];
      if (m.is_object() && string_field(m.as_object(), "role") == "assistant") {
        last_assistant = i;
        break;
      }
    }
    if (last_assistant && conversations_ != nullptr) {
      const auto key = conversation_key(provider_id_, messages_.subspan(0, *last_assistant + 1));
      std::optional<ConversationState> state;
      try {
        state = conversations_->find(key, core::now_ms() - provider_.session_ttl_ms());
      } catch (const Error& e) {
        core::log::warn("provider '{}': conversation state unavailable, starting a new chat: {}", provider_id_, e.what());
      }
      if (state && !core::is_token(state->chat_id)) {
        state.reset();  // stored before ids were checked: start a new chat rather than send it
      }
      if (state) {
        chat_id_ = state->chat_id;
        parent_ = state->parent_id;
        content_ = fold_continuation(messages_.subspan(0, *last_assistant + 1), messages_.subspan(*last_assistant + 1));
      }
    }
    if (chat_id_.empty()) {
      content_ = fold_history(messages_, tools_);
    }
    if (core::trim(content_).empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("provider '{}' (qwen-direct) needs a user or tool message after the last assistant "
                              "message, with text",
                              provider_id_),
                  "messages");
    }
  }

  std::optional<UpstreamRequest> next_setup() override {
    if (!chat_id_.empty() || chat_requested_) {
      return std::nullopt;
    }
    chat_requested_ = true;
    UpstreamRequest r;
    r.target = provider_.base_url().path + "/api/v2/chats/new";
    r.headers = provider_.request_headers(false);
    const auto title = "Conversation " + conversation_key(provider_id_, messages_).substr(0, 8);
    r.body = boost::json::serialize(boost::json::object{{"title", title},
                                                        {"models", boost::json::array{boost::json::string(model_)}},
                                                        {"chat_mode", "normal"},
                                                        {"chat_type", "t2t"},
                                                        {"project_id", ""},
                                                        {"timestamp", core::now_ms()}});
    return r;
  }

  void on_setup_reply(int status, std::string_view content_type, std::string_view body) override {
    if (auto e = provider_.rejection(status, content_type, body)) {
      throw *e;
    }
    if (status < 200 || status >= 300) {
      const auto msg = upstream_message(body).value_or(body_excerpt(body));
      throw Error(status == 429 ? ErrorCode::kRateLimited : core::code_for_status(status),
                  fmt::format("provider '{}' could not create a chat: HTTP {}{}{}", provider_id_, status,
                              msg.empty() ? "" : ": ", msg));
    }
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    const auto* data = !ec && v.is_object() ? object_field(v.as_object(), "data") : nullptr;
    const auto* success = !ec && v.is_object() ? v.as_object().if_contains("success") : nullptr;
    const auto id = data != nullptr ? string_field(*data, "id") : std::string_view();
    if (success == nullptr || !success->is_bool() || !success->as_bool() || id.empty()) {
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("provider '{}' could not create a chat: {}", provider_id_,
                                                          body_excerpt(body)));
    }
    if (!core::is_token(id)) {
      // It goes into the request target: CR/LF or '&' there would rewrite the request.
      throw Error(ErrorCode::kUpstreamFailed,
                  fmt::format("provider '{}' could not create a chat: the chat id it returned is not a plain "
                              "token of letters, digits, '.', '_' and '-'",
                              provider_id_));
    }
    chat_id_ = std::string(id);
  }

  UpstreamRequest request() override {
    UpstreamRequest r;
    r.target = fmt::format("{}/api/v2/chat/completions?chat_id={}", provider_.base_url().path, chat_id_);
    r.stream = request_.stream;
    r.headers = provider_.request_headers(request_.stream);
    const boost::json::value parent = parent_.empty() ? boost::json::value(nullptr) : boost::json::value(parent_);
    const auto now_s = core::now_ms() / 1000;
    boost::json::object message{
        {"fid", core::uuid_v4()},
        {"parentId", parent},
        {"parent_id", parent},
        {"childrenIds", boost::json::array{}},
        {"role", "user"},
        {"content", content_},
        {"user_action", "chat"},
        {"files", boost::json::array{}},
        {"timestamp", now_s},
        {"models", boost::json::array{boost::json::string(model_)}},
        {"chat_type", "t2t"},
        {"sub_chat_type", "t2t"},
        {"feature_config", boost::json::object{{"thinking_enabled", provider_.thinking()}, {"output_schema", "phase"}}},
        {"extra", boost::json::object{{"meta", boost::json::object{{"subChatType", "t2t"}}}}}};
    r.body = boost::json::serialize(boost::json::object{{"stream", request_.stream},
                                                        {"incremental_output", true},
                                                        {"chat_id", chat_id_},
                                                        {"chat_mode", "normal"},
                                                        {"model", model_},
                                                        {"parent_id", parent},
                                                        {"messages", boost::json::array{std::move(message)}},
                                                        {"timestamp", now_s}});
    return r;
  }

  ErrorReply error_reply(int status, std::string_view content_type, std::string_view body) override {
    if (auto e = provider_.rejection(status, content_type, body)) {
      return {401, core::error_json(ErrorCode::kUnauthenticated, e->what()), std::nullopt};
    }
    if (status == 404) {
      const auto msg = upstream_message(body).value_or(body_excerpt(body));
      return {404,
              core::error_json(ErrorCode::kNotFound, fmt::format("provider '{}': Qwen does not know chat '{}' (HTTP 404){}{}", provider_id_,
                                                 chat_id_, msg.empty() ? "" : ": ", msg)),
              std::nullopt};
    }
    if (status == 429) {
      return {429,
              core::error_json(ErrorCode::kRateLimited, fmt::format("provider '{}': Qwen's rate limit was exceeded; try again later",
                                                 provider_id_)),
              std::nullopt};
    }
    return Exchange::error_reply(status, content_type, body);
  }

  std::string reply(std::string&& body) override {
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
      if (looks_like_html({}, body)) {
        throw provider_.credentials_error("answered with an HTML page (the web application firewall's challenge)");
      }
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("answered with something that is not JSON: {}", body_excerpt(body)));
    }
    const auto& o = v.as_object();
    if (waf_rejected(o)) {
      throw provider_.credentials_error("rejected the session (FAIL_SYS_USER_VALIDATE)");
    }
    if (const auto failure = upstream_failure(o); !failure.empty()) {
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("reported an error: {}", failure));
    }
    // The answer sits inside "data" (the earlier implementation read the top level and failed).
    const auto* data = object_field(o, "data");
    const auto& d = data != nullptr ? *data : o;
    const auto* message = first_choice(d, "message");
    if (message == nullptr) {
      throw Error(ErrorCode::kUpstreamFailed, "answered without choices[0].message");
    }
    const auto usage = usage_from(d).value_or(usage_from(o).value_or(Usage{}));
    std::string finish = "stop";
    if (const auto* choices = d.if_contains("choices"); choices != nullptr) {
      finish = finish_reason_of(string_field(choices->as_array()[0].as_object(), "finish_reason"));
    }
    auto parsed = parse_tool_reply(content_text(message->if_contains("content")), tools_);
    boost::json::object out_message{{"role", "assistant"}, {"content", parsed.content}};
    if (const auto reasoning = string_field(*message, "reasoning_content"); !reasoning.empty()) {
      out_message["reasoning_content"] = reasoning;
    }
    std::string call_id;
    if (parsed.call) {
      call_id = new_call_id();
      out_message["tool_calls"] = boost::json::array{tool_call_json(call_id, *parsed.call)};
      finish = "tool_calls";
    }
    remember(out_message, string_field(d, "parent_id"));
    return boost::json::serialize(
        completion_json(new_completion_id(), model_, core::now_ms() / 1000, std::move(out_message), finish, usage));
  }

  StreamStep on_event(const core::SseEvent& ev, ChunkSink& sink) override {
    if (!ev.has_data || core::trim(ev.data).empty()) {
      return {};
    }
    boost::system::error_code ec;
    const auto v = boost::json::parse(ev.data, ec);
    if (ec || !v.is_object()) {
      if (looks_like_html({}, ev.data)) {
        return failed(provider_.credentials_error("answered the stream with an HTML page").what());
      }
      return malformed_event(provider_id_);
    }
    const auto& o = v.as_object();
    if (waf_rejected(o)) {
      return failed(provider_.credentials_error("rejected the session (FAIL_SYS_USER_VALIDATE)").what());
    }
    if (const auto failure = upstream_failure(o); !failure.empty()) {
      return failed(fmt::format("provider '{}' reported an error mid-stream: {}", provider_id_, failure));
    }
    if (const auto* created = object_field(o, "response.created")) {
      // Metadata, possibly repeated: the first parent id seen is the next turn's parent.
      if (next_parent_.empty()) {
        next_parent_ = string_field(*created, "parent_id");
      }
      return {};
    }
    if (auto u = usage_from(o)) {
      usage_ = u;  // cumulative: the last one seen is the total (the finished event has none)
    }
    const auto* delta = first_choice(o, "delta");
    if (delta == nullptr) {
      return {};
    }
    const auto phase = string_field(*delta, "phase");
    const auto text = string_field(*delta, "content");
    if (phase == "think") {
      writer_.reasoning(sink, text);
    } else if (phase == "thinking_summary") {
      writer_.reasoning(sink, summary_text(*delta));
    } else if (phase.empty() || phase == "answer") {
      writer_.content(sink, filter_->feed(text));
    }
    // A "finished" status can also close the think phase; only the answer's ends the message.
    if (string_field(*delta, "status") == "finished" && (phase.empty() || phase == "answer")) {
      complete(sink);
      return {StreamStep::State::kDone, {}};
    }
    return {};
  }

  StreamStep on_end(ChunkSink& /*sink*/) override {
    // No "finished" event: the answer may be cut short. Say so rather than end it as complete.
    return failed(fmt::format("provider '{}': the stream ended before Qwen finished the answer", provider_id_));
  }

  std::string ignored_options() const override { return ignored_; }

 private:
  static StreamStep failed(std::string message) { return {StreamStep::State::kFailed, std::move(message)}; }

  static boost::json::object tool_call_json(std::string_view id, const XmlToolCall& call) {
    return boost::json::object{{"id", id},
                               {"type", "function"},
                               {"function", boost::json::object{{"name", call.name}, {"arguments", call.arguments}}}};
  }

  // thinking_summary keeps its text in extra.summary_thought.content (a list of strings).
  static std::string summary_text(const boost::json::object& delta) {
    const auto* extra = object_field(delta, "extra");
    const auto* thought = extra != nullptr ? object_field(*extra, "summary_thought") : nullptr;
    const auto* list = thought != nullptr ? thought->if_contains("content") : nullptr;
    std::string out;
    if (list != nullptr && list->is_array()) {
      for (const auto& s : list->as_array()) {
        if (s.is_string()) {
          out += s.as_string();
        }
      }
    }
    return out;
  }

  void complete(ChunkSink& sink) {
    writer_.content(sink, filter_->finish());
    boost::json::object reply{{"role", "assistant"}, {"content", writer_.content_text()}};
    std::string finish = "stop";
    if (const auto& call = filter_->call()) {
      const auto id = new_call_id();
      writer_.tool_call_start(sink, 0, id, call->name);
      writer_.tool_call_arguments(sink, 0, call->arguments);
      reply["tool_calls"] = boost::json::array{tool_call_json(id, *call)};
      finish = "tool_calls";
    }
    writer_.finish(sink, finish, usage_);
    remember(reply, next_parent_);
  }

  // Stores where the conversation continues, before the client can send its next turn.
  void remember(const boost::json::object& reply, std::string_view next_parent) {
    if (conversations_ == nullptr || next_parent.empty() || chat_id_.empty()) {
      return;
    }
    const boost::json::value answer(reply);
    const auto key = conversation_key(provider_id_, messages_, &answer);
    try {
      const auto now = core::now_ms();
      conversations_->put(key, provider_id_, ConversationState{chat_id_, std::string(next_parent)},
                     now - provider_.session_ttl_ms());
    } catch (const Error& e) {
      // The answer is good; the next turn just starts a new chat with the history folded in.
      core::log::warn("provider '{}': could not store the conversation state: {}", provider_id_, e.what());
    }
  }

  void collect_ignored() {
    std::vector<std::string> ignored;
    for (const auto& kv : request_.body) {
      const std::string_view key = kv.key();
      if (std::find(std::begin(kHonoured), std::end(kHonoured), key) == std::end(kHonoured) && !kv.value().is_null()) {
        ignored.emplace_back(key);
      }
    }
    if (const auto* choice = request_.body.if_contains("tool_choice");
        choice != nullptr && !(choice->is_string() && (choice->as_string() == "auto" || choice->as_string() == "none"))) {
      ignored.emplace_back("tool_choice (only auto and none)");
    }
    bool non_text = false;
    for (const auto& m : messages_) {
      const auto* content = m.is_object() ? m.as_object().if_contains("content") : nullptr;
      if (content != nullptr && content->is_array()) {
        non_text = non_text || std::any_of(content->as_array().begin(), content->as_array().end(), [](const auto& p) {
                     return !p.is_object() || string_field(p.as_object(), "type") != "text";
                   });
      }
    }
    if (non_text) {
      ignored.emplace_back("content parts other than text");
    }
    if (!ignored.empty()) {
      ignored_ = "ignored by qwen-direct: " + core::join(ignored, ", ");
    }
  }

  const QwenDirect& provider_;
  const ChatRequest& request_;
  std::string model_;
  ConversationStore* conversations_;
  std::span<const boost::json::value> messages_;
  std::vector<ToolSpec> tools_;
  std::optional<ToolCallFilter> filter_;  // over tools_, which never changes after construction
  std::string content_;                   // the one message sent upstream
  std::string chat_id_;
  std::string parent_;                    // "" for the first message of a chat
  bool chat_requested_ = false;
  std::string ignored_;
  ChunkWriter writer_;
  std::string next_parent_;
  std::optional<Usage> usage_;
};

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string s(text);
  std::replace(s.begin(), s.end(), '-', '+');
  std::replace(s.begin(), s.end(), '_', '/');
  while (s.size() % 4 != 0) {
    s += '=';
  }
  auto bytes = core::base64_decode(s);
  if (!bytes) {
    return std::nullopt;
  }
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

std::optional<std::int64_t> jwt_expiry(std::string_view jwt) {
  const auto first = jwt.find('.');
  const auto second = first == std::string_view::npos ? first : jwt.find('.', first + 1);
  if (second == std::string_view::npos) {
    return std::nullopt;
  }
  const auto payload = base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(*payload, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto* exp = v.as_object().if_contains("exp");
  if (exp != nullptr && exp->is_number()) {
    boost::system::error_code num_ec;
    const auto value = exp->to_number<double>(num_ec);
    if (!num_ec && value > 0 && value < 1e15) {
      return static_cast<std::int64_t>(value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> cookie_value(std::string_view cookies, std::string_view name) {
  for (const auto& part : core::split(cookies, ';')) {
    const auto item = core::trim(part);
    const auto eq = item.find('=');
    if (eq != std::string_view::npos && core::trim(item.substr(0, eq)) == name) {
      return std::string(core::trim(item.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

QwenDirect::QwenDirect(std::string id, const ProviderType& type, boost::json::object config)
    : Provider(std::move(id), type, config, base_url_from(config, "https://chat.qwen.ai")) {
  token_ = config_string("token");
  cookies_ = config_string("cookies");
  if (token_.empty() || cookies_.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("provider '{}' (qwen-direct) needs both 'token' and 'cookies'", this->id()));
  }
  if (token_.find_first_of("\r\n") != std::string::npos || cookies_.find_first_of("\r\n") != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("provider '{}' (qwen-direct): 'token' and 'cookies' must be single lines", this->id()));
  }
  const auto jwt = cookie_value(cookies_, "token");
  if (jwt && !jwt->empty()) {
    bearer_ = "Bearer " + *jwt;
  }
  if (const auto at = config_positive("expiresAt")) {
    expires_at_ = at;
  } else if (jwt) {
    expires_at_ = jwt_expiry(*jwt);
  }
  if (!expires_at_) {
    expires_at_ = jwt_expiry(token_);  // the stored token may itself be the JWT
  }
  session_ttl_ms_ = config_positive("sessionTtl").value_or(session_ttl_ms_);
  if (const auto* v = this->config().if_contains("thinking"); v && v->is_bool()) {
    thinking_ = v->as_bool();
  }
}

Headers QwenDirect::request_headers(bool stream) const {
  Headers h = json_headers(stream, 8);
  h.emplace_back("User-Agent", std::string(kUserAgent));
  h.emplace_back("bx-umidtoken", token_);
  h.emplace_back("Cookie", cookies_);
  if (!bearer_.empty()) {
    h.emplace_back("Authorization", bearer_);
  }
  h.emplace_back("source", "web");
  add_config_headers(h);
  return h;
}

Error QwenDirect::credentials_error(std::string_view why) const {
  return Error(ErrorCode::kUnauthenticated,
               fmt::format("provider '{}' (qwen-direct) {}: the Qwen credentials are invalid or expired; refresh them "
                           "with 'router provider edit {} --secret token=- --secret cookies=-'",
                           id(), why, id()));
}

std::optional<Error> QwenDirect::rejection(int status, std::string_view content_type, std::string_view body) const {
  if (status == 401 || status == 403) {
    return credentials_error(fmt::format("answered HTTP {}", status));
  }
  if (looks_like_html(content_type, body)) {
    return credentials_error(
        fmt::format("answered HTTP {} with an HTML page (the web application firewall's challenge)", status));
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object() && waf_rejected(v.as_object())) {
    return credentials_error("rejected the session (FAIL_SYS_USER_VALIDATE)");
  }
  return std::nullopt;
}

std::unique_ptr<Exchange> QwenDirect::chat(const ChatRequest& request, const std::string& model,
                                           const ChatContext& context) const {
  if (expires_at_ && *expires_at_ <= core::now_ms() / 1000) {
    throw Error(ErrorCode::kUnauthenticated,
                fmt::format("provider '{}' (qwen-direct): credentials expired at {}; refresh them with 'router provider "
                            "edit {} --secret token=- --secret cookies=-'",
                            id(), core::format_utc(*expires_at_ * 1000), id()));
  }
  std::string sent = model.empty() || model == "default" ? default_model().value_or(std::string(kDefaultModel)) : model;
  auto ex = make_exchange(std::make_unique<QwenExchange>(*this, request, std::move(sent), context));
  ex->plan();
  return ex;
}

UpstreamRequest QwenDirect::models_request() const {
  return get_request(base_url().path + "/api/models", request_headers(false));
}

std::vector<UpstreamModel> QwenDirect::parse_models(std::string_view body) const {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    if (looks_like_html({}, body)) {
      throw credentials_error("answered the model list with an HTML page (the web application firewall's challenge)");
    }
    throw Error(ErrorCode::kUpstreamFailed,
                fmt::format("provider '{}' answered the model list with something that is not JSON", id()));
  }
  if (waf_rejected(v.as_object())) {
    throw credentials_error("rejected the session (FAIL_SYS_USER_VALIDATE)");
  }
  const auto* data = v.as_object().if_contains("data");
  if (data == nullptr || !data->is_array()) {
    throw Error(ErrorCode::kUpstreamFailed, fmt::format("provider '{}' answered the model list without 'data'", id()));
  }
  std::vector<UpstreamModel> out;
  for (const auto& m : data->as_array()) {
    if (!m.is_object() || string_field(m.as_object(), "id").empty()) {
      continue;
    }
    const auto& o = m.as_object();
    const auto* info = object_field(o, "info");
    if (info != nullptr) {
      if (const auto* active = info->if_contains("is_active"); active && active->is_bool() && !active->as_bool()) {
        continue;
      }
    }
    UpstreamModel um;
    um.id = std::string(string_field(o, "id"));
    um.owned_by = string_field(o, "owned_by").empty() ? "qwen" : std::string(string_field(o, "owned_by"));
    um.name = std::string(string_field(o, "name"));
    const auto* meta = info != nullptr ? object_field(*info, "meta") : nullptr;
    if (meta != nullptr) {
      um.description = std::string(string_field(*meta, "description"));
      if (const auto* caps = object_field(*meta, "capabilities")) {
        for (const auto& c : *caps) {
          if (c.value().is_bool() && c.value().as_bool()) {
            um.capabilities.emplace_back(c.key());
          }
        }
      }
    }
    out.push_back(std::move(um));
  }
  return out;
}

Error QwenDirect::models_error(int status, std::string_view content_type, std::string_view body) const {
  if (auto e = rejection(status, content_type, body)) {
    return *e;
  }
  return Provider::models_error(status, content_type, body);
}

std::vector<std::string> QwenDirect::warnings(std::int64_t now_ms) const {
  if (!expires_at_) {
    return {};
  }
  const auto left = *expires_at_ - now_ms / 1000;
  const auto when = core::format_utc(*expires_at_ * 1000);
  if (left <= 0) {
    return {fmt::format("credentials of provider '{}' expired at {}: requests fail until they are refreshed", id(), when)};
  }
  if (left <= kWarnBeforeExpiryS) {
    return {fmt::format("credentials of provider '{}' expire in {} h {} min ({})", id(), left / 3600, (left % 3600) / 60,
                        when)};
  }
  return {};
}

}  // namespace router::providers
