#include "core/dialect.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"

namespace router::core {

namespace {

constexpr DialectInfo kDialects[] = {
    {Dialect::kChat, "chat", "/v1/chat/completions"},
    {Dialect::kMessages, "messages", "/v1/messages"},
    {Dialect::kResponses, "responses", "/v1/responses"},
    {Dialect::kEmbeddings, "embeddings", "/v1/embeddings"},
    {Dialect::kCompletions, "completions", "/v1/completions"},
    {Dialect::kCountTokens, "count_tokens", "/v1/messages/count_tokens"},
};

}  // namespace

std::span<const DialectInfo> dialects() noexcept { return kDialects; }

const DialectInfo& dialect_info(Dialect d) noexcept { return kDialects[static_cast<std::size_t>(d)]; }

const DialectInfo* dialect_of_path(std::string_view path) noexcept {
  for (const auto& d : kDialects) {
    if (d.path == path) {
      return &d;
    }
  }
  return nullptr;
}

const DialectInfo& require_dialect(std::string_view name_or_path, std::string_view param) {
  std::vector<std::string> names;
  for (const auto& d : kDialects) {
    if (d.name == name_or_path || d.path == name_or_path) {
      return d;
    }
    names.emplace_back(d.name);
  }
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("unknown endpoint '{}': name one of {} or its path", name_or_path.substr(0, 80),
                          join(names, ", ")),
              std::string(param));
}

}  // namespace router::core
