#include "server/dispatcher.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "providers/provider.hpp"
#include "server/blocking_pool.hpp"
#include "server/context.hpp"
#include "server/answer.hpp"
#include "server/log_record.hpp"
#include "server/log_writer.hpp"

namespace router::server {

namespace bhttp = boost::beast::http;
using core::Error;
using core::ErrorCode;

namespace {

constexpr std::string_view kServerName = "router";

int from_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; nullopt for malformed escapes, NUL bytes or invalid UTF-8.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return std::nullopt;
      }
      const int hi = from_hex(s[i + 1]);
      const int lo = from_hex(s[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  if (out.find('\0') != std::string::npos || !core::is_valid_utf8(out)) {
    return std::nullopt;
  }
  return out;
}

// Matches `path` against `pattern`; fills params. "{x}" is one segment, "{x*}" the rest up to the
// pattern's literal tail ("{model*}/default" takes everything before a final "/default").
bool match(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty()) {
    if (path.empty() || path.front() != '/' || pattern.front() != '/') {
      return false;
    }
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto pseg_end = pattern.find('/');
    const std::string_view pseg = pattern.substr(0, pseg_end);
    if (pseg.starts_with("{") && pseg.ends_with("*}")) {
      const std::string_view tail = pseg_end == std::string_view::npos ? std::string_view() : pattern.substr(pseg_end);
      if (path.size() <= tail.size() || !path.ends_with(tail)) {
        return false;
      }
      auto v = percent_decode(path.substr(0, path.size() - tail.size()), false);
      if (!v) {
        return false;
      }
      params.push_back(std::move(*v));
      return true;
    }
    const auto seg_end = path.find('/');
    const std::string_view seg = path.substr(0, seg_end);
    if (pseg.starts_with("{")) {
      auto v = percent_decode(seg, false);
      if (seg.empty() || !v) {
        return false;
      }
      params.push_back(std::move(*v));
    } else if (pseg != seg) {
      return false;
    }
    pattern = pseg_end == std::string_view::npos ? std::string_view() : pattern.substr(pseg_end);
    path = seg_end == std::string_view::npos ? std::string_view() : path.substr(seg_end);
  }
  return path.empty();
}

// The key a request presents: `Authorization: Bearer`, else Anthropic's `x-api-key` (Claude
// Code and the Anthropic SDKs send only that).
std::optional<std::string_view> presented_key(const http::Request& req) {
  if (const auto it = req.find(bhttp::field::authorization); it != req.end()) {
    std::string_view v(it->value().data(), it->value().size());
    if (v.size() > 7 && core::iequals(v.substr(0, 7), "bearer ")) {
      return core::trim(v.substr(7));
    }
    return std::nullopt;
  }
  if (const auto it = req.find("x-api-key"); it != req.end()) {
    return core::trim(std::string_view(it->value().data(), it->value().size()));
  }
  return std::nullopt;
}

const routing::KeyEntry* find_key(const routing::Snapshot& snap, std::string_view token) {
  if (token.empty() || token.size() > 512) {
    return nullptr;
  }
  const std::string hash = core::sha256_hex(token);
  const auto it = snap.keys_by_hash.find(hash);
  if (it == snap.keys_by_hash.end() || !core::constant_time_equal(it->first, hash)) {
    return nullptr;
  }
  return &it->second;
}

bool is_local_token(std::string_view local_token, const http::Request& req) {
  const auto token = presented_key(req);
  return token && !local_token.empty() && core::constant_time_equal(*token, local_token);
}

bool is_client_path(std::string_view path) { return path.starts_with("/v1/") || path == "/v1"; }

void set_common_headers(http::Response& res, std::string_view request_id, bool draining) {
  res.set(bhttp::field::server, kServerName);
  res.set("X-Request-Id", request_id);
  if (draining) {
    res.keep_alive(false);
  }
}

}  // namespace

std::optional<Target> parse_target(std::string_view target) {
  Target out;
  const auto qpos = target.find('?');
  out.path = std::string(target.substr(0, qpos));
  if (qpos == std::string_view::npos) {
    return out;
  }
  for (const auto& pair : core::split(target.substr(qpos + 1), '&')) {
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto k = percent_decode(std::string_view(pair).substr(0, eq), true);
    auto v = percent_decode(eq == std::string::npos ? std::string_view() : std::string_view(pair).substr(eq + 1), true);
    if (!k || !v) {
      return std::nullopt;
    }
    out.query.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

const Route* find_route(bhttp::verb verb, std::string_view path, std::vector<std::string>& params, std::string& allowed) {
  for (const auto& r : routes()) {
    if (match(r.pattern, path, params)) {
      if (r.verb == verb) {
        return &r;
      }
      allowed += allowed.empty() ? "" : ", ";
      allowed += std::string_view(bhttp::to_string(r.verb));
    }
  }
  return nullptr;
}

std::optional<std::string> Call::query_param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) {
      return v;
    }
  }
  return std::nullopt;
}

http::Response json_response(const Call& call, int status, std::string body) {
  http::Response res{static_cast<bhttp::status>(status), call.request.version()};
  set_common_headers(res, call.request_id_text, call.worker.shared.draining.load(std::memory_order_relaxed));
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

namespace {

// Why `key` may not call `route`; nullopt when it may.
std::optional<Error> authorize(const Route& route, const routing::Snapshot& snap, const routing::KeyEntry* key) {
  switch (route.access) {
    case Access::kPublic:
      return std::nullopt;
    case Access::kClient:
      // Fail closed: with auth.clients = keys and no key created yet, nobody gets in.
      if (snap.hot.client_keys_required && key == nullptr) {
        return Error(ErrorCode::kUnauthenticated,
                     "missing, unknown or revoked API key (auth.clients is keys: Authorization: Bearer rk-… or x-api-key: rk-…)");
      }
      return std::nullopt;
    case Access::kAdmin:
      if (!snap.has_admin_keys) {
        return Error(ErrorCode::kPermissionDenied,
                     "the admin API is disabled until an admin key exists: run 'router key create NAME --admin'");
      }
      if (key == nullptr) {
        return Error(ErrorCode::kUnauthenticated, "missing or unknown admin key (Authorization: Bearer <key>)");
      }
      if (key->scope != "admin") {
        return Error(ErrorCode::kPermissionDenied,
                     fmt::format("key '{}' is a client key; this route needs an admin key", key->name));
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

void Dispatcher::handle(const http::ServerSessionPtr& session, http::Request&& request) {
  (void)dispatch(session, std::move(request), false);
}

bool Dispatcher::admit(const http::ServerSessionPtr& session, const http::Request& head) {
  return dispatch(session, http::Request(head), true);
}

bool Dispatcher::dispatch(const http::ServerSessionPtr& session, http::Request&& request, bool head_only) {
  Call call{worker_, session, std::move(request)};
  call.active = ActiveToken(worker_.active);
  call.received_ms = core::now_ms();
  call.request_id = worker_.ids.next(call.received_ms);
  call.request_id_text = core::format_request_id(call.request_id);
  const std::string_view target_text(call.request.target().data(), call.request.target().size());
  auto target = parse_target(target_text);
  call.path = target ? std::move(target->path) : std::string(target_text.substr(0, target_text.find('?')));
  if (target) {
    call.query = std::move(target->query);
  }
  std::string allowed;
  const Route* route = find_route(call.request.method(), call.path, call.params, allowed);
  const bool path_known = !allowed.empty();
  call.access = route ? route->access : (is_client_path(call.path) ? Access::kClient : Access::kPublic);

  try {
    // limits() asked the database when this request's first byte arrived (ServerSession::parse):
    // a change committed before that is in, and a second PRAGMA per request buys nothing.
    call.snapshot = worker_.snapshots.current();
    const auto& snap = *call.snapshot;
    if (limits_version_ != snap.data_version) {
      adopt(snap);
    }
    if (!target) {
      refuse(call, {ErrorCode::kInvalidArgument, "malformed query string"});
      return false;
    }
    if (route == nullptr) {
      const auto verb = std::string_view(call.request.method_string());
      ErrorAnswer e{ErrorCode::kNotFound, fmt::format("unknown route {} {}", verb, call.path)};
      if (path_known) {
        e = {ErrorCode::kMethodNotAllowed, fmt::format("method {} is not allowed on {}", verb, call.path)};
        e.allow = std::move(allowed);
      }
      refuse(call, e);
      return false;
    }

    // Hashing a bearer token is only needed when some key exists to match it against.
    const auto token = snap.keys_by_hash.empty() ? std::nullopt : presented_key(call.request);
    const routing::KeyEntry* key = token ? find_key(snap, *token) : nullptr;
    if (key != nullptr) {
      call.key_name = key->name;
    }
    // The CLI on this machine reads the token from this server's record (0600, beside the
    // database it could read anyway), so read-only admin routes open to it without an admin key.
    const bool local_read = route->access == Access::kAdmin && call.request.method() == bhttp::verb::get &&
                            is_local_token(worker_.shared.local_token, call.request);
    if (const auto denied = local_read ? std::nullopt : authorize(*route, snap, key)) {
      refuse(call, {denied->code(), denied->what()});
      return false;
    }
    if (route->access == Access::kAdmin && key != nullptr) {
      // Client keys' use is read from their request records; admin calls leave none.
      if (!head_only) {
        worker_.shared.logs->note_key_use(worker_.index, key->name, call.received_ms);
      }
    }
    if (head_only) {
      return true;  // the body may come; handle() checks everything again on the whole request
    }
    if (const auto* blocking = std::get_if<BlockingHandler>(&route->handler)) {
      worker_.shared.blocking->run(call.take(), *blocking);
      return false;
    }
    std::get<Handler>(route->handler)(call);
  } catch (const Error& e) {
    if (call.taken) {
      core::log::error("handler failed after taking over the request: {}", e.what());
      return false;
    }
    answer_error(call, error_egress(call.path), LogRecord(call), {e.code(), e.what(), e.param()});
  } catch (const std::exception& e) {
    core::log::error("internal error on {} {}: {}", std::string_view(call.request.method_string()), call.path, e.what());
    if (!call.taken) {
      session->respond(error_response(call, error_egress(call.path), {ErrorCode::kInternal, "internal error"}));
    }
  }
  return false;
}

void Dispatcher::adopt(const routing::Snapshot& snap) {
  limits_ = limits_from(snap);
  limits_version_ = snap.data_version;
  worker_.shared.connections.set_limit(snap.hot.max_connections);
  // Said once per change, by whichever worker sees the change first: the flag is shared, and
  // touched only when a snapshot is new.
  const bool open = !snap.hot.client_keys_required;
  auto& shared = worker_.shared;
  if (shared.clients_open.exchange(open, std::memory_order_relaxed) != open && open && shared.public_listen) {
    core::log::warn("{}", open_clients_warning(shared.listen));
  }
}

void Dispatcher::refuse(Call& call, const ErrorAnswer& e) {
  auto res = error_response(call, error_egress(call.path), e);
  LogRecord(call).submit_refusal(call, call.session->remote_address(), static_cast<int>(res.result_int()),
                                 res.body().size(), e.message);
  call.session->respond(std::move(res));
}

http::ServerLimits Dispatcher::limits_from(const routing::Snapshot& snap) {
  http::ServerLimits l;
  l.max_body_bytes = static_cast<std::size_t>(snap.hot.max_body_bytes);
  l.read_timeout = std::chrono::milliseconds(snap.hot.read_timeout_ms);
  l.write_timeout = std::chrono::milliseconds(snap.hot.write_timeout_ms);
  return l;
}

http::ServerLimits Dispatcher::limits() {
  // Asked as each request's head starts to parse, so the current snapshot decides (one PRAGMA
  // data_version when nothing changed): a `config set` applies to the very next request, not to
  // the one after some other request refreshed this worker's copy.
  try {
    const auto& snap = *worker_.snapshots.get();
    if (limits_version_ != snap.data_version) {
      adopt(snap);
    }
  } catch (const Error&) {
    if (!limits_) {
      return {};
    }
  }
  return *limits_;
}

http::Response Dispatcher::rejected(const http::ServerSession& session, const http::Request& head,
                                    http::RejectReason reason) {
  ErrorAnswer e{ErrorCode::kInvalidArgument, "malformed HTTP request"};
  switch (reason) {
    case http::RejectReason::kBodyTooLarge:
      e = {ErrorCode::kPayloadTooLarge,
           fmt::format("request body is larger than server.max_body_bytes ({} bytes)", session.limits().max_body_bytes)};
      break;
    case http::RejectReason::kHeaderTooLarge:
      e = {ErrorCode::kHeadersTooLarge, "request headers are too large"};
      break;
    case http::RejectReason::kMalformed:
      break;
    case http::RejectReason::kBadHost:
      e.message = "a request needs one valid Host header (HTTP/1.1: exactly one)";
      break;
  }
  Call call{worker_, nullptr, http::Request(head)};
  call.received_ms = core::now_ms();
  call.request_id = worker_.ids.next(call.received_ms);
  call.request_id_text = core::format_request_id(call.request_id);
  const std::string_view target(head.target().data(), head.target().size());
  call.path = std::string(target.substr(0, target.find('?')));
  auto res = error_response(call, error_egress(call.path), e);
  res.keep_alive(false);
  try {
    call.snapshot = worker_.snapshots.get();
    LogRecord(call).submit_refusal(call, session.remote_address(), static_cast<int>(res.result_int()),
                                   res.body().size(), e.message);
  } catch (const Error&) {
    // No configuration to read the logging settings from: the answer still goes out.
  }
  return res;
}

}  // namespace router::server
