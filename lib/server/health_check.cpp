#include "server/health_check.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace router::server {

namespace {

constexpr std::size_t kModelsShown = 20;

std::string base_url_of(const providers::Provider& p) {
  const auto& u = p.base_url();
  return fmt::format("{}://{}{}", u.tls ? "https" : "http", u.host_header(), u.path);
}

}  // namespace

ModelsAnswer models_answer(const providers::Provider& p, FetchResult&& r, std::int64_t latency_us) {
  ModelsAnswer a;
  a.status = r.status;
  a.latency_us = latency_us;
  if (r.error) {
    a.error = std::move(r.error);
  } else if (r.status < 200 || r.status >= 300) {
    a.error = p.models_error(r.status, r.content_type, r.body);
  } else {
    try {
      a.models = p.parse_models(r.body);
    } catch (const core::Error& e) {
      a.error = core::Error(core::ErrorCode::kUpstreamFailed, e.what());
    }
  }
  return a;
}

boost::json::object health_document(const routing::ProviderEntry& entry, const ModelsAnswer* answer,
                                    std::int64_t now_ms) {
  const auto* impl = entry.impl.get();
  boost::json::array models;
  boost::json::array warnings;
  if (answer != nullptr) {
    for (std::size_t i = 0; i < answer->models.size() && i < kModelsShown; ++i) {
      models.emplace_back(answer->models[i].id);
    }
  }
  if (impl != nullptr) {
    for (auto& w : impl->warnings(now_ms)) {
      warnings.emplace_back(std::move(w));
    }
  }
  const bool healthy = answer != nullptr && !answer->error;
  boost::json::value error = nullptr;
  if (answer == nullptr) {
    error = entry.problem;
  } else if (answer->error) {
    error = answer->error->what();
  }
  return {{"provider", entry.row.id},
          {"type", entry.row.type},
          {"enabled", entry.row.enabled},
          {"base_url", impl != nullptr ? boost::json::value(base_url_of(*impl)) : boost::json::value(nullptr)},
          {"healthy", healthy},
          {"status", answer != nullptr && answer->status != 0 ? boost::json::value(answer->status)
                                                                : boost::json::value(nullptr)},
          {"latency_ms", answer != nullptr ? boost::json::value(static_cast<double>(answer->latency_us) / 1000.0)
                                           : boost::json::value(nullptr)},
          {"model_count", healthy ? boost::json::value(answer->models.size()) : boost::json::value(nullptr)},
          {"models", std::move(models)},
          {"error", std::move(error)},
          {"warnings", std::move(warnings)}};
}

}  // namespace router::server
