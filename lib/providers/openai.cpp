#include "providers/openai.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <map>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "providers/chunks.hpp"

namespace router::providers {

using core::Error;
using core::ErrorCode;

namespace {

std::string base_for(const ProviderType& type, const boost::json::object& config) {
  auto base = base_url_from(config, "");
  if (type.name == "qwen-proxy") {
    base += "/v1";  // the service's URL is configured without it (PROTOCOLS.md §2.1)
  }
  return base;
}

class OpenAiExchange final : public Exchange {
 public:
  OpenAiExchange(const OpenAiCompatible& provider, const ChatRequest& request, std::string model)
      : provider_(provider), request_(request), model_(std::move(model)) {
    if (responses_) {
      writer_.emplace(new_completion_id(), model_, core::now_ms() / 1000, true);
    }
  }

  UpstreamRequest request() override {
    UpstreamRequest r;
    r.target = provider_.base_url().path + "/chat/completions";
    r.stream = request_.stream;
    r.headers = provider_.request_headers(request_.stream);
    if (request_.dialect != Dialect::kChat && provider_.passes_through(request_)) {
      // A dialect the upstream speaks itself: the client's bytes go as they are. The
      // base URL ends in /v1, which the route's path starts with.
      r.target = provider_.base_url().path + std::string(core::dialect_info(request_.dialect).path.substr(3));
      r.body = native_body(request_, model_);
      return r;
    }
    const bool rewrite = model_ != request_.model;
    // Ask for usage in streams so the audit log has token counts; the server drops the extra
    // usage chunk when the client did not ask for it.
    const bool want_usage = request_.stream && provider_.stream_usage() && !request_.include_usage;
    const bool tools = provider_.normalises_tools() && request_.body.contains("tools");
    if (!rewrite && !want_usage && !tools && !request_.extended) {
      r.body = std::string(request_.raw);  // byte-faithful: nothing to change
      return r;
    }
    boost::json::object body = request_.body;
    if (rewrite) {
      body["model"] = model_;
    }
    if (want_usage) {
      auto& so = body["stream_options"];
      if (!so.is_object()) {
        so = boost::json::object();
      }
      so.as_object()["include_usage"] = true;
    }
    if (tools) {
      normalise_tools(body);
    }
    if (request_.extended) {
      strip_extensions(body);
    }
    r.body = boost::json::serialize(body);
    return r;
  }

  std::string reply(std::string&& body) override { return std::move(body); }

  CompletionScan check_native(std::string_view body) override {
    if (!responses_) {
      return scan_completion(body);
    }
    boost::system::error_code ec;
    const auto v = boost::json::parse(body, ec);
    const auto* output = !ec && v.is_object() ? v.as_object().if_contains("output") : nullptr;
    if (output == nullptr || !output->is_array()) {
      throw Error(ErrorCode::kUpstreamFailed, fmt::format("answered with something that is not a response: {}", body_excerpt(body)));
    }
    const auto* u = object_field(v.as_object(), "usage");
    return {true, u != nullptr ? std::optional<Usage>(usage_of_responses(*u)) : std::nullopt};
  }

  bool chunk_stream() const noexcept override { return !responses_; }

  // A native Responses stream, read into chat chunks for the log while the client gets its bytes.
  StreamStep on_event(const core::SseEvent& ev, ChunkSink& sink) override {
    if (!ev.has_data) {
      return {};
    }
    const auto event = event_object(ev.data);
    if (!event) {
      return malformed_event(provider_id_);
    }
    const auto& o = *event;
    const auto type = string_field(o, "type").empty() ? std::string_view(ev.event) : string_field(o, "type");
    const auto* response = object_field(o, "response");
    if (type == "response.created") {
      if (response != nullptr) {
        writer_->set_id(std::string(string_field(*response, "id")));
        writer_->set_model(std::string(string_field(*response, "model")));
      }
      writer_->role(sink);
    } else if (type == "response.output_item.added") {
      const auto* item = object_field(o, "item");
      if (item != nullptr && string_field(*item, "type") == "function_call") {
        const auto index = static_cast<std::int64_t>(tool_index_.size());
        tool_index_[int_field(o, "output_index")] = index;
        writer_->tool_call_start(sink, index, string_field(*item, "call_id"), string_field(*item, "name"));
      }
    } else if (type == "response.function_call_arguments.delta") {
      const auto it = tool_index_.find(int_field(o, "output_index"));
      if (it == tool_index_.end()) {
        return failed(fmt::format("provider '{}' sent arguments for an item that is not a function call", provider_id_),
                      false);
      }
      writer_->tool_call_arguments(sink, it->second, string_field(o, "delta"));
    } else if (type == "response.output_text.delta") {
      writer_->content(sink, string_field(o, "delta"));
    } else if (type == "response.reasoning_summary_text.delta" || type == "response.reasoning_text.delta") {
      writer_->reasoning(sink, string_field(o, "delta"));
    } else if (type == "response.completed" || type == "response.incomplete") {
      const auto* u = response != nullptr ? object_field(*response, "usage") : nullptr;
      const std::string_view finish = type == "response.incomplete" ? "length" : tool_index_.empty() ? "stop" : "tool_calls";
      writer_->finish(sink, finish, u != nullptr ? std::optional<Usage>(usage_of_responses(*u)) : std::nullopt);
      return {StreamStep::State::kDone, {}};
    } else if (type == "response.failed" || type == "error") {
      const auto* err = response != nullptr ? object_field(*response, "error") : &o;
      return failed(fmt::format("provider '{}' reported an error mid-stream: {}", provider_id_,
                                err != nullptr ? string_field(*err, "message") : std::string_view("response.failed")),
                    true);
    }
    return {};
  }

 private:
  static StreamStep failed(std::string message, bool reported) {
    return {StreamStep::State::kFailed, std::move(message), reported};
  }

  // Responses' usage in the chat form's names.
  static Usage usage_of_responses(const boost::json::object& u) {
    Usage out;
    out.prompt_tokens = int_field(u, "input_tokens");
    out.completion_tokens = int_field(u, "output_tokens");
    out.total_tokens = int_field(u, "total_tokens");
    if (const auto* in = object_field(u, "input_tokens_details")) {
      out.cached_tokens = int_field(*in, "cached_tokens");
    }
    if (const auto* o = object_field(u, "output_tokens_details")) {
      out.reasoning_tokens = int_field(*o, "reasoning_tokens");
    }
    return out;
  }

  const OpenAiCompatible& provider_;
  const ChatRequest& request_;
  std::string model_;
  bool responses_ = request_.dialect == Dialect::kResponses && provider_.passes_through(request_);
  std::optional<ChunkWriter> writer_;  // a native Responses stream's chunks
  std::map<std::int64_t, std::int64_t> tool_index_;  // output_index → tool_calls index
};

}  // namespace

void normalise_tools(boost::json::object& body) {
  auto* tools = body.if_contains("tools");
  if (tools == nullptr || !tools->is_array()) {
    return;
  }
  for (auto& t : tools->as_array()) {
    if (!t.is_object()) {
      continue;
    }
    auto& tool = t.as_object();
    const auto* type = tool.if_contains("type");
    const auto* fn = tool.if_contains("function");
    const bool function_tool = (type == nullptr || (type->is_string() && type->as_string() == "function")) &&
                               fn != nullptr && fn->is_object();
    if (!function_tool) {
      continue;  // non-function tools are kept as they are
    }
    const auto& f = fn->as_object();
    std::string name = f.contains("name") && f.at("name").is_string() ? std::string(f.at("name").as_string()) : "";
    std::string description;
    if (const auto* d = f.if_contains("description"); d && d->is_string()) {
      description = std::string(d->as_string());
    }
    if (description.empty()) {
      description = fmt::format("Execute {} function", name);
    }
    boost::json::object params;
    if (const auto* p = f.if_contains("parameters"); p && p->is_object()) {
      params = p->as_object();
    }
    if (!params.contains("type")) {
      params["type"] = "object";
    }
    params.erase("strict");
    tool = boost::json::object{
        {"type", "function"},
        {"function", boost::json::object{{"name", name}, {"description", description}, {"parameters", std::move(params)}}}};
  }
}

OpenAiCompatible::OpenAiCompatible(std::string id, const ProviderType& type, boost::json::object config)
    : Provider(std::move(id), type, config, base_for(type, config)),
      normalise_tools_(type.name == "lm-studio"),
      // qwen-proxy serves chat completions only.
      speaks_extras_(type.name != "qwen-proxy") {
  if (const auto* v = this->config().if_contains("streamUsage"); v && v->is_bool()) {
    stream_usage_ = v->as_bool();
  }
  if (const auto* v = this->config().if_contains("nativeResponses"); v && v->is_bool()) {
    native_responses_ = v->as_bool();
  }
  const std::string key = config_string("apiKey");
  if (!key.empty()) {
    authorization_ = "Bearer " + key;
  }
}

Headers OpenAiCompatible::request_headers(bool stream) const {
  Headers h = json_headers(stream, 4);
  if (!authorization_.empty()) {
    h.emplace_back("Authorization", authorization_);
  }
  add_config_headers(h);
  return h;
}

bool OpenAiCompatible::speaks(Dialect d) const noexcept {
  return d == Dialect::kChat || ((d == Dialect::kEmbeddings || d == Dialect::kCompletions) && speaks_extras_) ||
         (d == Dialect::kResponses && native_responses_);
}

std::unique_ptr<Exchange> OpenAiCompatible::chat(const ChatRequest& request, const std::string& model,
                                               const ChatContext& /*context*/) const {
  return make_exchange(std::make_unique<OpenAiExchange>(*this, request, model));
}

UpstreamRequest OpenAiCompatible::models_request() const {
  return get_request(base_url().path + "/models", request_headers(false));
}

std::vector<UpstreamModel> OpenAiCompatible::parse_models(std::string_view body) const {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  const boost::json::array* list = nullptr;
  if (!ec && v.is_object() && v.as_object().contains("data") && v.as_object().at("data").is_array()) {
    list = &v.as_object().at("data").as_array();
  } else if (!ec && v.is_array()) {
    list = &v.as_array();
  }
  if (list == nullptr) {
    throw Error(ErrorCode::kUpstreamFailed,
                fmt::format("provider '{}' answered the model list with something that is not a model list", id()));
  }
  std::vector<UpstreamModel> out;
  for (const auto& m : *list) {
    if (!m.is_object() || !m.as_object().contains("id") || !m.as_object().at("id").is_string()) {
      continue;
    }
    const auto& o = m.as_object();
    UpstreamModel um;
    um.id = std::string(o.at("id").as_string());
    if (const auto* ob = o.if_contains("owned_by"); ob && ob->is_string()) {
      um.owned_by = std::string(ob->as_string());
    }
    if (const auto* c = o.if_contains("created"); c && c->is_int64()) {
      um.created = c->as_int64();
    }
    out.push_back(std::move(um));
  }
  return out;
}

void strip_extensions(boost::json::object& chat) {
  chat.erase("thinking");
  chat.erase("top_k");
  if (auto* tools = chat.if_contains("tools"); tools != nullptr && tools->is_array()) {
    for (auto& t : tools->as_array()) {
      if (t.is_object()) {
        t.as_object().erase("cache_control");
      }
    }
  }
  auto* messages = chat.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) {
    return;
  }
  for (auto& m : messages->as_array()) {
    if (!m.is_object()) {
      continue;
    }
    auto& msg = m.as_object();
    msg.erase("thinking_blocks");
    msg.erase("is_error");
    msg.erase("cache_control");
    auto* content = msg.if_contains("content");
    if (content == nullptr || !content->is_array()) {
      continue;
    }
    const bool tool = string_field(msg, "role") == "tool";
    boost::json::array kept;
    for (auto& p : content->as_array()) {
      if (!p.is_object() || (tool && string_field(p.as_object(), "type") != "text")) {
        continue;
      }
      p.as_object().erase("cache_control");
      kept.push_back(std::move(p));
    }
    *content = std::move(kept);
  }
}

}  // namespace router::providers
