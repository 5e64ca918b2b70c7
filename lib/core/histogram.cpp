#include "core/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/error.hpp"

namespace router::core {

namespace {

constexpr std::int64_t kOverflowLower = std::int64_t{1} << Histogram::kMaxExponent;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

[[noreturn]] void corrupt(std::string_view why) {
  throw Error(ErrorCode::kInternal, "corrupt histogram blob: " + std::string(why));
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) {
        corrupt("truncated");
      }
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return v;
      }
    }
    corrupt("varint too long");
  }
  std::uint8_t byte() {
    if (pos_ >= data_.size()) {
      corrupt("empty");
    }
    return static_cast<std::uint8_t>(data_[pos_++]);
  }
  [[nodiscard]] bool done() const noexcept { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

struct Header {
  std::uint64_t buckets = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

// Walks a blob, calling on_bucket(index, count) for each bucket. Validates everything, so a
// dry walk with a no-op callback proves that a second, applying walk cannot fail half-way.
template <typename OnBucket>
Header walk(std::string_view blob, OnBucket&& on_bucket) {
  Reader r(blob);
  if (r.byte() != Histogram::kEncodingVersion) {
    corrupt("unknown version");
  }
  Header h;
  h.buckets = r.varint();
  if (h.buckets > Histogram::kBucketCount) {
    corrupt("too many buckets");
  }
  if (h.buckets == 0) {
    if (!r.done()) {
      corrupt("trailing bytes");
    }
    return h;
  }
  const std::uint64_t lo = r.varint();
  const std::uint64_t hi = r.varint();
  if (lo > hi || hi > static_cast<std::uint64_t>(INT64_MAX)) {
    corrupt("bad range");
  }
  h.min = static_cast<std::int64_t>(lo);
  h.max = static_cast<std::int64_t>(hi);
  std::uint64_t total = 0;
  std::size_t index = 0;
  std::size_t first = 0;
  for (std::uint64_t i = 0; i < h.buckets; ++i) {
    const std::uint64_t gap = r.varint();
    const std::uint64_t next = (i == 0 ? 0 : index + 1) + gap;
    if (gap >= Histogram::kBucketCount || next >= Histogram::kBucketCount) {
      corrupt("bucket out of range");
    }
    index = static_cast<std::size_t>(next);
    if (i == 0) {
      first = index;
    }
    const std::uint64_t n = r.varint();
    if (n == 0 || __builtin_add_overflow(total, n, &total)) {
      corrupt("bad count");
    }
    on_bucket(index, n);
  }
  if (!r.done()) {
    corrupt("trailing bytes");
  }
  if (Histogram::bucket_of(h.min) != first || Histogram::bucket_of(h.max) != index) {
    corrupt("range does not match buckets");
  }
  return h;
}

}  // namespace

std::size_t Histogram::bucket_of(std::int64_t us) noexcept {
  if (us < kSubBuckets) {
    return us < 0 ? 0 : static_cast<std::size_t>(us);
  }
  const auto v = static_cast<std::uint64_t>(us);
  const int exponent = static_cast<int>(std::bit_width(v)) - 1;
  if (exponent >= kMaxExponent) {
    return kOverflowBucket;
  }
  // Within [2^e, 2^(e+1)) the top kSubBucketBits+1 bits select one of 32 equal sub-buckets.
  const int shift = exponent - kSubBucketBits;
  return static_cast<std::size_t>(shift) * static_cast<std::size_t>(kSubBuckets) +
         static_cast<std::size_t>(v >> shift);
}

std::int64_t Histogram::bucket_lower(std::size_t b) noexcept {
  if (b >= kOverflowBucket) {
    return kOverflowLower;
  }
  const auto sub = static_cast<std::size_t>(kSubBuckets);
  if (b < 2 * sub) {
    return static_cast<std::int64_t>(b);
  }
  const std::size_t shift = b / sub - 1;
  return static_cast<std::int64_t>(b - shift * sub) << shift;
}

std::int64_t Histogram::bucket_width(std::size_t b) noexcept {
  if (b >= kOverflowBucket) {
    return 0;
  }
  const auto sub = static_cast<std::size_t>(kSubBuckets);
  return b < 2 * sub ? 1 : std::int64_t{1} << (b / sub - 1);
}

void Histogram::add_bucket(std::size_t b, std::uint64_t n) {
  if (counts_.empty()) {
    counts_.assign(kBucketCount, 0);
  }
  counts_[b] += n;
}

void Histogram::record(std::int64_t us, std::uint64_t n) noexcept {
  if (n == 0) {
    return;
  }
  us = std::max<std::int64_t>(us, 0);
  add_bucket(bucket_of(us), n);  // the first call allocates 7 KiB; failure to do so terminates
  min_ = count_ == 0 ? us : std::min(min_, us);
  max_ = count_ == 0 ? us : std::max(max_, us);
  count_ += n;
}

void Histogram::merge(const Histogram& other) noexcept {
  if (other.count_ == 0) {
    return;
  }
  if (counts_.empty()) {
    counts_.assign(kBucketCount, 0);
  }
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    counts_[i] += other.counts_[i];
  }
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
}

void Histogram::merge_encoded(std::string_view blob) {
  std::uint64_t added = 0;
  const Header h = walk(blob, [&](std::size_t, std::uint64_t n) { added += n; });
  if (added == 0) {
    return;
  }
  walk(blob, [this](std::size_t b, std::uint64_t n) { add_bucket(b, n); });
  min_ = count_ == 0 ? h.min : std::min(min_, h.min);
  max_ = count_ == 0 ? h.max : std::max(max_, h.max);
  count_ += added;
}

Histogram Histogram::decode(std::string_view blob) {
  Histogram h;
  h.merge_encoded(blob);
  return h;
}

std::string Histogram::encode() const {
  std::string out;
  out.push_back(static_cast<char>(kEncodingVersion));
  if (count_ == 0) {
    put_varint(out, 0);
    return out;
  }
  const auto used = static_cast<std::uint64_t>(
      std::count_if(counts_.begin(), counts_.end(), [](std::uint64_t c) { return c != 0; }));
  out.reserve(8 + used * 3);
  put_varint(out, used);
  put_varint(out, static_cast<std::uint64_t>(min_));
  put_varint(out, static_cast<std::uint64_t>(max_));
  std::size_t next = 0;  // the first index the next gap is relative to
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (counts_[i] != 0) {
      put_varint(out, i - next);
      put_varint(out, counts_[i]);
      next = i + 1;
    }
  }
  return out;
}

std::int64_t Histogram::percentile(double p) const noexcept {
  if (count_ == 0) {
    return 0;
  }
  p = std::clamp(std::isnan(p) ? 0.0 : p, 0.0, 100.0);
  // Multiply before dividing so whole percentiles of whole counts are exact (95 × 200 / 100),
  // and forgive rounding noise in fractional ones (99.9) before taking the ceiling.
  const double exact = p * static_cast<double>(count_) / 100.0;
  auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == 1) {
    return min_;
  }
  if (rank == count_) {
    return max_;
  }
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBucketCount; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      if (b == kOverflowBucket) {
        return max_;
      }
      const std::int64_t mid = bucket_lower(b) + (bucket_width(b) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

bool operator==(const Histogram& a, const Histogram& b) noexcept {
  if (a.count_ != b.count_ || a.min_ != b.min_ || a.max_ != b.max_) {
    return false;
  }
  return a.count_ == 0 || a.counts_ == b.counts_;
}

}  // namespace router::core
