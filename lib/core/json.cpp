#include "core/json.hpp"

#include <cmath>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "core/error.hpp"

namespace router::core {

boost::json::value parse_json(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  auto v = boost::json::parse(text, ec, {}, opts);
  if (ec) {
    throw Error(ErrorCode::kInvalidArgument, fmt::format("invalid {}: {}", what, ec.message()));
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
