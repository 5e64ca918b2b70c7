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

}  // namespace router::db
