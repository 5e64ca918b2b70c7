#include "support/log_rows.hpp"

#include "core/ids.hpp"
#include "db/sqlite/schema.hpp"

namespace router::test {

std::int64_t request_id_at(std::int64_t ms, std::int64_t seq) {
  return core::first_request_id_at(ms) | seq;
}

db::RequestLog make_log(std::int64_t ms, std::int64_t seq, const std::string& provider,
                        const std::string& model, db::Outcome outcome, std::int64_t duration_us) {
  db::RequestLog r;
  r.request_id = request_id_at(ms, seq);
  r.created_at = ms;
  r.endpoint = "/v1/chat/completions";
  r.method = "POST";
  r.client_addr = "127.0.0.1";
  r.api_key_name = "ci";
  r.model_requested = model;
  r.model_sent = model + "-upstream";
  r.provider_id = provider;
  r.provider_type = "openai";
  r.stream = seq % 2 == 1;
  const bool ok = outcome == db::Outcome::kOk;
  r.status = ok ? 200 : 502;
  r.outcome = outcome;
  r.error = ok ? "" : "upstream returned 502";
  r.duration_us = duration_us;
  r.ttfb_us = duration_us / 4;
  r.ttft_us = duration_us / 3;
  r.upstream_us = duration_us - 100;
  r.prompt_tokens = 10 + seq;
  r.completion_tokens = 20 + seq;
  r.total_tokens = 30 + 2 * seq;
  r.request_body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})";
  r.response_body =
      R"({"object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hello"}}]})";
  r.request_bytes = static_cast<std::int64_t>(r.request_body->size());
  r.response_bytes = static_cast<std::int64_t>(r.response_body->size());
  if (!ok) {
    r.attempts.push_back(
        {provider, "openai", model + "-upstream", 503, "upstream returned 503", duration_us / 2});
  }
  r.attempts.push_back({provider, "openai", model + "-upstream",
                        ok ? std::optional<int>(200) : std::optional<int>(502),
                        ok ? "" : "upstream returned 502", duration_us / 2});
  return r;
}

LogsDb::LogsDb(const std::filesystem::path& path)
    : db(db::open_current(path, db::DbKind::kLogs)), repo(db) {}

}  // namespace router::test
