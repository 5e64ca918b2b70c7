#include "server/admin.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/documents.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/log_repository.hpp"
#include "server/context.hpp"

namespace router::server {

using core::Error;
using core::ErrorCode;

namespace {

constexpr std::string_view kMessageHeader = "X-Router-Message";

[[noreturn]] void wrong_type(std::string_view field, std::string_view expected) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("field '{}' must be {}", field, expected), std::string(field));
}

std::string quoted(const std::vector<std::string>& names) {
  std::vector<std::string> q;
  q.reserve(names.size());
  for (const auto& n : names) {
    q.push_back(fmt::format("'{}'", n.substr(0, 64)));
  }
  return core::join(q, ", ");
}

}  // namespace

// --- AdminStore ------------------------------------------------------------------------------------

AdminStore::AdminStore(const Shared& shared) : shared_(shared) {}

AdminStore::~AdminStore() = default;

config::ConfigService& AdminStore::config() {
  if (!config_) {
    config_db_ = std::make_unique<db::Database>(shared_.paths.config_db, db::DatabaseOptions{.create = false});
    config_ = std::make_unique<config::ConfigService>(*config_db_, shared_.keys);
  }
  return *config_;
}

db::LogRepository& AdminStore::logs() {
  if (!logs_) {
    logs_db_ = std::make_unique<db::Database>(shared_.paths.logs_db, db::DatabaseOptions{.create = false});
    logs_ = std::make_unique<db::LogRepository>(*logs_db_);
  }
  return *logs_;
}

// --- JsonBody --------------------------------------------------------------------------------------

JsonBody::JsonBody(const http::Request& request) {
  const std::string_view text = core::trim(request.body());
  if (text.empty()) {
    return;
  }
  auto v = core::parse_json(text, "request body");
  if (!v.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, "the request body must be a JSON object");
  }
  body_ = std::move(v.as_object());
}

std::optional<boost::json::value> JsonBody::take(std::string_view field) {
  accepted_.emplace_back(field);
  const auto it = body_.find(field);
  if (it == body_.end()) {
    return std::nullopt;
  }
  auto v = std::move(it->value());
  body_.erase(it);
  return v;
}

std::optional<boost::json::value> JsonBody::value(std::string_view field) { return take(field); }

template <typename T, typename Convert>
std::optional<T> JsonBody::take_as(std::string_view field, std::string_view expected, Convert convert) {
  auto v = take(field);
  if (!v) {
    return std::nullopt;
  }
  auto out = convert(*v);
  if (!out) {
    wrong_type(field, expected);
  }
  return out;
}

std::optional<std::string> JsonBody::text(std::string_view field) {
  return take_as<std::string>(field, "a string", [](const boost::json::value& v) {
    return v.is_string() ? std::optional<std::string>(v.as_string()) : std::nullopt;
  });
}

std::optional<std::int64_t> JsonBody::integer(std::string_view field) {
  return take_as<std::int64_t>(field, "a whole number", [](const boost::json::value& v) -> std::optional<std::int64_t> {
    if (v.is_int64()) {
      return v.as_int64();
    }
    if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v.as_uint64());
    }
    return std::nullopt;
  });
}

std::optional<bool> JsonBody::boolean(std::string_view field) {
  return take_as<bool>(field, "true or false", [](const boost::json::value& v) {
    return v.is_bool() ? std::optional<bool>(v.as_bool()) : std::nullopt;
  });
}

std::optional<std::vector<std::string>> JsonBody::texts(std::string_view field) {
  using Texts = std::vector<std::string>;
  return take_as<Texts>(field, "an array of strings", [](const boost::json::value& v) -> std::optional<Texts> {
    if (!v.is_array()) {
      return std::nullopt;
    }
    Texts out;
    for (const auto& e : v.as_array()) {
      if (!e.is_string()) {
        return std::nullopt;
      }
      out.emplace_back(e.as_string());
    }
    return out;
  });
}

std::optional<boost::json::object> JsonBody::object(std::string_view field) {
  return take_as<boost::json::object>(field, "a JSON object", [](boost::json::value& v) {
    return v.is_object() ? std::optional<boost::json::object>(std::move(v.as_object())) : std::nullopt;
  });
}

void JsonBody::missing(std::string_view field) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("missing field '{}'", field), std::string(field));
}

void JsonBody::finish() const {
  if (body_.empty()) {
    return;
  }
  std::vector<std::string> unknown;
  for (const auto& kv : body_) {
    unknown.emplace_back(kv.key());
  }
  std::sort(unknown.begin(), unknown.end());  // take() reorders the object
  const std::string accepted =
      accepted_.empty() ? "this endpoint takes no body" : "accepted: " + core::join(accepted_, ", ");
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("unknown field{} {} ({})", unknown.size() > 1 ? "s" : "", quoted(unknown), accepted),
              unknown.front().substr(0, 64));
}

// --- request helpers -------------------------------------------------------------------------------

config::Actor actor_of(const Call& call) {
  config::Actor actor{call.key_name, config::Source::kApi, ""};
  if (const auto it = call.request.find(kMessageHeader); it != call.request.end()) {
    actor.message = std::string(it->value().data(), it->value().size());
  }
  return actor;
}

void require_no_body(const Call& call) { JsonBody(call.request).finish(); }

void require_query(const Call& call, std::initializer_list<std::string_view> accepted) {
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : call.query) {
    if (std::find(accepted.begin(), accepted.end(), name) == accepted.end()) {
      const std::vector<std::string> names(accepted.begin(), accepted.end());
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("unknown query parameter '{}' ({})", name.substr(0, 64),
                              names.empty() ? "this endpoint takes none" : "accepted: " + core::join(names, ", ")),
                  name.substr(0, 64));
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      throw Error(ErrorCode::kInvalidArgument, fmt::format("query parameter '{}' is given more than once", name), name);
    }
    seen.push_back(name);
  }
}

const std::string& provider_param(const Call& call, std::size_t i) {
  const auto& id = call.params.at(i);
  core::require_slug(id, "provider id");
  return id;
}

const std::string& model_param(const Call& call, std::size_t i) {
  const auto& id = call.params.at(i);
  core::require_model_id(id, "model id");
  return id;
}

void answer(Call& call, http::Response&& res) {
  boost::asio::post(call.worker.ioc, [session = std::move(call.session), res = std::move(res)]() mutable {
    session->respond(std::move(res));
  });
}

void reply(Call& call, int status, const boost::json::object& doc) {
  answer(call, json_response(call, status, core::compact_json(doc)));
}

boost::json::object outcome_with(const config::Mutation& outcome, std::string_view field, boost::json::value resource) {
  auto doc = config::outcome_document(outcome);
  doc[field] = std::move(resource);
  return doc;
}

}  // namespace router::server
