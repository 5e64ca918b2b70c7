#include "db/log_types.hpp"

#include <array>

namespace router::db {

namespace {
constexpr std::array<std::pair<Outcome, std::string_view>, 7> kNames{{
    {Outcome::kOk, "ok"},
    {Outcome::kClientError, "client_error"},
    {Outcome::kUpstreamError, "upstream_error"},
    {Outcome::kTimeout, "timeout"},
    {Outcome::kTruncated, "truncated"},
    {Outcome::kCancelled, "cancelled"},
    {Outcome::kNoProvider, "no_provider"},
}};

// Every client route the proxy logs; a route added to lib/server/routes.cpp gets its name here.
constexpr std::array<EndpointName, 6> kEndpoints{{
    {"chat", "/v1/chat/completions"},
    {"messages", "/v1/messages"},
    {"responses", "/v1/responses"},
    {"embeddings", "/v1/embeddings"},
    {"completions", "/v1/completions"},
    {"count_tokens", "/v1/messages/count_tokens"},
}};
}  // namespace

std::string_view outcome_name(Outcome o) noexcept {
  for (const auto& [k, n] : kNames) {
    if (k == o) {
      return n;
    }
  }
  return "ok";
}

std::optional<Outcome> parse_outcome(std::string_view name) noexcept {
  for (const auto& [k, n] : kNames) {
    if (n == name) {
      return k;
    }
  }
  return std::nullopt;
}

std::span<const EndpointName> endpoint_names() noexcept { return kEndpoints; }

std::optional<std::string_view> endpoint_path(std::string_view name) noexcept {
  for (const auto& e : kEndpoints) {
    if (e.name == name) {
      return e.path;
    }
  }
  return std::nullopt;
}

std::string_view endpoint_name(std::string_view path) noexcept {
  for (const auto& e : kEndpoints) {
    if (e.path == path) {
      return e.name;
    }
  }
  return {};
}

}  // namespace router::db
