#pragma once

#include <cstdint>
#include <string_view>

namespace router::core {

/// "250ms", "30s", "5m", "24h", "7d", "2w" (a bare number means seconds). Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_duration_ms(std::string_view text);
/// "1048576", "64k"/"64KiB", "8M"/"8MiB", "1G"/"1GiB" (binary multiples; "MB" is decimal).
/// Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_size(std::string_view text);
/// A whole number in [min, max]; `what` names it in the error. Throws kInvalidArgument.
[[nodiscard]] std::int64_t parse_int(std::string_view text, std::int64_t min, std::int64_t max,
                                     std::string_view what);

}  // namespace router::core
