#include "config/legacy_env.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

// --- .env parsing ------------------------------------------------------------------------------------

[[noreturn]] void bad_line(int line, std::string_view why) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format(".env line {}: {}", line, why));
}

bool name_char(char c, bool first) {
  const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return first ? alpha : alpha || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// Reads a double-quoted value starting after the opening quote; returns the index after the closing
// quote. Newlines inside the quotes are part of the value, as dotenv allows.
std::size_t read_double_quoted(std::string_view text, std::size_t i, std::string& out, int& line, int start_line) {
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      return i + 1;
    }
    if (c == '\\' && i + 1 < text.size()) {
      const char n = text[i + 1];
      switch (n) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        default: out += '\\'; out += n; break;
      }
      i += 2;
      continue;
    }
    if (c == '\n') {
      ++line;
    }
    out += c;
    ++i;
  }
  bad_line(start_line, "unterminated double-quoted value");
}

// --- the mapping -------------------------------------------------------------------------------------

struct ProviderSpec {
  std::string_view id;
  std::string_view type;
  std::string_view name;
  std::int64_t priority;
  std::string_view default_model;  ///< linked as the default when the file names none ("" = none)
};

// Priorities follow the earlier implementation's seeder (LM Studio 10, Qwen direct 8, proxy 5).
constexpr std::array<ProviderSpec, 6> kProviders{{
    {"lm-studio", "lm-studio", "LM Studio", 10, ""},  // the router sends LM Studio's first listed model
    {"qwen-proxy", "qwen-proxy", "Qwen Proxy", 5, "qwen3-max"},
    {"qwen-direct", "qwen-direct", "Qwen Direct", 8, "qwen3-max"},
    {"qwen-dashscope", "openai", "Qwen DashScope", 8, ""},
    {"openai", "openai", "OpenAI", 0, ""},
    {"anthropic", "anthropic", "Anthropic", 0, ""},
}};

struct VariableSpec {
  std::string_view variable;
  std::string_view provider;
  std::string_view key;
  bool secret;
};

constexpr std::array<VariableSpec, 14> kVariables{{
    {"LM_STUDIO_BASE_URL", "lm-studio", "baseURL", false},
    {"LM_STUDIO_DEFAULT_MODEL", "lm-studio", "defaultModel", false},
    {"QWEN_PROXY_BASE_URL", "qwen-proxy", "baseURL", false},
    {"QWEN_PROXY_API_KEY", "qwen-proxy", "apiKey", true},
    {"QWEN_TOKEN", "qwen-direct", "token", true},
    {"QWEN_COOKIES", "qwen-direct", "cookies", true},
    {"QWEN_API_KEY", "qwen-dashscope", "apiKey", true},
    {"OPENAI_API_KEY", "openai", "apiKey", true},
    {"OPENAI_BASE_URL", "openai", "baseURL", false},
    {"OPENAI_DEFAULT_MODEL", "openai", "defaultModel", false},
    {"ANTHROPIC_API_KEY", "anthropic", "apiKey", true},
    {"ANTHROPIC_BASE_URL", "anthropic", "baseURL", false},
    {"ANTHROPIC_VERSION", "anthropic", "version", false},
    {"ANTHROPIC_DEFAULT_MODEL", "anthropic", "defaultModel", false},
}};

// The earlier implementation read these, but they have no counterpart worth importing.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kKnownIgnored{{
    {"USE_LEGACY_CONFIG", "the router always reads its configuration from the database"},
    {"LOG_REQUESTS", "request logging is configured by the logging.bodies setting"},
    {"LOG_RESPONSES", "request logging is configured by the logging.bodies setting"},
    {"NODE_ENV", "not used by the router"},
    {"DATABASE_PATH", "use --db or ROUTER_DB for the router's database"},
}};

constexpr std::string_view kDashScopeUrl = "https://dashscope.aliyuncs.com/compatible-mode/v1";
constexpr std::string_view kOpenAiUrl = "https://api.openai.com/v1";

// The earlier implementation's "qwen-direct" meant DashScope's OpenAI-compatible API (QWEN_API_KEY
// + QWEN_BASE_URL); this router's qwen-direct is the chat.qwen.ai web API (token + cookies). The
// URL tells which one a QWEN_BASE_URL belongs to.
bool is_openai_compatible_qwen(std::string_view url) {
  return url.find("dashscope") != std::string_view::npos || url.find("compatible-mode") != std::string_view::npos;
}

std::string normalise_provider(std::string_view raw) {
  std::string s(core::trim(raw));
  std::transform(s.begin(), s.end(), s.begin(), [](char c) {
    return c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  if (s.ends_with("-default")) {
    s.resize(s.size() - std::string_view("-default").size());
  }
  static const std::map<std::string, std::string, std::less<>> kAliases{
      {"lmstudio", "lm-studio"},      {"lm", "lm-studio"},          {"qwenproxy", "qwen-proxy"},
      {"proxy", "qwen-proxy"},        {"qwendirect", "qwen-direct"}, {"qwen", "qwen-direct"},
      {"dashscope", "qwen-dashscope"}, {"claude", "anthropic"},      {"open-ai", "openai"},
  };
  if (const auto it = kAliases.find(s); it != kAliases.end()) {
    return it->second;
  }
  return s;
}

class Planner {
 public:
  explicit Planner(const std::vector<EnvVariable>& vars) {
    for (const auto& v : vars) {
      if (!values_.contains(v.name)) {
        order_.push_back(v.name);
      }
      values_[v.name] = v.value;
    }
  }

  LegacyImport plan() {
    map_provider_variables();
    map_qwen_base_url();
    map_active_provider();
    check_consistency();
    map_settings();
    const auto timeout = get("REQUEST_TIMEOUT");
    if (timeout && providers_.empty()) {
      ignore("REQUEST_TIMEOUT", "no provider is imported to apply it to");
    }
    LegacyImport out;
    for (const auto& spec : kProviders) {
      if (const auto it = providers_.find(spec.id); it != providers_.end()) {
        if (timeout) {
          // The earlier implementation read REQUEST_TIMEOUT as milliseconds; `timeout` wants a unit.
          const bool bare = timeout->find_first_not_of("0123456789") == std::string::npos;
          it->second.provider.config.push_back(ConfigInput::plain("timeout", bare ? *timeout + "ms" : *timeout));
          use("REQUEST_TIMEOUT");
        }
        out.providers.push_back(std::move(it->second));
      }
    }
    out.active_provider = active_;
    out.active_is_fallback = active_is_fallback_;
    out.active_source = active_source_;
    out.settings = std::move(settings_);
    for (const auto& p : out.providers) {
      if (p.default_model && !p.default_model_explicit) {
        inferred_.push_back(fmt::format("provider '{}' gets default model '{}' (the earlier implementation's default)",
                                        p.provider.id, *p.default_model));
      } else if (!p.default_model && p.provider.type == "lm-studio") {
        inferred_.push_back(fmt::format("provider '{}' gets no default model (LM Studio lists its own): requests name "
                                        "one, or set LM_STUDIO_DEFAULT_MODEL",
                                        p.provider.id));
      }
    }
    out.inferred = std::move(inferred_);
    for (const auto& name : order_) {
      if (used_.contains(name)) {
        out.used.push_back(name);
      } else if (const auto it = ignored_.find(name); it != ignored_.end()) {
        out.ignored.push_back({name, it->second});
      } else if (values_.at(name).empty()) {
        out.ignored.push_back({name, "empty"});
      } else {
        out.ignored.push_back({name, "not a variable of the earlier implementation"});
      }
    }
    return out;
  }

 private:
  std::optional<std::string> get(std::string_view name) const {
    const auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) {
      return std::nullopt;  // dotenv's `process.env.X || default` treats empty as unset
    }
    return it->second;
  }

  void use(std::string_view name) { used_.emplace(name); }
  void ignore(std::string_view name, std::string_view reason) { ignored_.emplace(name, reason); }

  LegacyProvider& provider(std::string_view id) {
    if (const auto it = providers_.find(id); it != providers_.end()) {
      return it->second;
    }
    const auto& spec = *std::find_if(kProviders.begin(), kProviders.end(), [&](const auto& s) { return s.id == id; });
    LegacyProvider p;
    p.provider.id = std::string(spec.id);
    p.provider.type = std::string(spec.type);
    p.provider.name = std::string(spec.name);
    p.provider.priority = spec.priority;
    p.provider.description = "Imported from a legacy .env";
    if (!spec.default_model.empty()) {
      p.default_model = std::string(spec.default_model);
    }
    return providers_.emplace(std::string(id), std::move(p)).first->second;
  }

  bool has_config(std::string_view id, std::string_view key) const {
    const auto it = providers_.find(id);
    return it != providers_.end() && std::any_of(it->second.provider.config.begin(), it->second.provider.config.end(),
                                                 [&](const ConfigInput& c) { return c.key == key; });
  }

  void map_provider_variables() {
    for (const auto& v : kVariables) {
      const auto value = get(v.variable);
      if (!value) {
        continue;
      }
      auto& p = provider(v.provider);
      p.provider.config.push_back(v.secret ? ConfigInput::secret(std::string(v.key), *value)
                                           : ConfigInput::plain(std::string(v.key), *value));
      inferred_.push_back(fmt::format("{} → provider '{}' ({}, type {}), config {}", v.variable, v.provider,
                                      p.provider.name.value_or(p.provider.id), p.provider.type, v.key));
      if (v.key == "defaultModel") {
        p.default_model = *value;
        p.default_model_explicit = true;
      }
      use(v.variable);
    }
  }

  void map_qwen_base_url() {
    const auto url = get("QWEN_BASE_URL");
    if (!url) {
      return;
    }
    const std::string_view target = is_openai_compatible_qwen(*url) ? "qwen-dashscope" : "qwen-direct";
    if (!providers_.contains(target)) {
      ignore("QWEN_BASE_URL", target == "qwen-dashscope" ? "an OpenAI-compatible Qwen URL without QWEN_API_KEY"
                                                        : "QWEN_TOKEN and QWEN_COOKIES are missing");
      return;
    }
    provider(target).provider.config.push_back(ConfigInput::plain("baseURL", *url));
    use("QWEN_BASE_URL");
    inferred_.push_back(fmt::format("QWEN_BASE_URL → provider '{}' (the URL {} an OpenAI-compatible DashScope URL)",
                                    target, target == "qwen-dashscope" ? "is" : "is not"));
  }

  void map_active_provider() {
    const auto raw = get("DEFAULT_PROVIDER");
    if (!raw) {
      // The earlier implementation defaulted to lm-studio; only a file that configures it (or
      // configures a single provider) says which one it meant.
      if (providers_.contains("lm-studio")) {
        active_ = "lm-studio";
      } else if (providers_.size() == 1) {
        active_ = providers_.begin()->first;
      }
      active_is_fallback_ = true;
      if (active_) {
        inferred_.push_back(fmt::format("no DEFAULT_PROVIDER: '{}' becomes the active provider when none is set", *active_));
      }
      return;
    }
    use("DEFAULT_PROVIDER");
    active_source_ = fmt::format("DEFAULT_PROVIDER={}", *raw);
    std::string id = normalise_provider(*raw);
    if (id == "qwen-direct" && !providers_.contains("qwen-direct") && providers_.contains("qwen-dashscope")) {
      id = "qwen-dashscope";
    }
    // Providers that need nothing from the file exist as soon as they are the default, as in the
    // earlier implementation, which always seeded them.
    if (id == "lm-studio" || id == "qwen-proxy") {
      (void)provider(id);
    }
    active_ = id;
    inferred_.push_back(fmt::format("DEFAULT_PROVIDER={} → active provider '{}'", *raw, id));
  }

  void check_consistency() const {
    if (providers_.contains("qwen-direct")) {
      for (const auto& [key, var, other] : {std::tuple{"token", "QWEN_TOKEN", "QWEN_COOKIES"},
                                            std::tuple{"cookies", "QWEN_COOKIES", "QWEN_TOKEN"}}) {
        if (!has_config("qwen-direct", key)) {
          throw Error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is set but {} is not: the qwen-direct provider needs both", other, var));
        }
      }
    }
    if (providers_.contains("anthropic") && !has_config("anthropic", "apiKey")) {
      throw Error(ErrorCode::kInvalidArgument, "ANTHROPIC_API_KEY is missing: the anthropic provider needs it");
    }
  }

  void map_settings() {
    for (auto& [id, p] : providers_) {
      if (p.provider.type == "openai" && !has_config(id, "baseURL")) {
        const std::string_view url = id == "qwen-dashscope" ? kDashScopeUrl : kOpenAiUrl;
        p.provider.config.push_back(ConfigInput::plain("baseURL", std::string(url)));
        inferred_.push_back(fmt::format("provider '{}' gets baseURL {} (the file names none)", id, url));
      }
    }
    const auto host = get("HOST");
    const auto port = get("PORT");
    if (host || port) {
      std::string h = host ? *host : std::string("127.0.0.1");
      if (h.find(':') != std::string::npos && !h.starts_with("[")) {
        h = fmt::format("[{}]", h);
      }
      settings_.emplace_back("server.listen", fmt::format("{}:{}", h, port ? *port : std::string("3001")));
      if (host) {
        use("HOST");
      }
      if (port) {
        use("PORT");
      }
    }
    if (const auto level = get("LOG_LEVEL")) {
      std::string l = *level;
      std::transform(l.begin(), l.end(), l.begin(), [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
      settings_.emplace_back("log.level", l);
      use("LOG_LEVEL");
    }
    for (const auto& [name, reason] : kKnownIgnored) {
      if (values_.contains(name)) {
        ignore(name, reason);
      }
    }
  }

  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> order_;
  std::map<std::string, LegacyProvider, std::less<>> providers_;
  std::map<std::string, std::string, std::less<>> ignored_;
  std::set<std::string, std::less<>> used_;
  std::vector<std::pair<std::string, std::string>> settings_;
  std::optional<std::string> active_;
  std::vector<std::string> inferred_;
  bool active_is_fallback_ = false;
  std::string active_source_;
};

}  // namespace

std::vector<EnvVariable> parse_dotenv(std::string_view text) {
  std::vector<EnvVariable> out;
  std::size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    const int start_line = line;
    auto eol = text.find('\n', i);
    std::string_view raw = text.substr(i, eol == std::string_view::npos ? std::string_view::npos : eol - i);
    std::string_view s = core::trim(raw);
    const std::size_t next_line = eol == std::string_view::npos ? text.size() : eol + 1;
    if (s.empty() || s.front() == '#') {
      i = next_line;
      ++line;
      continue;
    }
    if (s.starts_with("export ") || s.starts_with("export\t")) {
      s = core::trim(s.substr(7));
    }
    std::size_t n = 0;
    while (n < s.size() && name_char(s[n], n == 0)) {
      ++n;
    }
    const std::string name(s.substr(0, n));
    std::string_view rest = core::trim(s.substr(n));
    if (name.empty() || !rest.starts_with('=')) {
      bad_line(start_line, "expected NAME=VALUE");
    }
    rest = rest.substr(1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
      rest.remove_prefix(1);
    }
    std::string value;
    std::string_view after;
    if (rest.starts_with('"')) {
      // Parse against the whole text: the value may continue on later lines.
      const std::size_t begin = static_cast<std::size_t>(rest.data() - text.data()) + 1;
      const std::size_t end = read_double_quoted(text, begin, value, line, start_line);
      const auto tail_end = text.find('\n', end);
      after = text.substr(end, tail_end == std::string_view::npos ? std::string_view::npos : tail_end - end);
      i = tail_end == std::string_view::npos ? text.size() : tail_end + 1;
    } else if (rest.starts_with('\'') || rest.starts_with('`')) {
      const char q = rest.front();
      const auto close = rest.find(q, 1);
      if (close == std::string_view::npos) {
        bad_line(start_line, "unterminated quoted value");
      }
      value = std::string(rest.substr(1, close - 1));
      after = rest.substr(close + 1);
      i = next_line;
    } else {
      // A '#' starts a comment only after whitespace, so URLs with fragments survive.
      std::size_t hash = std::string_view::npos;
      for (std::size_t k = 0; k < rest.size(); ++k) {
        if (rest[k] == '#' && (k == 0 || rest[k - 1] == ' ' || rest[k - 1] == '\t')) {
          hash = k;
          break;
        }
      }
      value = std::string(core::trim(rest.substr(0, hash)));
      i = next_line;
    }
    after = core::trim(after);
    if (!after.empty() && after.front() != '#') {
      bad_line(start_line, fmt::format("unexpected text after the quoted value of {}", name));
    }
    if (!core::is_valid_utf8(value)) {
      bad_line(start_line, fmt::format("the value of {} is not valid UTF-8", name));
    }
    out.push_back(EnvVariable{name, std::move(value), start_line});
    ++line;
  }
  return out;
}

LegacyImport plan_legacy_import(const std::vector<EnvVariable>& vars) { return Planner(vars).plan(); }

}  // namespace router::config
