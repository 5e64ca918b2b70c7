#include "providers/anthropic.hpp"
#include "providers/openai.hpp"
#include "providers/provider.hpp"
#include "providers/qwen_direct.hpp"

namespace router::providers {

ProviderPtr make_provider(std::string id, std::string_view type, boost::json::object config) {
  const ProviderType& t = require_type(type);
  if (t.name == "qwen-direct") {
    return std::make_shared<QwenDirect>(std::move(id), t, std::move(config));
  }
  if (t.name == "anthropic") {
    return std::make_shared<Anthropic>(std::move(id), t, std::move(config));
  }
  // openai, lm-studio, qwen-proxy: every other registered type speaks OpenAI's API.
  return std::make_shared<OpenAiCompatible>(std::move(id), t, std::move(config));
}

}  // namespace router::providers
