#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace router::core {

using Sha256 = std::array<std::uint8_t, 32>;

[[nodiscard]] Sha256 sha256(std::string_view data);
[[nodiscard]] std::string sha256_hex(std::string_view data);
/// Compares in time independent of where the inputs differ.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace router::core
