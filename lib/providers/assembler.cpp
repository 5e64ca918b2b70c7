#include "providers/assembler.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>

namespace router::providers {

namespace {

std::int64_t int_of(const boost::json::value* v) {
  if (v == nullptr) {
    return 0;
  }
  if (v->is_int64()) {
    return v->as_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return 0;
}

std::string_view str_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

}  // namespace

std::optional<Usage> usage_of(const boost::json::object& completion) {
  const auto* u = completion.if_contains("usage");
  if (u == nullptr || !u->is_object()) {
    return std::nullopt;
  }
  const auto& o = u->as_object();
  Usage usage;
  usage.prompt_tokens = int_of(o.if_contains("prompt_tokens"));
  usage.completion_tokens = int_of(o.if_contains("completion_tokens"));
  usage.total_tokens = o.contains("total_tokens") ? int_of(o.if_contains("total_tokens"))
                                                  : usage.prompt_tokens + usage.completion_tokens;
  return usage;
}

namespace {

// SAX handler for scan_completion: no document is built; only the integers of a top-level
// "usage" object are kept.
struct UsageHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  int depth = 0;
  bool usage_key = false;  // the last depth-1 key was "usage"
  int in_usage = 0;        // depth of the usage object while inside it, else 0
  std::string_view field;  // the current key inside usage (only its own keys are short)
  std::string key_buf;
  Usage usage;
  bool saw_usage = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    ++depth;
    if (depth == 2 && usage_key) {
      in_usage = 2;
      saw_usage = true;
    }
    usage_key = false;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    if (depth == in_usage) {
      in_usage = 0;
    }
    --depth;
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    ++depth;
    usage_key = false;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    --depth;
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    std::string_view key(s.data(), s.size());
    if (!key_buf.empty()) {
      key_buf.append(key);
      key = key_buf;
    }
    usage_key = depth == 1 && key == "usage";
    field = {};
    if (in_usage != 0 && depth == in_usage) {
      if (key == "prompt_tokens") field = "p";
      else if (key == "completion_tokens") field = "c";
      else if (key == "total_tokens") field = "t";
    }
    key_buf.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, boost::system::error_code&) { return scalar(); }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t v, boost::json::string_view, boost::system::error_code&) { return number(v); }
  bool on_uint64(std::uint64_t v, boost::json::string_view, boost::system::error_code&) {
    return number(static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)));
  }
  bool on_double(double, boost::json::string_view, boost::system::error_code&) { return scalar(); }
  bool on_bool(bool, boost::system::error_code&) { return scalar(); }
  bool on_null(boost::system::error_code&) { return scalar(); }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

  bool scalar() {
    usage_key = false;
    field = {};
    return true;
  }
  bool number(std::int64_t v) {
    if (field == "p") usage.prompt_tokens = v;
    else if (field == "c") usage.completion_tokens = v;
    else if (field == "t") usage.total_tokens = v;
    return scalar();
  }
};

}  // namespace

CompletionScan scan_completion(std::string_view completion_json) noexcept {
  CompletionScan out;
  try {
    boost::json::parse_options opts;
    opts.max_depth = 256;
    boost::json::basic_parser<UsageHandler> p(opts);
    boost::system::error_code ec;
    const auto n = p.write_some(false, completion_json.data(), completion_json.size(), ec);
    out.valid = !ec && n == completion_json.size();
    if (out.valid && p.handler().saw_usage) {
      Usage u = p.handler().usage;
      if (u.total_tokens == 0) {
        u.total_tokens = u.prompt_tokens + u.completion_tokens;
      }
      out.usage = u;
    }
  } catch (...) {
    out.valid = false;
  }
  return out;
}

void StreamAssembler::append(std::string& to, std::string_view text) {
  if (text.empty()) {
    return;
  }
  has_output_ = true;
  if (text.size() > budget_) {
    truncated_ = true;
    text = text.substr(0, budget_);
  }
  to.append(text);
  budget_ -= text.size();
}

void StreamAssembler::add(const boost::json::object& chunk) {
  if (id_.empty()) {
    id_ = std::string(str_of(chunk, "id"));
  }
  if (model_.empty()) {
    model_ = std::string(str_of(chunk, "model"));
  }
  if (created_ == 0) {
    created_ = int_of(chunk.if_contains("created"));
  }
  if (system_fingerprint_.empty()) {
    system_fingerprint_ = std::string(str_of(chunk, "system_fingerprint"));
  }
  if (auto u = usage_of(chunk)) {
    usage_ = u;
  }
  const auto* choices = chunk.if_contains("choices");
  if (choices == nullptr || !choices->is_array()) {
    return;
  }
  for (const auto& cv : choices->as_array()) {
    if (!cv.is_object()) {
      continue;
    }
    const auto& c = cv.as_object();
    Choice& choice = choices_[int_of(c.if_contains("index"))];
    if (const auto* fr = c.if_contains("finish_reason"); fr && fr->is_string()) {
      choice.finish_reason = std::string(fr->as_string());
    }
    if (const auto* text = c.if_contains("text"); text && text->is_string()) {
      completion_ = true;  // a /v1/completions stream: its choices carry text, not deltas
      append(choice.content, text->as_string());
    }
    const auto* dv = c.if_contains("delta");
    if (dv == nullptr || !dv->is_object()) {
      continue;
    }
    const auto& d = dv->as_object();
    if (const auto role = str_of(d, "role"); !role.empty()) {
      choice.role = std::string(role);
    }
    append(choice.content, str_of(d, "content"));
    append(choice.reasoning, str_of(d, "reasoning_content"));
    if (const auto* r = d.if_contains("refusal"); r && r->is_string()) {
      choice.has_refusal = true;
      append(choice.refusal, r->as_string());
    }
    const auto* tcs = d.if_contains("tool_calls");
    if (tcs == nullptr || !tcs->is_array()) {
      continue;
    }
    for (const auto& tv : tcs->as_array()) {
      if (!tv.is_object()) {
        continue;
      }
      const auto& t = tv.as_object();
      ToolCall& call = choice.tool_calls[int_of(t.if_contains("index"))];
      has_output_ = true;
      if (const auto id = str_of(t, "id"); !id.empty()) {
        call.id = std::string(id);
      }
      if (const auto type = str_of(t, "type"); !type.empty()) {
        call.type = std::string(type);
      }
      if (const auto* fv = t.if_contains("function"); fv && fv->is_object()) {
        const auto& f = fv->as_object();
        append(call.name, str_of(f, "name"));
        append(call.arguments, str_of(f, "arguments"));
      }
    }
  }
}

boost::json::object StreamAssembler::result() const {
  boost::json::array choices;
  for (const auto& [index, c] : choices_) {
    if (completion_) {
      choices.push_back(boost::json::object{
          {"text", c.content},
          {"index", index},
          {"finish_reason", c.finish_reason ? boost::json::value(*c.finish_reason) : boost::json::value(nullptr)}});
      continue;
    }
    boost::json::object message{{"role", c.role.empty() ? "assistant" : c.role},
                                {"content", c.content.empty() && !c.tool_calls.empty() ? boost::json::value(nullptr)
                                                                                       : boost::json::value(c.content)}};
    if (!c.reasoning.empty()) {
      message["reasoning_content"] = c.reasoning;
    }
    if (c.has_refusal) {
      message["refusal"] = c.refusal;
    }
    if (!c.tool_calls.empty()) {
      boost::json::array calls;
      for (const auto& [i, t] : c.tool_calls) {
        calls.push_back(boost::json::object{
            {"id", t.id},
            {"type", t.type.empty() ? "function" : t.type},
            {"function", boost::json::object{{"name", t.name}, {"arguments", t.arguments}}}});
      }
      message["tool_calls"] = std::move(calls);
    }
    choices.push_back(boost::json::object{
        {"index", index},
        {"message", std::move(message)},
        {"finish_reason", c.finish_reason ? boost::json::value(*c.finish_reason) : boost::json::value(nullptr)}});
  }
  boost::json::object out{{"id", id_}, {"object", completion_ ? "text_completion" : "chat.completion"},
                          {"created", created_}, {"model", model_},
                          {"choices", std::move(choices)}};
  if (!system_fingerprint_.empty()) {
    out["system_fingerprint"] = system_fingerprint_;
  }
  if (usage_) {
    out["usage"] = boost::json::object{{"prompt_tokens", usage_->prompt_tokens},
                                       {"completion_tokens", usage_->completion_tokens},
                                       {"total_tokens", usage_->total_tokens}};
  }
  return out;
}

}  // namespace router::providers
