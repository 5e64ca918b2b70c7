#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace router::core {

/// A mergeable log-linear histogram of durations in microseconds (docs/stats.md).
///
/// Values 0..31 µs get a bucket each; every power of two above is split into 32 equal buckets,
/// so a bucket is at most 1/32 of its lower bound wide, up to 2^32 µs (71.6 min); larger values
/// share one overflow bucket. percentile() returns a value within kMaxRelativeError of the exact
/// nearest-rank percentile of the recorded values (below 2^32 µs). Counts, the minimum and the
/// maximum merge exactly, so merging hourly histograms gives the histogram of the union.
/// Not thread-safe; copyable.
class Histogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr std::int64_t kSubBuckets = std::int64_t{1} << kSubBucketBits;
  static constexpr int kMaxExponent = 32;  ///< values >= 2^32 µs land in the overflow bucket
  static constexpr std::size_t kBucketCount =
      static_cast<std::size_t>(kSubBuckets * (kMaxExponent - kSubBucketBits + 1)) + 1;
  static constexpr std::size_t kOverflowBucket = kBucketCount - 1;
  static constexpr double kMaxRelativeError = 1.0 / 64;  ///< 1.5625 %
  static constexpr std::uint8_t kEncodingVersion = 1;

  /// Adds one value; negative values count as 0.
  void record(std::int64_t us) noexcept { record(us, 1); }
  /// Adds `n` copies of one value.
  void record(std::int64_t us, std::uint64_t n) noexcept;
  /// Adds every value of `other`.
  void merge(const Histogram& other) noexcept;
  /// Adds every value of an encode()d histogram without building a temporary one.
  /// Throws kInternal when `blob` is malformed; *this is unchanged then.
  void merge_encoded(std::string_view blob);

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  /// The smallest and largest recorded values (0 when empty).
  [[nodiscard]] std::int64_t min() const noexcept { return min_; }
  [[nodiscard]] std::int64_t max() const noexcept { return max_; }
  /// Nearest-rank percentile, p in [0, 100] (clamped): the value of rank ceil(p/100 × count),
  /// estimated as its bucket's midpoint clamped to [min, max]; p=0 and p=100 are exact.
  /// 0 when empty.
  [[nodiscard]] std::int64_t percentile(double p) const noexcept;

  /// Compact versioned BLOB (request_rollups.latency_hist/ttft_hist): version byte, then
  /// varints: bucket count, min, max, then (index gap, count) per non-empty bucket.
  [[nodiscard]] std::string encode() const;
  /// Throws kInternal when `blob` is malformed or of an unknown version.
  [[nodiscard]] static Histogram decode(std::string_view blob);

  [[nodiscard]] static std::size_t bucket_of(std::int64_t us) noexcept;
  /// Smallest value of bucket `b`.
  [[nodiscard]] static std::int64_t bucket_lower(std::size_t b) noexcept;
  /// Number of integer values in bucket `b` (the overflow bucket reports 0: unbounded).
  [[nodiscard]] static std::int64_t bucket_width(std::size_t b) noexcept;

  friend bool operator==(const Histogram& a, const Histogram& b) noexcept;

 private:
  void add_bucket(std::size_t b, std::uint64_t n);

  std::vector<std::uint64_t> counts_;  // empty until the first value: many groups stay cheap
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace router::core
