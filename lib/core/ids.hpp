#pragma once

#include <atomic>
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

/// Time-ordered 63-bit request ids, unique across processes: 44 bits of Unix milliseconds, then
/// a 12-bit tag drawn at random once per generator (one generator per process), then a 7-bit
/// sequence within the millisecond. The id doubles as the logs database's row key, and several
/// processes may write one database: two of them can only mint the same id when they drew the
/// same tag (1 in 4096 per pair) and then also hit the same millisecond and sequence. Such a
/// clash is refused by the store and counted as a failed write, never dropped silently. Ids
/// from one generator strictly increase; past 128 in one millisecond the sequence borrows the
/// next millisecond. Thread-safe (one atomic, no lock), shared by every thread of a process.
class RequestIdGenerator {
 public:
  static constexpr int kTagBits = 12;
  static constexpr int kSeqBits = 7;

  RequestIdGenerator();  ///< a random tag
  explicit RequestIdGenerator(std::uint32_t tag) noexcept;
  RequestIdGenerator(const RequestIdGenerator&) = delete;
  RequestIdGenerator& operator=(const RequestIdGenerator&) = delete;

  [[nodiscard]] std::int64_t next(std::int64_t now_ms) noexcept;
  [[nodiscard]] std::uint32_t tag() const noexcept { return static_cast<std::uint32_t>(tag_bits_ >> kSeqBits); }

 private:
  std::int64_t tag_bits_;
  std::atomic<std::int64_t> last_{0};
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
