// OpenAI Responses from the request log (docs/dialects.md "Response ids, retrieval and
// previous_response_id"): a response is named after its request's log row, so
// GET /v1/responses/{id} and previous_response_id find it by the row's key. Both read on the
// blocking pool (an I/O worker never touches a database) and finish back on the call's worker:
// the answer and its log row, or the proxy call with the resolved conversation.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "db/sqlite/log_repository.hpp"
#include "dialects/chat.hpp"
#include "dialects/responses.hpp"
#include "providers/chunks.hpp"
#include "server/admin.hpp"
#include "server/answer.hpp"
#include "server/blocking_pool.hpp"
#include "server/context.hpp"
#include "server/handlers.hpp"
#include "server/log_record.hpp"
#include "server/log_writer.hpp"
#include "server/proxy_call.hpp"

namespace router::server {

namespace {

using boost::json::array;
using boost::json::object;
using core::ErrorCode;

constexpr std::string_view kEndpoint = "/v1/responses";
// How many responses one previous_response_id may chain through; a longer conversation is
// refused (its client should send it in `input`).
constexpr std::size_t kMaxChain = 64;
// How long a lookup waits for the log writer's group commit of a row answered a moment ago.
constexpr std::chrono::milliseconds kWriteWait{1000};

// How a failed lookup is answered: GET with 404, previous_response_id with a 400 naming it.
struct Asker {
  ErrorCode code;
  std::string_view param;
};

[[noreturn]] void refuse(const Asker& asker, std::string message) {
  throw core::Error(asker.code, std::move(message), std::string(asker.param));
}

// A logged response the caller may read.
struct Stored {
  db::RequestLog row;  // bodies set
  object request;      // the client's request body, parsed
};

// Another key's row is no row: a client key learns nothing of another key's requests, not even
// that one was made. With auth.clients open, anyone may read.
bool readable(const Call& call, const std::optional<db::RequestLog>& row) {
  return row && (!call.snapshot->hot.client_keys_required || row->api_key_name == call.key_name);
}

// The row of `request_id` if the caller may read it. The writer stores rows in group commits
// every few milliseconds, so the row of a response answered just now may still be queued: when
// the id is recent enough for that (its request began within server.request_timeout), one commit
// is waited for, whether the row is missing or another key's (the two take the same time).
std::optional<db::RequestLog> find_row(const Call& call, AdminStore& store, std::int64_t request_id) {
  auto row = store.logs().find(request_id);
  const auto age_ms = core::now_ms() - core::request_id_time_ms(request_id);
  if (!readable(call, row) && age_ms >= -1000 && age_ms <= call.snapshot->hot.request_timeout_ms + 1000) {
    (void)call.worker.shared.logs->wait_written(kWriteWait);
    row = store.logs().find(request_id);
  }
  return readable(call, row) ? std::move(row) : std::nullopt;
}

// The response `id` as the caller may see it, or the reason it may not, answered as `asker` says.
Stored load(const Call& call, AdminStore& store, std::string_view id, const Asker& asker) {
  const auto request_id = dialects::response_request_id(id);
  if (!request_id) {
    throw core::Error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not a response id of this router (resp_ and 16 hex digits)", id.substr(0, 80)),
                      std::string(asker.param));
  }
  auto row = find_row(call, store, *request_id);
  if (!row) {
    refuse(asker, fmt::format("response '{}' not found: none was logged with this id for this API key (or it was "
                              "pruned, or never made by this router)",
                              id));
  }
  if (row->endpoint != kEndpoint || row->method != "POST") {
    refuse(asker, fmt::format("response '{}' not found: that id is a {} {} request, not a response", id, row->method,
                              row->endpoint));
  }
  if (row->status != 200 || row->outcome != db::Outcome::kOk) {
    refuse(asker, fmt::format("response '{}' did not complete (HTTP {}, outcome {}): there is no response to read",
                              id, row->status, db::outcome_name(row->outcome)));
  }
  if (!row->request_body || !row->response_body) {
    refuse(asker, fmt::format("response '{}' was not stored: its bodies were not logged (logging.bodies was not "
                              "full, or logging.body_retention_days removed them)",
                              id));
  }
  if (row->body_truncated) {
    refuse(asker, fmt::format("response '{}' was not stored whole: its bodies were cut at logging.max_body_bytes", id));
  }
  boost::system::error_code ec;
  auto request = boost::json::parse(*row->request_body, ec);
  if (ec || !request.is_object()) {
    refuse(asker, fmt::format("response '{}' cannot be read: its logged request is not a JSON object", id));
  }
  if (const auto* s = request.as_object().if_contains("store"); s != nullptr && s->is_bool() && !s->as_bool()) {
    refuse(asker, fmt::format("response '{}' was created with store: false: it can be neither retrieved nor "
                              "continued with previous_response_id",
                              id));
  }
  return Stored{std::move(*row), std::move(request.as_object())};
}

// The conversation `previous_response_id` names: each response of its chain, oldest first, with
// its own input items then its output items (OpenAI's semantics; instructions are not carried
// over). Bounded by kMaxChain responses and by server.max_body_bytes of logged bodies.
array conversation(const Call& call, AdminStore& store, std::string id) {
  const Asker asker{ErrorCode::kInvalidArgument, "previous_response_id"};
  const auto limit = static_cast<std::size_t>(call.snapshot->hot.max_body_bytes);
  std::vector<std::pair<array, array>> turns;  // newest first: input items, output items
  std::size_t bytes = 0;
  for (;;) {
    if (turns.size() == kMaxChain) {
      refuse(asker, fmt::format("the conversation behind previous_response_id chains more than {} responses: send "
                                "it in 'input' instead",
                                kMaxChain));
    }
    auto s = load(call, store, id, asker);
    bytes += s.row.request_body->size() + s.row.response_body->size();
    if (bytes > limit) {
      refuse(asker, fmt::format("the conversation behind previous_response_id is larger than server.max_body_bytes "
                                "({} bytes of logged bodies): send it in 'input' instead",
                                limit));
    }
    auto input = core::capture([&] { return dialects::input_items(s.request); });
    boost::system::error_code ec;
    const auto response = boost::json::parse(*s.row.response_body, ec);
    const auto* output = !ec && response.is_object() ? response.as_object().if_contains("output") : nullptr;
    if (!input || output == nullptr || !output->is_array()) {
      refuse(asker, fmt::format("response '{}' cannot be continued: its logged request or response is not one", id));
    }
    turns.emplace_back(std::move(*input), output->as_array());
    const auto previous = providers::string_field(s.request, "previous_response_id");
    if (previous.empty()) {
      break;
    }
    id = std::string(previous);
  }
  array items;
  for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
    for (auto* part : {&it->first, &it->second}) {
      for (auto& item : *part) {
        items.push_back(std::move(item));
      }
    }
  }
  return items;
}

// What the pool found behind a request's previous_response_id: the conversation, or why not.
using Resolved = std::shared_ptr<core::Result<array>>;

// Proxies a POST /v1/responses on its worker. `resolved` is null when the body never names
// previous_response_id (the common case, which skips the pool).
void proxy(Call&& call, Resolved resolved) {
  const auto id = dialects::response_id(call.request_id);
  const auto created = core::now_ms() / 1000;
  auto ingress = [id, created, resolved = std::move(resolved)](const http::Request& request) {
    const std::string_view body = request.body();
    const dialects::ResolvePrevious resolve = [&resolved](std::string_view) -> array {
      if (!resolved) {
        // The quick check found no plain "previous_response_id" in the body: its key was
        // written with escapes.
        throw core::Error(ErrorCode::kInvalidArgument, "write the key 'previous_response_id' without \\u escapes",
                          "previous_response_id");
      }
      if (!*resolved) {
        throw resolved->error();
      }
      return resolved->value();
    };
    auto req = dialects::parse_responses(body, resolve);
    ClientRequest r;
    r.chat = dialects::chat_request(std::move(req.ingress), r.translated);
    r.chat.dialect = core::Dialect::kResponses;
    if (!resolved) {
      r.chat.client_body = body;  // with earlier turns resolved here, only the translation has them
    }
    r.egress = std::make_unique<dialects::ResponsesEgress>(id, std::move(req.echo), created);
    return r;
  };
  auto fallback = std::make_unique<dialects::ResponsesEgress>(id, object{}, created);
  std::make_shared<ProxyCall>(std::move(call), std::move(fallback))->start(std::move(ingress));
}

// On the pool: resolves the body's previous_response_id, then proxies on the call's worker. A
// body that cannot be read resolves to nothing; the ingress then refuses it as it would anyway.
void resolve_previous(Call& call, AdminStore& store) {
  auto resolved = std::make_shared<core::Result<array>>(core::capture([&] {
    boost::system::error_code ec;
    const auto body = boost::json::parse(call.request.body(), ec);
    const auto* id = !ec && body.is_object() ? body.as_object().if_contains("previous_response_id") : nullptr;
    return id != nullptr && id->is_string() ? conversation(call, store, std::string(id->as_string())) : array{};
  }));
  boost::asio::post(call.worker.ioc, [c = std::make_unique<Call>(call.take()), resolved = std::move(resolved)]() mutable {
    proxy(std::move(*c), std::move(resolved));
  });
}

}  // namespace

void handle_responses(Call& call) {
  // Only a body that names previous_response_id needs the log; every other one goes straight on.
  if (call.request.body().find("\"previous_response_id\"") == std::string::npos) {
    return proxy(call.take(), nullptr);
  }
  call.worker.shared.blocking->run(call.take(), resolve_previous);
}

void handle_get_response(Call& call, AdminStore& store) {
  auto body = core::capture([&] {
    if (const auto stream = call.query_param("stream"); stream && *stream != "false") {
      throw core::Error(ErrorCode::kInvalidArgument, "a logged response is returned whole: stream is not supported",
                        "stream");
    }
    return std::move(*load(call, store, call.params.at(0), {ErrorCode::kNotFound, ""}).row.response_body);
  });
  // Answered and logged on the call's worker, like every client route.
  boost::asio::post(call.worker.ioc, [c = std::make_unique<Call>(call.take()), body = std::move(body)]() mutable {
    if (!body) {
      const auto& e = body.error();
      return answer_error(*c, error_egress(c->path), LogRecord(*c), {e.code(), e.what(), e.param()});
    }
    answer_ok(*c, std::move(*body));
  });
}

}  // namespace router::server
