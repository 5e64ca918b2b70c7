#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace router::core {

/// The closest candidate to `word` ("did you mean"), if one is close enough to be a typo.
[[nodiscard]] std::optional<std::string> suggest(std::string_view word,
                                                 std::span<const std::string> candidates);
/// " (did you mean 'x'?)" or "" — ready to append to an error message.
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);
/// Throws kNotFound "<what> '<name>' not found (did you mean 'x'?)" naming `param`: the one
/// wording of a missing provider, model or key (the name is cut to 100 characters).
[[noreturn]] void throw_not_found(std::string_view what, std::string_view name,
                                  std::span<const std::string> candidates, std::string param = {});

/// Appends `c` to `out` as a visible escape ("\\n", "\\r", "\\t", "\\x1b") when it is a C0
/// control or DEL and returns true; returns false (appending nothing) for any other byte. The
/// terminal-safe CLI output and the logfmt access log both escape with it.
bool append_control_escape(std::string& out, char c);

/// Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;
/// `s` with every byte that starts no valid UTF-8 sequence replaced by U+FFFD: client bytes
/// echoed into JSON (error messages, logged bodies) must not make the document invalid.
[[nodiscard]] std::string to_valid_utf8(std::string_view s);
/// An id slug: [a-z0-9][a-z0-9-]*, at most 64 characters (provider ids).
[[nodiscard]] bool is_slug(std::string_view s) noexcept;
/// A model id: 1..200 printable ASCII characters without whitespace or '/'-traversal tricks.
[[nodiscard]] bool is_model_id(std::string_view s) noexcept;
/// An opaque id an upstream hands out, safe to put in a URL path or query unescaped: 1..128
/// characters of [A-Za-z0-9._-].
[[nodiscard]] bool is_token(std::string_view s) noexcept;
/// Throws kInvalidArgument naming `what` unless is_slug(s).
void require_slug(std::string_view s, std::string_view what);
/// Throws kInvalidArgument naming `what` unless is_model_id(s).
void require_model_id(std::string_view s, std::string_view what);

[[nodiscard]] std::string join(std::span<const std::string> parts, std::string_view sep);
[[nodiscard]] std::vector<std::string> split(std::string_view s, char sep);
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// Masks a secret for display: "sk-…abcd" (a short prefix and the last four characters), or
/// "••••" when the value is too short to show anything safely. env: references are shown as is.
[[nodiscard]] std::string mask_secret(std::string_view value);

/// Values shorter than this are not scrubbed: too short to be a credential, and masking every
/// occurrence would mangle ordinary text.
inline constexpr std::size_t kMinScrubbedSecret = 8;
/// Replaces every occurrence of each of `secrets` in `text` by its mask_secret() form, so text an
/// upstream sent (an error echoing the credential it was given) can be relayed and stored.
void scrub_secrets(std::string& text, std::span<const std::string> secrets);

}  // namespace router::core
