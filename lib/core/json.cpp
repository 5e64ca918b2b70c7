#include "core/json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"

namespace router::core {

namespace {

using boost::json::string_view;
using boost::system::error_code;

// Builds the value as boost::json::parse does and counts the key/value pairs it reads. The
// object it builds keeps only the last of duplicate keys, so a value holding fewer pairs than
// were read came from text with a duplicate key. One pass, no allocation beyond the value's.
struct CountingBuilder {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  std::size_t pairs = 0;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    pairs += n;
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view, error_code& ec) {
    // Boost reads 1e400 as inf and 0e999 as NaN, and would write them back as `Infinity`/`NaN`:
    // text no JSON parser accepts, sent upstream as a request body.
    if (!std::isfinite(d)) {
      ec = boost::json::error::exponent_overflow;
      return false;
    }
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

std::size_t count_pairs(const boost::json::value& v) {
  std::size_t n = 0;
  if (const auto* o = v.if_object()) {
    n += o->size();
    for (const auto& kv : *o) {
      n += count_pairs(kv.value());
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a) {
      n += count_pairs(e);
    }
  }
  return n;
}

// Only once a duplicate is known: which key, and whether it is at the top level. Keeps every
// open object's keys, which the common path never pays for.
struct DuplicateFinder {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  std::vector<std::unordered_set<std::string>> open;  // keys of each open object; arrays hold none
  std::string key;
  bool found = false;
  bool top_level = false;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    open.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    open.pop_back();
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    key.append(s.data(), s.size());
    if (!open.back().insert(key).second) {
      found = true;
      top_level = open.size() == 1;
      ec = boost::json::error::exception;  // stops the parser: the answer is found
      return false;
    }
    key.clear();
    return true;
  }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

constexpr std::size_t kMaxDepth = 64;

[[noreturn]] void throw_duplicate(std::string_view text, std::string_view what) {
  boost::json::parse_options opts;
  opts.max_depth = kMaxDepth;
  boost::json::basic_parser<DuplicateFinder> p(opts);
  error_code ec;
  (void)p.write_some(false, text.data(), text.size(), ec);
  const auto& f = p.handler();
  // The key as a JSON string: quoted, control characters escaped; long ones cut.
  const std::string name =
      f.found ? boost::json::serialize(boost::json::string(std::string_view(f.key).substr(0, 64))) : "?";
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("invalid {}: duplicate key {}{} (each key may appear once per object)", what, name,
                          f.top_level ? "" : " in a nested object"),
              f.found && f.top_level && f.key.size() <= 64 ? f.key : std::string());
}

}  // namespace

boost::json::value parse_json(std::string_view text, std::string_view what) {
  boost::json::parse_options opts;
  opts.max_depth = kMaxDepth;
  boost::json::basic_parser<CountingBuilder> p(opts);
  p.handler().st.reset();
  error_code ec;
  const auto n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) {
    ec = boost::json::error::extra_data;
  }
  if (ec) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid {}: {}", what, ec.message()));
  }
  auto v = p.handler().st.release();
  if (count_pairs(v) != p.handler().pairs) {
    throw_duplicate(text, what);
  }
  return v;
}

bool is_valid_json(std::string_view text) noexcept {
  try {
    unsigned char scratch[8192];
    boost::json::monotonic_resource mr(scratch, sizeof scratch);
    boost::system::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = 256;
    (void)boost::json::parse(text, ec, &mr, opts);
    return !ec;
  } catch (...) {
    return false;
  }
}

namespace {

void scalar_into(std::string& out, const boost::json::value& v) {
  if (v.is_double()) {
    const double d = v.get_double();
    out += std::isfinite(d) ? fmt::format("{}", d) : std::string("null");
  } else {
    out += boost::json::serialize(v);
  }
}

void compact_into(std::string& out, const boost::json::value& v) {
  if (const auto* o = v.if_object()) {
    out += '{';
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += boost::json::serialize(boost::json::string_view(kv.key()));
      out += ':';
      compact_into(out, kv.value());
    }
    out += '}';
  } else if (const auto* a = v.if_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : *a) {
      if (!first) {
        out += ',';
      }
      first = false;
      compact_into(out, e);
    }
    out += ']';
  } else {
    scalar_into(out, v);
  }
}

void pretty_into(std::string& out, const boost::json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string close(static_cast<std::size_t>(indent), ' ');
  if (const auto* o = v.if_object()) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& kv : *o) {
      if (!first) {
        out += ",\n";
      }
      first = false;
      out += pad;
      out += boost::json::serialize(boost::json::string(kv.key()));
      out += ": ";
      pretty_into(out, kv.value(), indent + 2);
    }
    out += "\n" + close + "}";
  } else if (const auto* a = v.if_array()) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const auto& e : *a) {
      if (!first) {
        out += ",\n";
      }
      first = false;
      out += pad;
      pretty_into(out, e, indent + 2);
    }
    out += "\n" + close + "]";
  } else {
    scalar_into(out, v);
  }
}

}  // namespace

std::string compact_json(const boost::json::value& v) {
  std::string out;
  compact_into(out, v);
  return out;
}

std::string pretty_json(const boost::json::value& v) {
  std::string out;
  pretty_into(out, v, 0);
  return out;
}

}  // namespace router::core
