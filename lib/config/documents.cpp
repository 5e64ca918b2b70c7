#include "config/documents.hpp"

#include <boost/json.hpp>

#include "config/entities.hpp"
#include "config/legacy_env.hpp"
#include "config/service.hpp"
#include "config/settings.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "providers/types.hpp"

namespace router::config {

namespace {

boost::json::value opt_time(const std::optional<std::int64_t>& ms) {
  return ms ? boost::json::value(core::format_utc(*ms)) : boost::json::value(nullptr);
}

boost::json::value opt_doc(const std::optional<boost::json::object>& doc) {
  return doc ? boost::json::value(*doc) : boost::json::value(nullptr);
}

boost::json::array change_list(const std::vector<ChangeRecord>& changes) {
  boost::json::array out;
  for (const auto& c : changes) {
    out.push_back(boost::json::object{{"entity", c.entity},
                                      {"key", c.key},
                                      {"op", c.op},
                                      {"before", opt_doc(c.before)},
                                      {"after", opt_doc(c.after)}});
  }
  return out;
}

}  // namespace

boost::json::object provider_entity(const db::Provider& p) {
  return {{"id", p.id},           {"name", p.name},         {"type", p.type},
          {"enabled", p.enabled}, {"priority", p.priority}, {"description", p.description}};
}

boost::json::object model_entity(const db::Model& m) {
  boost::json::array caps;
  for (const auto& c : m.capabilities) {
    caps.emplace_back(c);
  }
  return {{"id", m.id}, {"name", m.name}, {"description", m.description}, {"capabilities", std::move(caps)}};
}

boost::json::object link_entity(const db::ModelLink& l) {
  return {{"provider_id", l.provider_id},
          {"model_id", l.model_id},
          {"default", l.is_default},
          {"upstream_model", l.upstream_model ? boost::json::value(*l.upstream_model) : boost::json::value(nullptr)},
          {"config", core::parse_json(l.config_json, "stored link config")}};
}

boost::json::object setting_entity(const db::Setting& s) {
  return {{"key", s.key}, {"value", core::parse_json(s.value_json, "stored setting")}};
}

boost::json::object api_key_entity(const db::ApiKey& k) {
  return {{"name", k.name}, {"id", k.id},     {"scope", k.scope},
          {"prefix", k.prefix}, {"hash", k.hash}, {"revoked", k.revoked_at.has_value()}};
}

boost::json::object api_key_listing(const db::ApiKey& k) {
  return {{"name", k.name},
          {"id", k.id},
          {"scope", k.scope},
          {"prefix", k.prefix},
          {"revoked", k.revoked_at.has_value()},
          {"created_at", core::format_utc(k.created_at)},
          {"last_used_at", opt_time(k.last_used_at)},
          {"revoked_at", opt_time(k.revoked_at)}};
}

boost::json::object revision_summary(const db::Revision& r) {
  return {{"rev", r.rev},       {"at", core::format_utc(r.at)}, {"actor", r.actor},
          {"source", r.source}, {"message", r.message},        {"change_count", r.change_count}};
}

boost::json::object provider_types_document() {
  boost::json::array types;
  for (const auto& t : providers::provider_types()) {
    boost::json::array keys;
    for (const auto& k : t.keys) {
      keys.push_back(boost::json::object{
          {"name", k.name},
          {"type", providers::type_name(k.type)},
          {"required", k.required},
          {"sensitive", k.sensitive},
          {"default", k.fallback.empty() ? boost::json::value(nullptr) : boost::json::parse(k.fallback)},
          {"description", k.description}});
    }
    types.push_back(boost::json::object{{"name", t.name}, {"description", t.description}, {"keys", std::move(keys)}});
  }
  return {{"types", std::move(types)}};
}

boost::json::object settings_schema_document() {
  boost::json::array settings;
  for (const auto& d : setting_decls()) {
    boost::json::object o{{"key", d.key},
                          {"type", type_name(d.type)},
                          {"default", boost::json::parse(d.fallback)},
                          {"description", d.description},
                          {"restart_required", d.restart}};
    if (d.type == SettingType::kInteger || d.type == SettingType::kDurationMs || d.type == SettingType::kSize) {
      o["min"] = d.min;
      o["max"] = d.max;
    }
    if (!d.choices.empty()) {
      boost::json::array choices;
      for (const auto c : d.choices) {
        choices.emplace_back(c);
      }
      o["choices"] = std::move(choices);
    }
    settings.push_back(std::move(o));
  }
  return {{"settings", std::move(settings)}};
}

boost::json::object outcome_document(const Mutation& o) {
  return {{"revision", o.revision ? boost::json::value(*o.revision) : boost::json::value(nullptr)},
          {"dry_run", o.dry_run},
          {"changes", change_list(o.changes)}};
}

boost::json::object switch_document(const Switch& s) {
  auto doc = outcome_document(s.outcome);
  doc["from"] = s.from ? boost::json::value(*s.from) : boost::json::value(nullptr);
  doc["to"] = s.to;
  return doc;
}

boost::json::object created_key_document(const CreatedKey& k) {
  auto doc = outcome_document(k.outcome);
  doc["name"] = k.name;
  doc["scope"] = k.scope;
  doc["prefix"] = k.prefix;
  doc["key"] = k.key;
  return doc;
}

boost::json::object rotation_document(const Rotation& r) {
  return {{"rotated", r.rotated},
          {"old_fingerprint", r.old_fingerprint.empty() ? boost::json::value(nullptr) : boost::json::value(r.old_fingerprint)},
          {"new_fingerprint", r.new_fingerprint.empty() ? boost::json::value(nullptr) : boost::json::value(r.new_fingerprint)},
          {"configs_resealed", r.configs_resealed},
          {"history_resealed", r.history_resealed},
          {"key_source", r.from_env ? "env" : "file"}};
}

boost::json::object import_document(const Mutation& o, const LegacyImport& plan) {
  auto doc = outcome_document(o);
  boost::json::array ignored;
  for (const auto& i : plan.ignored) {
    ignored.push_back(boost::json::object{{"name", i.name}, {"reason", i.reason}});
  }
  boost::json::array used;
  for (const auto& u : plan.used) {
    used.emplace_back(u);
  }
  doc["imported_variables"] = std::move(used);
  doc["ignored_variables"] = std::move(ignored);
  doc["active_provider"] = plan.active_provider ? boost::json::value(*plan.active_provider) : boost::json::value(nullptr);
  return doc;
}

}  // namespace router::config
