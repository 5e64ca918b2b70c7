// `router history show REQUEST_ID`: everything about one logged request; with --request or
// --response, one stored body byte for byte.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "core/dialect.hpp"
#include "command.hpp"
#include "context.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "db/log_documents.hpp"
#include "db/sqlite/log_repository.hpp"
#include "log_format.hpp"

namespace router::cli {

namespace {

void field(const Output& out, std::string_view name, const std::string& value) {
  out.line(fmt::format("{:<10}{}", name, value));
}

// Bodies are stored as received; valid JSON is re-indented, anything else (a body cut at
// logging.max_body_bytes is no longer valid JSON) is printed as text.
void print_body(const Output& out, std::string_view label, const std::optional<std::string>& body,
                std::int64_t original_bytes, bool truncated_flag) {
  out.line("");
  if (!body) {
    out.line(fmt::format("{} {}", out.bold(std::string(label)), out.dim("(not logged)")));
    return;
  }
  const bool truncated = truncated_flag && static_cast<std::int64_t>(body->size()) < original_bytes;
  std::string note = format_bytes(original_bytes);
  if (truncated) {
    note += ", " + out.yellow(fmt::format("TRUNCATED: first {} stored",
                                          format_bytes(static_cast<std::int64_t>(body->size()))));
  }
  out.line(fmt::format("{} ({})", out.bold(std::string(label)), note));
  bool valid = true;
  try {
    (void)core::parse_json(*body, "body");
  } catch (const core::Error&) {
    valid = false;
  }
  out.line(printable(valid ? reindent_json(*body) : *body, true));
  if (truncated) {
    out.line(out.yellow("… (truncated)"));
  }
}

void print_human(const Output& out, const db::RequestLog& r) {
  field(out, "request", out.bold(core::format_request_id(r.request_id)));
  field(out, "time",
        fmt::format("{}  {}", core::format_local(r.created_at),
                    out.dim(core::format_utc(r.created_at))));
  // The dialect's name too: it is what `history --endpoint` takes.
  const auto* dialect = core::dialect_of_path(r.endpoint);
  const std::string_view name = dialect != nullptr ? dialect->name : std::string_view();
  const std::string notes = r.stream ? (name.empty() ? "stream" : fmt::format("{}, stream", name)) : std::string(name);
  field(out, "endpoint", fmt::format("{} {}{}", printable(r.method), printable(r.endpoint),
                                     notes.empty() ? "" : fmt::format("  ({})", notes)));
  field(out, "client", fmt::format("{}  key {}", or_dash(r.client_addr), or_dash(r.api_key_name)));
  field(out, "model",
        r.model_sent.empty() || r.model_sent == r.model_requested
            ? or_dash(r.model_requested)
            : fmt::format("{} → {}", or_dash(r.model_requested), printable(r.model_sent)));
  field(out, "provider",
        r.provider_type.empty()
            ? or_dash(r.provider_id)
            : fmt::format("{} ({})", printable(r.provider_id), printable(r.provider_type)));
  if (r.replay_of) {
    field(out, "replay of", core::format_request_id(*r.replay_of));
  }
  field(out, "status", fmt::format("{} {}", r.status, paint_outcome(out, r.outcome)));
  if (!r.error.empty()) {
    field(out, "error", out.red(printable(r.error)));
  }
  field(
      out, "timing",
      fmt::format("total {}  first byte {}  first token {}  upstream {}", format_us(r.duration_us),
                  format_us(r.ttfb_us), format_us(r.ttft_us), format_us(r.upstream_us)));
  auto tokens = [](const std::optional<std::int64_t>& t) {
    return t ? std::to_string(*t) : std::string("-");
  };
  field(out, "tokens",
        fmt::format("prompt {}  completion {}  total {}", tokens(r.prompt_tokens),
                    tokens(r.completion_tokens), tokens(r.total_tokens)));
  field(out, "bytes",
        fmt::format("request {}  response {}", format_bytes(r.request_bytes),
                    format_bytes(r.response_bytes)));

  out.line("");
  if (r.attempts.empty()) {
    out.line(fmt::format("{} {}", out.bold("attempts"), out.dim("(none: no provider was tried)")));
  } else {
    out.line(out.bold("attempts"));
    Table table({"#", "PROVIDER", "TYPE", "MODEL", "STATUS", "DURATION", "ERROR"});
    for (std::size_t i = 0; i < r.attempts.size(); ++i) {
      const db::RequestAttempt& a = r.attempts[i];
      table.add({std::to_string(i + 1), a.provider_id, a.provider_type, or_dash(a.model_sent), a.status ? std::to_string(*a.status) : "-",
                 format_us(a.duration_us), or_dash(a.error)});
    }
    table.print(out);
  }
  print_body(out, "request body", r.request_body, r.request_bytes, r.body_truncated);
  print_body(out, "response body", r.response_body, r.response_bytes, r.body_truncated);
}

enum class Part : std::uint8_t { kAll, kRequest, kResponse };

// The body exactly as it was received or sent. On a terminal it is escaped like all client text
// (a body may carry escape sequences); redirected or piped, it is the stored bytes unchanged.
int print_part(Context& ctx, const db::RequestLog& r, Part part) {
  const auto& body = part == Part::kRequest ? r.request_body : r.response_body;
  const std::string_view name = part == Part::kRequest ? "request" : "response";
  if (!body) {
    throw core::Error(core::ErrorCode::kNotFound,
                      fmt::format("request '{}' has no stored {} body (logging.bodies was not full, or "
                                  "logging.body_retention_days removed it)",
                                  core::format_request_id(r.request_id), name));
  }
  if (::isatty(STDOUT_FILENO) == 1) {
    ctx.out().line(printable(*body, true));
    return 0;
  }
  if (std::fwrite(body->data(), 1, body->size(), stdout) != body->size() || std::fflush(stdout) != 0) {
    throw core::Error(core::ErrorCode::kInternal, fmt::format("cannot write the {} body to stdout", name));
  }
  return 0;
}

int run(const std::string& id_text, Part part, Context& ctx) {
  const std::int64_t id = db::parse_request_id_param(id_text, "id");
  if (part != Part::kAll && ctx.out().json()) {
    throw core::Error(core::ErrorCode::kInvalidArgument,
                      "--request and --response print the stored bytes, not a document: drop --json");
  }
  db::LogRepository repo(ctx.logs_db());
  const auto request = repo.find(id);
  if (!request) {
    throw core::Error(core::ErrorCode::kNotFound,
                      fmt::format("request '{}' not found (never logged, or pruned)",
                                  core::format_request_id(id)));
  }
  if (part != Part::kAll) {
    return print_part(ctx, *request, part);
  }
  if (ctx.out().json()) {
    ctx.out().print_json(db::request_document(*request));
  } else {
    print_human(ctx.out(), *request);
  }
  return 0;
}

}  // namespace

Runner setup_history_show(CLI::App& sub) {
  auto id = std::make_shared<std::string>();
  auto request = std::make_shared<bool>(false);
  auto response = std::make_shared<bool>(false);
  sub.add_option("request_id", *id, "The request id (req_…), from 'router history' or X-Request-Id")
      ->required();
  auto* req_flag = sub.add_flag("--request", *request, "Print only the request body, byte for byte as received");
  sub.add_flag("--response", *response, "Print only the response body, byte for byte as sent (streams: reassembled)")
      ->excludes(req_flag);
  return [id, request, response](Context& ctx) {
    return run(*id, *request ? Part::kRequest : *response ? Part::kResponse : Part::kAll, ctx);
  };
}

}  // namespace router::cli
