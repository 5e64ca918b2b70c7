// `router replay REQUEST_ID [--provider P] [--model M]`: sends a logged request again through the
// running server of this database, so it takes the server's routing (or the named provider),
// prints the new answer and both ids, and links the new request to the original in the log.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "server/probe.hpp"
#include "server/record.hpp"

namespace router::cli {

namespace {

using core::Error;
using core::ErrorCode;

// The server answers within its own server.request_timeout (10 minutes by default).
constexpr std::chrono::minutes kReplayTimeout{11};
// A replayed answer is printed whole; a stream of this size is already far beyond a chat turn.
constexpr std::size_t kMaxAnswerBytes = 64 << 20;

struct Options {
  std::string id;
  std::string provider;
  std::string model;
};

// The body to send: the stored bytes, or with --model their JSON with "model" replaced (which
// re-serialises it: the exact bytes cannot carry another model).
std::string body_to_send(const db::RequestLog& original, const Options& o) {
  const std::string& stored = *original.request_body;
  if (o.model.empty()) {
    return stored;
  }
  auto doc = core::parse_json(stored, "the stored request body");
  if (!doc.is_object()) {
    throw Error(ErrorCode::kInvalidArgument, "the stored request body is not a JSON object: --model cannot apply");
  }
  doc.as_object()["model"] = o.model;
  return boost::json::serialize(doc);
}

server::ServerRecord this_databases_server(Context& ctx) {
  std::string database_id;
  ctx.config_db().read([&] { database_id = db::SettingsRepository(ctx.config_db()).meta("database_id").value_or(""); });
  for (auto& rec : server::live_servers(ctx.paths().config_db)) {
    if (rec.database_id == database_id) {
      return std::move(rec);
    }
  }
  throw Error(ErrorCode::kUnavailable,
              "no running server serves this database: start 'router serve' (a replay goes through its routing)");
}

int run(const Options& o, Context& ctx) {
  const std::int64_t id = db::parse_request_id_param(o.id, "id");
  if (!o.provider.empty()) {
    core::require_slug(o.provider, "--provider");
  }
  db::LogRepository repo(ctx.logs_db());
  const auto original = repo.find(id);
  if (!original) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("request '{}' not found (never logged, or pruned)", core::format_request_id(id)));
  }
  if (original->method != "POST" || !original->request_body) {
    throw Error(ErrorCode::kNotFound,
                fmt::format("request '{}' has no stored request body to replay (logging.bodies was not full, "
                            "logging.body_retention_days removed it, or it was not a POST)",
                            core::format_request_id(id)));
  }
  if (static_cast<std::int64_t>(original->request_body->size()) < original->request_bytes) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("request '{}' was stored cut at logging.max_body_bytes: it cannot be replayed",
                            core::format_request_id(id)));
  }
  server::ProbeRequest req{.method = "POST",
                           .target = original->endpoint,
                           .bearer = ctx.env()("ROUTER_API_KEY").value_or(""),
                           .headers = {},
                           .body = body_to_send(*original, o),
                           .body_limit = kMaxAnswerBytes};
  if (!o.provider.empty()) {
    req.headers.emplace_back("X-Router-Provider", o.provider);
  }
  const server::ServerRecord rec = this_databases_server(ctx);
  const auto reply = server::probe(rec.listen, req, kReplayTimeout);
  if (!reply) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("the server at {} (pid {}) did not answer the replay", rec.listen, rec.pid));
  }
  const auto new_id = core::parse_request_id(reply->header("X-Request-Id"));
  if (new_id) {
    repo.link_replay(*new_id, id);
  }
  const auto& out = ctx.out();
  const std::string provider = reply->header("X-Router-Provider");
  if (out.json()) {
    out.print_json(boost::json::object{
        {"original", core::format_request_id(id)},
        {"request", new_id ? boost::json::value(core::format_request_id(*new_id)) : boost::json::value(nullptr)},
        {"server", rec.listen},
        {"status", reply->status},
        {"provider", provider.empty() ? boost::json::value(nullptr) : boost::json::value(provider)},
        {"response_body", reply->body},
    });
  } else {
    out.line(fmt::format("replayed {} as {} through {}: HTTP {}{}", core::format_request_id(id),
                         new_id ? core::format_request_id(*new_id) : std::string("(no request id)"), rec.listen,
                         reply->status, provider.empty() ? "" : fmt::format(", provider {}", printable(provider))));
    out.line(printable(reply->body, true));
  }
  if (reply->status == 401) {
    out.note("the server requires a client key (auth.clients is keys): put one in ROUTER_API_KEY");
  }
  return reply->status >= 200 && reply->status < 300 ? 0 : 1;
}

}  // namespace

Runner setup_replay(CLI::App& sub) {
  auto o = std::make_shared<Options>();
  sub.add_option("request_id", o->id, "The logged request to send again (req_…)")->required();
  sub.add_option("--provider", o->provider, "Send it to this provider only (X-Router-Provider)");
  sub.add_option("--model", o->model, "Ask for this model instead (the body is re-serialised)");
  sub.footer(
      "The request goes through the running server of this database, so it is routed, answered and logged "
      "like any other; the new log row links to the original (replay_of). With auth.clients = keys, "
      "ROUTER_API_KEY holds the client key to send.");
  return [o](Context& ctx) { return run(*o, ctx); };
}

}  // namespace router::cli
