#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <set>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "providers/provider.hpp"
#include "routing/routing.hpp"
#include "secrets/secrets.hpp"
#include "server/probe.hpp"
#include "server/record.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string model;
  std::string provider;
  std::string endpoint;  ///< a dialect's name or path; "" for chat completions
};

std::string percent_encode(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Who answered: the running server of this database, or this process.
struct Answer {
  boost::json::object decision;
  std::optional<server::ServerRecord> server;
  std::vector<std::string> notes;  ///< why it was computed here, what could not be checked
};

// GET /v1/route from a live server of this database (verified by its database id). The server
// resolves env: references in its own environment and routes with its own snapshot, so its
// answer is the truth; an error it answers (404 for an unknown provider) is the command's error.
std::optional<Answer> ask_server(const Options& opt, Context& ctx, std::vector<std::string>& notes) {
  std::string database_id;
  ctx.config_db().read([&] { database_id = db::SettingsRepository(ctx.config_db()).meta("database_id").value_or(""); });
  std::string target = "/v1/route?model=" + percent_encode(opt.model);
  if (!opt.provider.empty()) {
    target += "&provider=" + percent_encode(opt.provider);
  }
  if (!opt.endpoint.empty()) {
    target += "&endpoint=" + percent_encode(opt.endpoint);
  }
  for (const auto& rec : server::live_servers(ctx.paths().config_db)) {
    if (rec.database_id != database_id) {
      continue;
    }
    const auto reply = server::probe_get(rec.listen, target, rec.token, std::chrono::seconds(3));
    if (!reply) {
      notes.push_back(fmt::format("the server at {} (pid {}) did not answer", rec.listen, rec.pid));
      continue;
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(reply->body, ec);
    if (reply->status != 200) {
      const auto* msg = !ec && doc.is_object() ? doc.as_object().if_contains("error") : nullptr;
      const auto* text = msg != nullptr && msg->is_object() ? msg->as_object().if_contains("message") : nullptr;
      if (text != nullptr && text->is_string()) {
        throw core::Error(core::code_for_status(reply->status), std::string(text->as_string()));
      }
      notes.push_back(fmt::format("the server at {} (pid {}) answered HTTP {}", rec.listen, rec.pid, reply->status));
      continue;
    }
    if (ec || !doc.is_object()) {
      notes.push_back(fmt::format("the server at {} (pid {}) answered something unreadable", rec.listen, rec.pid));
      continue;
    }
    return Answer{std::move(doc.as_object()), rec, {}};
  }
  return std::nullopt;
}

// The same decision from the database alone. env: references belong to the server's environment,
// not this shell's: they are taken as set, and named so the reader knows what was assumed.
Answer compute_locally(const Options& opt, Context& ctx, std::vector<std::string> notes) {
  auto assumed = std::make_shared<std::set<std::string>>();
  const core::EnvLookup server_env = [assumed](std::string_view name) -> std::optional<std::string> {
    assumed->insert(std::string(name));
    return std::string("(resolved by the server)");
  };
  const secrets::KeyStore keys(ctx.paths().key_file, ctx.env());
  const auto snap = routing::load_snapshot(ctx.config_db(), keys, server_env);
  std::optional<std::string> pinned;
  if (!opt.provider.empty()) {
    (void)routing::require_provider(*snap, opt.provider);
    pinned = opt.provider;
  }
  const auto dialect = opt.endpoint.empty() ? core::Dialect::kChat
                                            : core::require_dialect(opt.endpoint, "endpoint").dialect;
  const auto d = routing::decide(*snap, opt.model, pinned, dialect);
  notes.insert(notes.begin(), "no server of this database is running: computed from the database");
  if (!assumed->empty()) {
    std::string names;
    for (const auto& n : *assumed) {
      names += (names.empty() ? "" : ", ") + n;
    }
    notes.push_back(fmt::format("env: references are resolved in the server's environment, taken as set here: {}", names));
  }
  return Answer{routing::decision_json(*snap, d), std::nullopt, std::move(notes)};
}

std::string str(const boost::json::value* v) {
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int run(const Options& opt, Context& ctx) {
  if (!opt.provider.empty()) {
    core::require_slug(opt.provider, "provider");
  }
  if (!opt.endpoint.empty()) {
    (void)core::require_dialect(opt.endpoint, "endpoint");
  }
  std::vector<std::string> notes;
  auto answer = ask_server(opt, ctx, notes);
  if (!answer) {
    answer = compute_locally(opt, ctx, std::move(notes));
  }
  auto& doc = answer->decision;
  const auto& out = ctx.out();
  if (out.json()) {
    boost::json::object source{{"answered_by", answer->server ? "server" : "local"}};
    if (answer->server) {
      source["listen"] = answer->server->listen;
      source["pid"] = answer->server->pid;
    }
    boost::json::array n;
    for (const auto& s : answer->notes) {
      n.emplace_back(s);
    }
    source["notes"] = std::move(n);
    doc["source"] = std::move(source);
    out.print_json(doc);
    return 0;
  }
  if (answer->server) {
    out.line(out.dim(fmt::format("asked the running server at http://{} (pid {})", answer->server->listen,
                                 answer->server->pid)));
  }
  for (const auto& n : answer->notes) {
    out.line(out.dim(n));
  }
  const auto active = str(doc.if_contains("active_provider"));
  const auto endpoint = str(doc.if_contains("endpoint"));
  out.line(fmt::format("model {}{}{}: active provider {}, fallback {}, at most {} attempt(s)",
                       opt.model.empty() ? "(default)" : "'" + printable(opt.model) + "'",
                       opt.provider.empty() ? "" : fmt::format(", pinned to '{}'", opt.provider),
                       endpoint.empty() || endpoint == "/v1/chat/completions" ? "" : " on " + printable(endpoint),
                       active.empty() ? "(none)" : "'" + printable(active) + "'",
                       doc.at("fallback").as_bool() ? "on" : "off", boost::json::serialize(doc.at("max_attempts"))));
  const auto& candidates = doc.at("candidates").as_array();
  if (candidates.empty()) {
    out.line(out.red("no candidate: requests get 503 no_provider_available"));
  } else {
    Table t({"#", "PROVIDER", "TYPE", "SENDS MODEL", "WHY"});
    int i = 1;
    for (const auto& c : candidates) {
      const auto& o = c.as_object();
      t.add({std::to_string(i++), str(o.if_contains("provider")), str(o.if_contains("type")),
             str(o.if_contains("model")), str(o.if_contains("reason"))});
    }
    t.print(out);
  }
  const auto& skipped = doc.at("skipped").as_array();
  if (!skipped.empty()) {
    out.line("");
    Table t({"SKIPPED", "REASON"});
    for (const auto& s : skipped) {
      t.add({str(s.as_object().if_contains("provider")), str(s.as_object().if_contains("reason"))});
    }
    t.print(out);
  }
  return 0;
}

}  // namespace

Runner setup_route(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("--model,-m", opt->model, "The model a request names (default: the provider's default)");
  sub.add_option("--provider,-p", opt->provider, "Pin the request to one provider (like X-Router-Provider)");
  sub.add_option("--endpoint,-e", opt->endpoint,
                 "The API the request is in: chat (default), messages, responses, embeddings, completions, "
                 "count_tokens, or its path");
  sub.footer("Asks the running server of this database (GET /v1/route) when there is one; otherwise computes "
             "the decision from the database and says so.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
