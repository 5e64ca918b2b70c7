#include "providers/provider.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/json_scan.hpp"
#include "core/text.hpp"

namespace router::providers {

using core::Error;
using core::ErrorCode;

std::optional<std::string> upstream_message(std::string_view body) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto* err = v.as_object().if_contains("error");
  if (err != nullptr && err->is_object()) {
    if (const auto* m = err->as_object().if_contains("message"); m && m->is_string()) {
      return std::string(m->as_string());
    }
  }
  if (err != nullptr && err->is_string()) {
    return std::string(err->as_string());
  }
  if (const auto* m = v.as_object().if_contains("message"); m && m->is_string()) {
    return std::string(m->as_string());
  }
  return std::nullopt;
}

namespace {

bool is_openai_error(std::string_view body) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  return !ec && v.is_object() && v.as_object().contains("error") && v.as_object().at("error").is_object();
}

}  // namespace

std::string body_excerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 300)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (!core::is_valid_utf8(out)) {
    out = "(binary body)";
  }
  return std::string(core::trim(out));
}

ErrorReply Exchange::error_reply(int status, std::string_view /*content_type*/, std::string_view body) {
  if (status >= 500) {
    // The client's request may be fine; the upstream failed. Say which and why, as a gateway.
    const int out = status == 504 ? 504 : 502;
    const auto msg = upstream_message(body).value_or(body_excerpt(body));
    return {out, core::error_json(core::code_for_status(out),
                                  fmt::format("provider '{}' failed with HTTP {}{}{}", provider_id_, status,
                                              msg.empty() ? "" : ": ", msg),
                                  {}, fmt::format("upstream_status_{}", status))};
  }
  if (is_openai_error(body)) {
    return {status, std::string(body)};  // already the shape OpenAI clients parse: keep every detail
  }
  const auto msg = upstream_message(body).value_or(body_excerpt(body));
  return {status, core::error_json(core::code_for_status(status), fmt::format("provider '{}' rejected the request with HTTP {}{}{}",
                                                        provider_id_, status, msg.empty() ? "" : ": ", msg))};
}

namespace {

// What scrub_secrets() looks for: each sensitive value as sent (string values, or the string
// members of an object such as extra headers), each cookie's value on its own, and the
// JSON-escaped forms where they differ (an echo inside a JSON string).
std::vector<std::string> secret_values(const ProviderType& type, const boost::json::object& config) {
  std::vector<std::string> out;
  const auto add = [&out](std::string_view v) {
    if (v.size() < core::kMinScrubbedSecret) {
      return;
    }
    out.emplace_back(v);
    auto escaped = boost::json::serialize(boost::json::string(v));
    escaped = escaped.substr(1, escaped.size() - 2);
    if (escaped != v) {
      out.push_back(escaped);
    }
    if (escaped.find('/') != std::string::npos) {  // many encoders also escape '/'
      std::string slashes;
      for (const char c : escaped) {
        slashes += c == '/' ? std::string_view("\\/") : std::string_view(&c, 1);
      }
      out.push_back(std::move(slashes));
    }
  };
  for (const auto& key : type.keys) {
    const auto* v = key.sensitive ? config.if_contains(key.name) : nullptr;
    if (v == nullptr) {
      continue;
    }
    if (v->is_string()) {
      const std::string_view value = v->as_string();
      add(value);
      for (const auto& cookie : core::split(value, ';')) {
        if (const auto eq = cookie.find('='); eq != std::string::npos) {
          add(core::trim(std::string_view(cookie).substr(eq + 1)));
        }
      }
    } else if (v->is_object()) {
      for (const auto& kv : v->as_object()) {
        if (kv.value().is_string()) {
          add(kv.value().as_string());
        }
      }
    }
  }
  // Longest first: a value that contains another is masked whole.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

}  // namespace

Provider::Provider(std::string id, const ProviderType& type, boost::json::object config, std::string_view base_url)
    : id_(std::move(id)), type_(&type), config_(std::move(config)), secrets_(secret_values(type, config_)) {
  auto url = core::parse_url(base_url);
  if (!url) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("provider '{}': invalid baseURL '{}'", id_, base_url));
  }
  base_ = std::move(*url);
  if (const auto* v = config_.if_contains("insecureSkipVerify"); v && v->is_bool()) {
    verify_tls_ = !v->as_bool();
  }
  if (const auto t = config_positive("timeout")) {
    timeouts_.first_byte = std::chrono::milliseconds(*t);
    timeouts_.connect = std::min(timeouts_.connect, timeouts_.first_byte);
  }
  if (const auto* v = config_.if_contains("defaultModel"); v && v->is_string() && !v->as_string().empty()) {
    default_model_ = std::string(v->as_string());
  }
}

core::Error Provider::models_error(int status, std::string_view /*content_type*/, std::string_view body) const {
  const auto msg = upstream_message(body).value_or(body_excerpt(body));
  return Error(status == 401 || status == 403 ? ErrorCode::kUnauthenticated : ErrorCode::kUpstreamFailed,
               fmt::format("provider '{}' answered the model list with HTTP {}{}{}", id_, status, msg.empty() ? "" : ": ",
                           msg));
}

std::vector<std::string> Provider::warnings(std::int64_t /*now_ms*/) const { return {}; }

std::optional<std::int64_t> Provider::config_positive(std::string_view key) const {
  if (const auto* v = config_.if_contains(key); v && v->is_int64() && v->as_int64() > 0) {
    return v->as_int64();
  }
  return std::nullopt;
}

Headers Provider::json_headers(bool stream, std::size_t capacity) {
  Headers h;
  h.reserve(capacity);
  h.emplace_back("Content-Type", "application/json");
  h.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  return h;
}

UpstreamRequest Provider::get_request(std::string target, Headers headers) {
  UpstreamRequest r;
  r.method = "GET";
  r.target = std::move(target);
  std::erase_if(headers, [](const auto& h) { return core::iequals(h.first, "Content-Type"); });
  r.headers = std::move(headers);
  return r;
}

std::string base_url_from(const boost::json::object& config, std::string_view fallback) {
  std::string base(fallback);
  if (const auto* v = config.if_contains("baseURL"); v && v->is_string() && !v->as_string().empty()) {
    base = std::string(v->as_string());
  }
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

void Provider::add_config_headers(Headers& h) const {
  if (const auto* v = config_.if_contains("headers"); v && v->is_object()) {
    for (const auto& kv : v->as_object()) {
      if (kv.value().is_string()) {
        h.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
      }
    }
  }
}

std::string Provider::config_string(std::string_view key) const {
  if (const auto* v = config_.if_contains(key); v && v->is_string()) {
    return std::string(v->as_string());
  }
  return {};
}

namespace {

// The members every OpenAI-style body shares: an object, its model, stream and stream_options.
ChatRequest parse_envelope(std::string_view body) {
  ChatRequest out;
  if (body.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "request body is empty: send a JSON request");
  }
  auto v = core::parse_json(body, "JSON body");
  if (!v.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, "request body must be a JSON object");
  }
  out.body = std::move(v.as_object());
  out.raw = body;
  out.client_body = body;
  const auto& b = out.body;
  if (const auto* m = b.if_contains("model")) {
    if (!m->is_string()) {
      throw Error(ErrorCode::kInvalidArgument, "'model' must be a string", "model");
    }
    out.model = std::string(m->as_string());
    if (out.model.size() > 256) {
      throw Error(ErrorCode::kInvalidArgument, "'model' is too long", "model");
    }
  }
  if (const auto* st = b.if_contains("stream")) {
    if (!st->is_bool() && !st->is_null()) {
      throw Error(ErrorCode::kInvalidArgument, "'stream' must be a boolean", "stream");
    }
    out.stream = st->is_bool() && st->as_bool();
  }
  if (const auto* so = b.if_contains("stream_options"); so != nullptr && !so->is_null()) {
    if (!so->is_object()) {
      throw Error(ErrorCode::kInvalidArgument, "'stream_options' must be an object", "stream_options");
    }
    if (const auto* iu = so->as_object().if_contains("include_usage")) {
      if (!iu->is_bool()) {
        throw Error(ErrorCode::kInvalidArgument, "'stream_options.include_usage' must be a boolean",
                    "stream_options.include_usage");
      }
      out.include_usage = iu->as_bool();
    }
  }
  return out;
}

}  // namespace

std::optional<boost::json::object> event_object(std::string_view data) {
  boost::system::error_code ec;
  auto v = boost::json::parse(data, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

StreamStep malformed_event(std::string_view provider_id) {
  return {StreamStep::State::kFailed, fmt::format("provider '{}' sent a malformed stream event", provider_id)};
}

bool Provider::speaks(Dialect /*d*/) const noexcept { return false; }

std::string native_body(const ChatRequest& request, std::string_view model) {
  const std::string_view body = request.client_body;
  if (model == request.model) {
    return std::string(body);
  }
  const std::string value = boost::json::serialize(boost::json::value(model));
  if (auto spliced = core::replace_member(body, "model", value)) {
    return std::move(*spliced);
  }
  // No model member (the client asked for the default): one goes first, the rest stays as sent.
  const auto open = body.find('{');
  std::string out(body.substr(0, open + 1));
  out += "\"model\":" + value;
  const auto rest = body.find_first_not_of(" \t\r\n", open + 1);
  if (rest != std::string_view::npos && body[rest] != '}') {
    out += ',';
  }
  out.append(body.substr(open + 1));
  return out;
}

ChatRequest parse_native_request(std::string_view body, Dialect dialect) {
  ChatRequest out = parse_envelope(body);
  out.dialect = dialect;
  if (dialect == Dialect::kEmbeddings && out.stream) {
    throw Error(ErrorCode::kInvalidArgument, "embeddings cannot be streamed: leave 'stream' out", "stream");
  }
  return out;
}

ChatRequest parse_chat_request(std::string_view body) {
  ChatRequest out = parse_envelope(body);
  const auto& b = out.body;
  const auto* messages = b.if_contains("messages");
  if (messages == nullptr || !messages->is_array() || messages->as_array().empty()) {
    throw Error(ErrorCode::kInvalidArgument, "'messages' must be a non-empty array", "messages");
  }
  for (const auto& m : messages->as_array()) {
    if (!m.is_object() || !m.as_object().contains("role") || !m.as_object().at("role").is_string()) {
      throw Error(ErrorCode::kInvalidArgument, "every message must be an object with a string 'role'", "messages");
    }
  }
  return out;
}

}  // namespace router::providers
