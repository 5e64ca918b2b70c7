#include "routing/routing.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace router::routing {

bool is_default_model(std::string_view model) noexcept { return model.empty() || model == "default"; }

namespace {

// Rule 2: the model provider `p` is sent for a request naming `model`; nullopt when `p` has no
// default to offer for an unnamed model.
std::optional<std::string> model_for(const Snapshot& s, const ProviderEntry& p, std::string_view model) {
  if (is_default_model(model)) {
    if (const auto it = s.default_link.find(p.row.id); it != s.default_link.end()) {
      return it->second.upstream_model.value_or(it->second.model_id);
    }
    if (p.impl && p.impl->default_model()) {
      return *p.impl->default_model();
    }
    return std::nullopt;
  }
  if (const auto* l = s.link(p.row.id, model); l != nullptr && l->upstream_model) {
    return *l->upstream_model;
  }
  return std::string(model);
}

// Why `p` cannot be tried at all for a request in `dialect`, or "" when it can.
std::string unusable(const ProviderEntry& p, core::Dialect dialect) {
  if (!p.row.enabled) {
    return "disabled";
  }
  if (!p.impl) {
    return fmt::format("configuration problem: {}", p.problem);
  }
  if (!p.impl->serves(dialect)) {
    return fmt::format("{} providers do not serve {}", p.row.type, core::dialect_info(dialect).path);
  }
  return {};
}

// Open breakers' candidates: skipped when any other candidate exists, else tried as the last resort.
void place_open(Decision& d, std::vector<Candidate> open, std::size_t max_attempts, bool explain) {
  const bool last_resort = d.candidates.empty();
  for (auto& c : open) {
    const auto& b = *c.provider->breaker;
    if (last_resort && d.candidates.size() < max_attempts) {
      if (explain) {
        c.why += fmt::format(" (circuit open until {}: no other candidate)", core::format_utc(b.open_until()));
      }
      d.candidates.push_back(std::move(c));
    } else if (explain || d.candidates.empty()) {
      d.skipped.push_back({c.provider->row.id, fmt::format("circuit open until {} after {} consecutive failures",
                                                           core::format_utc(b.open_until()), b.consecutive_failures())});
    }
  }
}

}  // namespace

Decision decide(const Snapshot& s, std::string_view model, const std::optional<std::string>& pinned,
                core::Dialect dialect, bool explain) {
  Decision d;
  // Reasons are formatted text, only worth building when someone will read them: always when
  // explaining, else only until a candidate turns up (a refusal quotes them).
  auto skip = [&](const std::string& id, auto&& reason) {
    if (explain || d.candidates.empty()) {
      d.skipped.push_back({id, std::string(reason())});
    }
  };
  d.model = std::string(model);
  d.pinned = pinned;
  d.dialect = dialect;
  const auto max_attempts = s.hot.max_attempts;
  const bool fallback = s.hot.fallback;
  const std::string& active = s.active_provider();

  // Providers whose breaker is open wait here: tried only when no other candidate is left.
  const auto now = core::now_ms();
  std::vector<Candidate> open;
  auto consider = [&](const ProviderEntry& p, auto&& why) {
    if (auto reason = unusable(p, dialect); !reason.empty()) {
      skip(p.row.id, [&] { return std::move(reason); });
      return;
    }
    auto sent = model_for(s, p, model);
    if (!sent) {
      skip(p.row.id, [&] { return "no default model (link one with --default or set defaultModel)"; });
      return;
    }
    if (p.breaker && p.breaker->state(now) == Breaker::State::kOpen) {
      open.push_back({&p, std::move(*sent), explain ? std::string(why()) : std::string()});
      return;
    }
    if (d.candidates.size() >= max_attempts) {
      skip(p.row.id, [&] { return fmt::format("beyond routing.max_attempts ({})", max_attempts); });
      return;
    }
    d.candidates.push_back({&p, std::move(*sent), explain ? std::string(why()) : std::string()});
  };

  if (pinned) {
    const ProviderEntry* p = s.find(*pinned);
    if (p != nullptr) {
      consider(*p, [] { return "pinned by X-Router-Provider"; });
      place_open(d, std::move(open), max_attempts, explain);
    }
    if (explain || d.candidates.empty()) {
      std::vector<Skipped> others;  // listed before the pinned provider's own reason
      for (const auto& e : s.providers) {
        if (&e != p) {
          others.push_back({e.row.id, fmt::format("request pinned to '{}'", *pinned)});
        }
      }
      d.skipped.insert(d.skipped.begin(), std::make_move_iterator(others.begin()), std::make_move_iterator(others.end()));
    }
    return d;
  }

  const ProviderEntry* first = active.empty() ? nullptr : s.find(active);
  if (first != nullptr) {
    consider(*first, [] { return "active provider"; });
  } else if (!active.empty()) {
    skip(active, [&] { return "the active provider does not exist"; });
  }
  for (const auto& p : s.providers) {
    if (&p == first) {
      continue;
    }
    if (!fallback) {
      skip(p.row.id, [&] { return "routing.fallback is off"; });
      continue;
    }
    // Unusable first: a disabled or misconfigured provider has no model to offer either, and
    // "disabled" is the reason that matters.
    if (auto reason = unusable(p, dialect); !reason.empty()) {
      skip(p.row.id, [&] { return std::move(reason); });
      continue;
    }
    const bool linked = is_default_model(model) ? (s.default_link.contains(p.row.id) || p.impl->default_model())
                                                : s.link(p.row.id, model) != nullptr;
    if (!linked) {
      skip(p.row.id, [&] { return is_default_model(model) ? "no default model"
                                                             : fmt::format("not linked to model '{}'", model); });
      continue;
    }
    consider(p, [&] { return fmt::format("fallback (priority {})", p.row.priority); });
  }
  place_open(d, std::move(open), max_attempts, explain);
  if (!explain && !d.candidates.empty()) {
    d.skipped.clear();  // reasons recorded before the first candidate: nobody reads them
  }
  return d;
}

const ProviderEntry& require_provider(const Snapshot& s, std::string_view id, std::string_view param) {
  if (const auto* p = s.find(id)) {
    return *p;
  }
  std::vector<std::string> ids;
  ids.reserve(s.providers.size());
  for (const auto& p : s.providers) {
    ids.push_back(p.row.id);
  }
  core::throw_not_found("provider", id, ids, std::string(param));
}

}  // namespace router::routing

namespace router::routing {

boost::json::object decision_json(const Snapshot& snapshot, const Decision& d) {
  boost::json::array candidates;
  for (const auto& c : d.candidates) {
    candidates.push_back(boost::json::object{{"provider", c.provider->row.id},
                                             {"type", c.provider->row.type},
                                             {"model", c.model},
                                             {"base_url", c.provider->impl ? boost::json::value(c.provider->impl->base_url().host_header())
                                                                           : boost::json::value(nullptr)},
                                             {"reason", c.why}});
  }
  boost::json::array skipped;
  for (const auto& s : d.skipped) {
    skipped.push_back(boost::json::object{{"provider", s.provider_id}, {"reason", s.reason}});
  }
  return {{"model", d.model.empty() ? boost::json::value(nullptr) : boost::json::value(d.model)},
          {"pinned", d.pinned ? boost::json::value(*d.pinned) : boost::json::value(nullptr)},
          {"endpoint", core::dialect_info(d.dialect).path},
          {"active_provider", snapshot.active_provider().empty() ? boost::json::value(nullptr)
                                                                  : boost::json::value(snapshot.active_provider())},
          {"fallback", snapshot.settings.boolean("routing.fallback")},
          {"max_attempts", snapshot.settings.integer("routing.max_attempts")},
          {"candidates", std::move(candidates)},
          {"skipped", std::move(skipped)}};
}

}  // namespace router::routing
