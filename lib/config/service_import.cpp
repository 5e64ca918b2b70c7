// The legacy .env import: the plan from legacy_env.cpp applied through the same rules as
// `provider add/edit`, `model link` and `config set`, as one revision.
#include <fmt/format.h>

#include "config/legacy_env.hpp"
#include "config/service.hpp"
#include "config/service_internal.hpp"
#include "core/error.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

Mutation ConfigService::import_legacy(const LegacyImport& plan, const Actor& actor, Mode mode) {
  return mutate(actor, "import legacy .env", mode, [&](detail::Tx& tx) {
    for (const auto& lp : plan.providers) {
      const auto existing = tx.providers.find(lp.provider.id);
      if (!existing) {
        NewProvider p = lp.provider;
        if (p.name && tx.providers.find_by_name(*p.name)) {
          p.name = p.id;  // the display name is taken by a provider the user made: fall back to the id
        }
        detail::do_add_provider(tx, p);
      } else if (existing->type != lp.provider.type) {
        throw Error(ErrorCode::kConflict,
                    fmt::format("provider '{}' exists with type '{}', but the .env configures a '{}' provider under "
                                "that id; rename or remove it first",
                                existing->id, existing->type, lp.provider.type));
      } else {
        // An existing provider keeps its name, priority and state: only the values the file names change.
        ProviderEdit edit;
        edit.config = lp.provider.config;
        detail::do_edit_provider(tx, existing->id, edit);
      }
      if (lp.default_model) {
        bool has_default = false;
        for (const auto& l : tx.models.links_of_provider(lp.provider.id)) {
          has_default = has_default || l.is_default;
        }
        const bool make_default = lp.default_model_explicit || !has_default;
        detail::do_link_model(tx, lp.provider.id, *lp.default_model, LinkOptions{make_default, std::nullopt});
      }
    }
    for (const auto& [key, text] : plan.settings) {
      const auto& decl = require_setting(key);
      detail::do_set_setting(tx, decl, parse_setting(decl, text));
    }
    if (plan.active_provider && !(plan.active_is_fallback && detail::active_provider(tx))) {
      try {
        detail::do_set_setting(tx, require_setting("active_provider"), boost::json::string(*plan.active_provider));
      } catch (const Error& e) {
        if (plan.active_source.empty()) {
          throw;
        }
        throw Error(e.code(), fmt::format("{}: {}", plan.active_source, e.what()));
      }
    }
  });
}

}  // namespace router::config
