#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace router::server {

/// Token buckets, one per client address, for the log rows of requests refused before routing
/// (setting server.reject_rate): whoever can reach the port must not be able to fill the logs
/// database with refusals. One per worker, used only on its thread, so the request path takes no
/// lock; the table has a fixed size (an address new to a full set evicts that set's least recently
/// seen one), so memory stays bounded whatever addresses arrive. IPv6 addresses count per /64,
/// the block one host usually holds.
class RejectLimiter {
 public:
  static constexpr std::size_t kSets = 256;
  static constexpr std::size_t kWays = 4;

  /// True when a refusal from `address` ("1.2.3.4:5678", "[::1]:5678") may be logged now, at
  /// `per_second` rows per second with bursts of twice that (at least one). A false is counted.
  bool allow(std::string_view address, double per_second, std::int64_t now_ns) noexcept;
  /// Rows refused so far (read by /metrics from any thread).
  [[nodiscard]] std::int64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    std::uint64_t key = 0;  ///< 0: free
    double tokens = 0;
    std::int64_t seen_ns = 0;
  };

  std::array<Bucket, kSets * kWays> buckets_{};
  std::atomic<std::int64_t> dropped_{0};
};

/// The key of an address's bucket: the IPv4 address, or the /64 of an IPv6 one; never 0.
[[nodiscard]] std::uint64_t address_key(std::string_view address) noexcept;

}  // namespace router::server
