#pragma once

#include <optional>

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "routing/snapshot.hpp"

namespace router::routing {

/// A provider to try, in order, and the model it would be sent.
struct Candidate {
  const ProviderEntry* provider = nullptr;
  std::string model;  ///< what goes upstream (DESIGN.md §5 rule 2)
  std::string why;    ///< "pinned", "active provider", "fallback (priority 5)"
};

/// A provider that will not be tried, and why.
struct Skipped {
  std::string provider_id;
  std::string reason;
};

/// The routing decision for one request (DESIGN.md §5), also what `router route` explains.
struct Decision {
  std::string model;                 ///< as requested ("" when none)
  std::optional<std::string> pinned; ///< X-Router-Provider
  core::Dialect dialect = core::Dialect::kChat;
  std::vector<Candidate> candidates; ///< bounded by routing.max_attempts
  std::vector<Skipped> skipped;      ///< every other provider, with the reason
};

/// Decides candidates for a request for `model`, optionally pinned to one provider. With
/// `explain` false the skipped list is filled only when no candidate came out (the request path
/// needs reasons only to refuse), and candidates carry no `why`.
/// Providers that cannot serve `dialect` (embeddings on an anthropic provider) are skipped.
[[nodiscard]] Decision decide(const Snapshot& snapshot, std::string_view model,
                              const std::optional<std::string>& pinned,
                              core::Dialect dialect = core::Dialect::kChat, bool explain = true);

/// The document `router route --json` prints and GET /v1/route returns.
[[nodiscard]] boost::json::object decision_json(const Snapshot& snapshot, const Decision& decision);

/// The provider `id`, or kNotFound "provider 'x' not found (did you mean 'y'?)" naming `param`
/// (core::throw_not_found): every lookup of a provider by id the user typed (`router route`,
/// `router test`, GET /v1/route, GET /v1/models?provider=, POST /v1/providers/{id}/test).
[[nodiscard]] const ProviderEntry& require_provider(const Snapshot& snapshot, std::string_view id,
                                                   std::string_view param = {});

/// True for the model names that mean "the provider's default".
[[nodiscard]] bool is_default_model(std::string_view model) noexcept;

}  // namespace router::routing
