#include "providers/xml_tools.hpp"

#include <algorithm>
#include <charconv>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text.hpp"
#include "providers/chunks.hpp"

namespace router::providers {

namespace {

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// The schema "type" of a parameter: the first string when it is a list (["string","null"]).
std::string_view schema_type(const boost::json::object& parameters, std::string_view param) {
  const auto* props = parameters.if_contains("properties");
  if (props == nullptr || !props->is_object()) {
    return {};
  }
  const auto* p = props->as_object().if_contains(param);
  if (p == nullptr || !p->is_object()) {
    return {};
  }
  const auto* t = p->as_object().if_contains("type");
  if (t != nullptr && t->is_string()) {
    return t->as_string();
  }
  if (t != nullptr && t->is_array()) {
    for (const auto& e : t->as_array()) {
      if (e.is_string() && e.as_string() != "null") {
        return e.as_string();
      }
    }
  }
  return {};
}

bool looks_numeric(std::string_view s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  const std::size_t digits_from = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i;
  }
  if (i == digits_from) {
    return false;
  }
  if (i == s.size()) {
    return true;
  }
  if (s[i] != '.') {
    return false;
  }
  const std::size_t frac_from = ++i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i;
  }
  return i > frac_from && i == s.size();
}

std::optional<boost::json::value> as_number(std::string_view s) {
  if (!looks_numeric(s)) {
    return std::nullopt;
  }
  if (s.find('.') == std::string_view::npos) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size()) {
      return boost::json::value(n);
    }
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  if (ec || !v.is_number()) {
    return std::nullopt;
  }
  return v;
}

// One argument value, typed by the tool's schema when it has one (PROTOCOLS.md §2.2 otherwise).
boost::json::value typed_value(std::string_view type, std::string_view text) {
  if (type == "string") {
    return boost::json::string(text);
  }
  if (type == "boolean" || type.empty()) {
    if (text == "true" || text == "false") {
      return text == "true";
    }
  }
  if (type == "number" || type == "integer" || type.empty()) {
    if (auto n = as_number(text)) {
      return std::move(*n);
    }
  }
  if (type == "array" || type == "object") {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (!ec && (type == "array" ? v.is_array() : v.is_object())) {
      return v;
    }
  }
  return boost::json::string(text);
}

std::string_view strip_newlines(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The skeleton value of a parameter: its default, else a placeholder by type.
std::string placeholder(const boost::json::object& schema) {
  if (const auto* d = schema.if_contains("default")) {
    return d->is_string() ? std::string(d->as_string()) : boost::json::serialize(*d);
  }
  const auto type = string_field(schema, "type");
  if (type == "string") return "example_value";
  if (type == "number" || type == "integer") return "100";
  if (type == "boolean") return "true";
  if (type == "array") return "[]";
  if (type == "object") return "{}";
  return "value";
}

}  // namespace

std::vector<ToolSpec> function_tools(const boost::json::object& body) {
  std::vector<ToolSpec> out;
  const auto* tools = body.if_contains("tools");
  if (tools == nullptr || !tools->is_array()) {
    return out;
  }
  for (const auto& t : tools->as_array()) {
    if (!t.is_object()) {
      continue;
    }
    const auto* fn = t.as_object().if_contains("function");
    if (fn == nullptr || !fn->is_object()) {
      continue;
    }
    const auto& f = fn->as_object();
    ToolSpec spec{std::string(string_field(f, "name")), std::string(string_field(f, "description")), {}};
    if (spec.name.empty() || !name_start(spec.name[0]) ||
        !std::all_of(spec.name.begin(), spec.name.end(), [](char c) { return name_char(c); })) {
      continue;  // a name that cannot be an XML element cannot be called through XML
    }
    if (const auto* p = f.if_contains("parameters"); p != nullptr && p->is_object()) {
      spec.parameters = p->as_object();
    }
    out.push_back(std::move(spec));
  }
  return out;
}

std::string tools_prompt(std::span<const ToolSpec> tools) {
  std::string out =
      "TOOL USE\n\n"
      "You have access to the tools listed below. To use one, write a tool call and stop; the result comes "
      "back in the next message.\n"
      "- Call exactly one tool per message.\n"
      "- Write the call as an XML element named after the tool, with one child element per parameter, for "
      "example:\n"
      "<tool_name>\n<parameter_name>value</parameter_name>\n</tool_name>\n"
      "- Wait for the tool's result before going on.\n\n"
      "<tools>\n";
  bool first = true;
  for (const auto& t : tools) {
    if (!first) {
      out += "\n";
    }
    first = false;
    out += fmt::format("## {}\nDescription: {}\n", t.name, t.description.empty() ? "(none)" : t.description);
    const auto* props = t.parameters.if_contains("properties");
    std::vector<std::string> required;
    if (const auto* r = t.parameters.if_contains("required"); r != nullptr && r->is_array()) {
      for (const auto& e : r->as_array()) {
        if (e.is_string()) {
          required.emplace_back(e.as_string());
        }
      }
    }
    std::string usage = fmt::format("<{}>\n", t.name);
    if (props == nullptr || !props->is_object() || props->as_object().empty()) {
      out += "Parameters: None\n";
    } else {
      out += "Parameters:\n";
      for (const auto& kv : props->as_object()) {
        const std::string_view name = kv.key();
        const boost::json::object empty;
        const auto& schema = kv.value().is_object() ? kv.value().as_object() : empty;
        const bool req = std::find(required.begin(), required.end(), name) != required.end();
        const auto type = schema_type(t.parameters, name);
        const auto description = string_field(schema, "description");
        out += fmt::format("- {}: ({}) {}{}{}\n", name, req ? "required" : "optional", type.empty() ? "any" : type,
                           description.empty() ? "" : " - ", description);
        usage += fmt::format("<{}>{}</{}>\n", name, placeholder(schema), name);
      }
    }
    usage += fmt::format("</{}>\n", t.name);
    out += "\nUsage:\n" + usage;
  }
  out += "</tools>";
  return out;
}

std::string tool_call_xml(std::string_view name, std::string_view arguments_json) {
  std::string out = fmt::format("<{}>\n", name);
  boost::system::error_code ec;
  const auto args = boost::json::parse(arguments_json, ec);
  if (!ec && args.is_object()) {
    for (const auto& kv : args.as_object()) {
      const auto& v = kv.value();
      out += fmt::format("<{}>{}</{}>\n", std::string_view(kv.key()),
                         v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v),
                         std::string_view(kv.key()));
    }
  }
  out += fmt::format("</{}>", name);
  return out;
}

const ToolSpec* ToolCallFilter::match_open_tag(std::string_view text, bool& complete) const {
  complete = false;
  const ToolSpec* partial = nullptr;
  for (const auto& t : tools_) {
    // The tag is "<" + name + ">".
    const std::size_t tag_size = t.name.size() + 2;
    const std::size_t n = std::min(text.size(), tag_size);
    bool same = true;
    for (std::size_t i = 1; i < n && same; ++i) {
      const char want = i <= t.name.size() ? t.name[i - 1] : '>';
      same = text[i] == want;
    }
    if (!same) {
      continue;
    }
    if (text.size() >= tag_size) {
      complete = true;
      return &t;
    }
    partial = &t;
  }
  return partial;
}

void ToolCallFilter::take_element(const ToolSpec& tool, std::string_view inner) {
  boost::json::object args;
  std::size_t pos = 0;
  while ((pos = inner.find('<', pos)) != std::string_view::npos) {
    std::size_t end = pos + 1;
    while (end < inner.size() && name_char(inner[end])) {
      ++end;
    }
    if (end == pos + 1 || end >= inner.size() || inner[end] != '>' || !name_start(inner[pos + 1])) {
      ++pos;
      continue;
    }
    const std::string_view param = inner.substr(pos + 1, end - pos - 1);
    const std::string close = fmt::format("</{}>", param);
    const auto close_at = inner.find(close, end + 1);
    if (close_at == std::string_view::npos) {
      ++pos;
      continue;
    }
    const auto value = strip_newlines(inner.substr(end + 1, close_at - end - 1));
    args[param] = typed_value(schema_type(tool.parameters, param), value);
    pos = close_at + close.size();
  }
  call_ = XmlToolCall{tool.name, boost::json::serialize(args)};
}

std::string ToolCallFilter::feed(std::string_view text) {
  if (call_) {
    return {};  // one tool per message: whatever follows the call is not shown
  }
  if (given_up_ || tools_.empty()) {
    return std::string(text);
  }
  std::string out;
  pending_.append(text);
  std::size_t pos = 0;  // the next byte of pending_ to decide
  while (pos < pending_.size()) {
    const std::string_view rest = std::string_view(pending_).substr(pos);
    if (open_ != nullptr) {
      const std::string close = fmt::format("</{}>", open_->name);
      const std::size_t open_size = open_->name.size() + 2;
      // Resume the search where the last feed stopped, so a long element costs linear time.
      const std::size_t from = std::max(open_size, searched_ >= close.size() ? searched_ - close.size() + 1 : 0);
      const auto close_at = rest.find(close, from);
      if (close_at != std::string_view::npos) {
        take_element(*open_, rest.substr(open_size, close_at - open_size));
        open_ = nullptr;
        searched_ = 0;
        pending_.clear();
        return out;
      }
      searched_ = rest.size();
      if (rest.size() > kMaxElement) {
        given_up_ = true;  // not a tool call after all: show it, and stop looking
        open_ = nullptr;
        out.append(rest);
        pending_.clear();
        return out;
      }
      pending_.erase(0, pos);
      return out;
    }
    const auto lt = rest.find('<');
    if (lt == std::string_view::npos) {
      out.append(rest);
      pending_.clear();
      return out;
    }
    out.append(rest.substr(0, lt));
    pos += lt;
    bool complete = false;
    const ToolSpec* tool = match_open_tag(std::string_view(pending_).substr(pos), complete);
    if (tool == nullptr) {
      out += '<';
      ++pos;
      continue;
    }
    if (!complete) {
      pending_.erase(0, pos);  // "<rea" may become "<read>": wait for more
      return out;
    }
    open_ = tool;
    searched_ = 0;
  }
  pending_.clear();
  return out;
}

std::string ToolCallFilter::finish() {
  open_ = nullptr;
  searched_ = 0;
  std::string out;
  out.swap(pending_);
  return out;
}

XmlReply parse_tool_reply(std::string_view text, std::span<const ToolSpec> tools) {
  ToolCallFilter filter(tools);
  std::string shown = filter.feed(text);
  shown += filter.finish();
  XmlReply r;
  r.call = filter.call();
  r.content = r.call ? std::string(core::trim(shown)) : std::string(text);
  return r;
}

}  // namespace router::providers
