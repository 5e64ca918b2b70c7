#include "db/log_types.hpp"

#include <array>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"

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

std::string_view require_endpoint(std::string_view name_or_path, std::string_view param) {
  std::vector<std::string> names;
  for (const auto& e : kEndpoints) {
    if (e.name == name_or_path || e.path == name_or_path) {
      return e.path;
    }
    names.emplace_back(e.name);
  }
  throw core::Error(core::ErrorCode::kInvalidArgument,
                    fmt::format("unknown endpoint '{}': name one of {} or its path",
                                name_or_path.substr(0, 80), core::join(names, ", ")),
                    std::string(param));
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
