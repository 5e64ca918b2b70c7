#include "log_format.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "config/service.hpp"
#include "context.hpp"
#include "core/text.hpp"
#include "db/sqlite/log_repository.hpp"

namespace router::cli {

std::optional<std::string> given(const CLI::App& app, const char* name, const std::string& value) {
  return app.get_option(name)->count() > 0 ? std::optional<std::string>(value) : std::nullopt;
}

void require_known_provider(Context& ctx, const std::string& id) {
  std::vector<std::string> known = db::LogRepository(ctx.logs_db()).provider_ids();
  const auto doc = ctx.config().providers_document({});
  for (const auto& p : doc.at("providers").as_array()) {
    known.emplace_back(p.at("id").as_string());
  }
  if (std::find(known.begin(), known.end(), id) == known.end()) {
    core::throw_not_found("provider", id, known);
  }
}

std::string format_us(std::int64_t us) {
  if (us < 1000) {
    return fmt::format("{}µs", us);
  }
  if (us < 100'000) {
    return fmt::format("{:.1f}ms", static_cast<double>(us) / 1e3);
  }
  if (us < 1'000'000) {
    return fmt::format("{}ms", us / 1000);
  }
  if (us < 60'000'000) {
    return fmt::format("{:.2f}s", static_cast<double>(us) / 1e6);
  }
  const std::int64_t s = us / 1'000'000;
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string format_us(const std::optional<std::int64_t>& us) { return us ? format_us(*us) : "-"; }

std::string format_tokens(const std::optional<std::int64_t>& prompt,
                          const std::optional<std::int64_t>& completion) {
  if (!prompt && !completion) {
    return "-";
  }
  return fmt::format("{}/{}", prompt ? std::to_string(*prompt) : "?",
                     completion ? std::to_string(*completion) : "?");
}

std::string format_bytes(std::int64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  double v = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

Style outcome_style(db::Outcome outcome) noexcept {
  switch (outcome) {
    case db::Outcome::kOk: return Style::kGreen;
    case db::Outcome::kClientError:
    case db::Outcome::kCancelled: return Style::kYellow;
    case db::Outcome::kUpstreamError:
    case db::Outcome::kTimeout:
    case db::Outcome::kTruncated:
    case db::Outcome::kNoProvider: return Style::kRed;
  }
  return Style::kPlain;
}

std::string paint_outcome(const Output& out, db::Outcome outcome) {
  return out.paint(outcome_style(outcome), db::outcome_name(outcome));
}

std::string reindent_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() * 2);
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<std::size_t>(2 * depth), ' ');
  };
  auto next_token = [&](std::size_t i) {
    while (i < json.size() &&
           (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) {
      ++i;
    }
    return i;
  };
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r': break;
      case '"':
        in_string = true;
        out += c;
        break;
      case '{':
      case '[': {
        out += c;
        const std::size_t next = next_token(i + 1);
        if (next < json.size() && (json[next] == '}' || json[next] == ']')) {
          out += json[next];  // an empty container stays on one line
          i = next;
        } else {
          ++depth;
          newline();
        }
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
  return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : printable(s); }

}  // namespace router::cli
