#include "server/health_check.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"

namespace router::server {

namespace {

constexpr std::size_t kModelsShown = 20;
constexpr std::size_t kMaxModelList = 16 * 1024 * 1024;

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

void fetch_models(http::UpstreamPool& pool, const providers::ProviderPtr& impl, std::function<void(ModelsAnswer&&)> done) {
  const auto started = core::mono_ns();
  // `impl` is captured so the provider outlives a snapshot replaced while the request is out.
  fetch(pool, *impl, impl->models_request(), kMaxModelList, [impl, started, done = std::move(done)](FetchResult&& r) {
    done(models_answer(*impl, std::move(r), (core::mono_ns() - started) / 1000));
  });
}

ModelsAnswer fetch_models_blocking(const providers::ProviderPtr& impl) {
  const auto started = core::mono_ns();
  auto r = fetch_blocking(*impl, impl->models_request(), kMaxModelList);
  return models_answer(*impl, std::move(r), (core::mono_ns() - started) / 1000);
}

void check_health(http::UpstreamPool& pool, const routing::ProviderEntry& entry,
                  std::function<void(boost::json::object&&)> done) {
  if (!entry.impl) {
    // A configuration that cannot work (a secret that does not open, an unset env: reference)
    // is an unhealthy provider, not a failed call.
    return done(health_document(entry, nullptr, core::now_ms()));
  }
  fetch_models(pool, entry.impl, [&entry, done = std::move(done)](ModelsAnswer&& a) {
    done(health_document(entry, &a, core::now_ms()));
  });
}

boost::json::object check_health_blocking(const routing::ProviderEntry& entry) {
  if (!entry.impl) {
    return health_document(entry, nullptr, core::now_ms());
  }
  const auto answer = fetch_models_blocking(entry.impl);
  return health_document(entry, &answer, core::now_ms());
}

}  // namespace router::server
