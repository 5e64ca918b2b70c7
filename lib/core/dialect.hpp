#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace router::core {

/// The API a client spoke (docs/dialects.md). Every provider serves chat completions, Messages
/// and Responses, translating through the chat form when its wire is another; a provider that
/// speaks the client's dialect itself gets the client's bytes (pass-through). Embeddings,
/// completions and token counts are served by pass-through only. The request log stores the
/// dialect's path as the row's endpoint.
enum class Dialect : std::uint8_t { kChat, kMessages, kResponses, kEmbeddings, kCompletions, kCountTokens };

struct DialectInfo {
  Dialect dialect;
  std::string_view name;  ///< "messages": what `history --endpoint` and `route --endpoint` take
  std::string_view path;  ///< "/v1/messages": the route, and the request log's endpoint
};

/// One row per dialect, in enum order: the one table of dialect names and paths.
[[nodiscard]] std::span<const DialectInfo> dialects() noexcept;
[[nodiscard]] const DialectInfo& dialect_info(Dialect d) noexcept;
/// The dialect whose route is `path`, or nullptr (a row of another route: /v1/models).
[[nodiscard]] const DialectInfo* dialect_of_path(std::string_view path) noexcept;
/// The dialect named by its short name or its path, or kInvalidArgument naming `param` and the
/// accepted names.
[[nodiscard]] const DialectInfo& require_dialect(std::string_view name_or_path, std::string_view param);

}  // namespace router::core
