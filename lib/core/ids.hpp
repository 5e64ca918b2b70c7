#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace router::core {

/// Fills `out` from the kernel CSPRNG (getrandom). Throws kInternal if it fails.
void random_bytes(std::span<std::uint8_t> out);
/// Lowercase hex of `bytes`.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
/// A random UUID v4 ("7c09d7cb-...").
[[nodiscard]] std::string uuid_v4();
/// `n` random lowercase hex digits.
[[nodiscard]] std::string random_hex(std::size_t n);

/// Time-ordered 63-bit request ids: 44 bits of Unix milliseconds, 6 bits of lane (one per server
/// thread), 13 bits of sequence. Ids from one lane strictly increase, so ids sort by time and
/// lanes never collide; the id doubles as the logs database's row key. One generator per thread.
class RequestIdGenerator {
 public:
  explicit RequestIdGenerator(unsigned lane);
  [[nodiscard]] std::int64_t next(std::int64_t now_ms) noexcept;

 private:
  std::int64_t lane_bits_;
  std::int64_t last_ms_ = 0;
  std::int64_t seq_ = 0;
};

inline constexpr int kRequestIdTimeShift = 19;
/// The smallest id that could be generated at `ms` (for time-range queries on the id).
[[nodiscard]] constexpr std::int64_t first_request_id_at(std::int64_t ms) noexcept {
  return ms << kRequestIdTimeShift;
}
[[nodiscard]] constexpr std::int64_t request_id_time_ms(std::int64_t id) noexcept {
  return id >> kRequestIdTimeShift;
}
/// "req_0191a2b3c4d5e6f7": fixed width, so text order is id order.
[[nodiscard]] std::string format_request_id(std::int64_t id);
/// Accepts the formatted id with or without "req_". nullopt when malformed.
[[nodiscard]] std::optional<std::int64_t> parse_request_id(std::string_view text);

}  // namespace router::core
