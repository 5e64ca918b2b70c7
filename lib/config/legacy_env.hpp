#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/service.hpp"

namespace router::config {

/// One assignment of a .env file.
struct EnvVariable {
  std::string name;
  std::string value;
  int line = 0;
};

/// Parses .env text as the earlier Node.js implementation's dotenv did: NAME=VALUE lines, '#'
/// comments and blank lines, an optional `export ` prefix, values bare (an inline " #comment" is
/// dropped), in single quotes (literal) or double quotes (\n, \t, \", \\ escapes; may span lines).
/// A later assignment of the same name wins. Throws kInvalidArgument naming the line; values never
/// appear in messages (they may be secrets).
[[nodiscard]] std::vector<EnvVariable> parse_dotenv(std::string_view text);

/// A provider the import creates (or updates: only its config is touched when it exists).
struct LegacyProvider {
  NewProvider provider;  ///< secrets travel as ConfigInput::secret and are sealed by the service
  std::optional<std::string> default_model;  ///< created and linked as the provider's default
  /// The file named the model: it becomes the default even over a default the user chose since.
  /// Otherwise it only becomes the default of a provider that has none.
  bool default_model_explicit = false;
};

struct IgnoredVariable {
  std::string name;
  std::string reason;
};

/// What a legacy .env maps to (docs/cli.md has the table). Pure data: the service applies it.
struct LegacyImport {
  std::vector<LegacyProvider> providers;
  std::optional<std::string> active_provider;
  /// true when DEFAULT_PROVIDER was absent: the import then only fills an empty active provider.
  bool active_is_fallback = false;
  std::string active_source;  ///< "DEFAULT_PROVIDER=<value>" for messages, empty for the fallback
  std::vector<std::pair<std::string, std::string>> settings;  ///< setting key, CLI text
  std::vector<std::string> used;  ///< variables that were imported, in file order
  /// What the mapping decided beyond copying a value ("QWEN_API_KEY → provider 'qwen-dashscope'
  /// (OpenAI-compatible DashScope API)"), for the human output.
  std::vector<std::string> inferred;
  std::vector<IgnoredVariable> ignored;
};

/// Maps the variables of the earlier implementation's .env to providers, configs, models, links,
/// settings and the active provider. Throws kInvalidArgument for an inconsistent file (a Qwen
/// token without cookies, an Anthropic URL without a key, ...).
[[nodiscard]] LegacyImport plan_legacy_import(const std::vector<EnvVariable>& vars);

}  // namespace router::config
