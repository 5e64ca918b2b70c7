#include <fmt/format.h>

#include "core/error.hpp"
#include "providers/openai.hpp"
#include "providers/provider.hpp"

namespace router::providers {

ProviderPtr make_provider(std::string id, std::string_view type, boost::json::object config) {
  const ProviderType& t = require_type(type);
  if (t.name == "openai" || t.name == "lm-studio" || t.name == "qwen-proxy") {
    return std::make_shared<OpenAiCompatible>(std::move(id), t, std::move(config));
  }
  throw core::Error(core::ErrorCode::kInvalidArgument,
                    fmt::format("provider '{}': type '{}' cannot serve requests in this build", id, t.name));
}

}  // namespace router::providers
