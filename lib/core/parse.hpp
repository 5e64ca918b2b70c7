#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace router::core {

/// What a number without a unit means. Refused by default: "timeout=30" meant 30 ms in one
/// place and 30 s in another. Only a key whose name carries its unit takes a bare number.
enum class BareNumber : std::uint8_t {
  kRefuse,  ///< kInvalidArgument with a hint naming the units
  kInUnit,  ///< milliseconds for a duration, bytes for a size
};
/// kInUnit for a key named with its unit ("…_ms", "…Ms", "…_bytes", "…Bytes"), else kRefuse.
[[nodiscard]] BareNumber bare_number_for(std::string_view key) noexcept;

/// "250ms", "30s", "5m", "24h", "7d", "2w". Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_duration_ms(std::string_view text, BareNumber bare = BareNumber::kRefuse);
/// "64k"/"64KiB", "8M"/"8MiB", "1G"/"1GiB", "512B" (binary multiples; "MB" is decimal).
/// Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_size(std::string_view text, BareNumber bare = BareNumber::kRefuse);
/// The shortest exact form parse_duration_ms reads back: "250ms", "30s", "2m", "24h", "7d".
[[nodiscard]] std::string format_duration_ms(std::int64_t ms);
/// The shortest exact form parse_size reads back: "512 B", "64 KiB", "8 MiB", "1 GiB".
[[nodiscard]] std::string format_size(std::int64_t bytes);
/// A whole number in [min, max]; `what` names it in the error. Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_int(std::string_view text, std::int64_t min, std::int64_t max,
                                     std::string_view what);

}  // namespace router::core
