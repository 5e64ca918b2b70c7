#pragma once

// Helpers shared by the history and stats commands: human formatting and option plumbing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/log_types.hpp"
#include "output.hpp"

namespace CLI {
class App;
}

namespace router::cli {

class Context;

/// The value bound to option `name` of `app` if the user gave it, else nullopt (so the shared
/// parameter parsers apply their defaults and can tell "absent" from "empty").
[[nodiscard]] std::optional<std::string> given(const CLI::App& app, const char* name,
                                               const std::string& value);

/// Returns when `id` names a configured provider or one the logs know (a removed provider's
/// requests stay); else throws kNotFound with "did you mean" over both.
void require_known_provider(Context& ctx, const std::string& id);

/// "850µs", "12.5ms", "340ms", "1.24s", "2m05s", "1h02m".
[[nodiscard]] std::string format_us(std::int64_t us);
/// format_us, or "-" when absent.
[[nodiscard]] std::string format_us(const std::optional<std::int64_t>& us);
/// "412/187" (prompt/completion), "-" when neither is known.
[[nodiscard]] std::string format_tokens(const std::optional<std::int64_t>& prompt,
                                        const std::optional<std::int64_t>& completion);
/// "512 B", "1.5 KiB", "3.2 MiB", "1.1 GiB".
[[nodiscard]] std::string format_bytes(std::int64_t bytes);
/// The outcome's colour: green for ok, yellow for a client's or the client-side end, red otherwise.
[[nodiscard]] Style outcome_style(db::Outcome outcome) noexcept;
/// The outcome's name in its colour.
[[nodiscard]] std::string paint_outcome(const Output& out, db::Outcome outcome);
/// Valid JSON text re-indented by two spaces without re-serializing it, so numbers and escapes
/// stay exactly as the client or upstream wrote them. Undefined for invalid JSON.
[[nodiscard]] std::string reindent_json(std::string_view json);
/// printable(s), or "-" for an empty string (absent provider, model, ...).
[[nodiscard]] std::string or_dash(const std::string& s);

}  // namespace router::cli
