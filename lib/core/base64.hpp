#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace router::core {

/// Standard base64 with padding.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> data);
[[nodiscard]] std::string base64_encode(std::string_view data);
/// Strict decoding of standard base64 (padding required, no whitespace); nullopt when invalid.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace router::core
