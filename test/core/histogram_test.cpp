#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/histogram.hpp"
#include "support/percentile.hpp"

using router::core::Error;
using router::core::Histogram;

using router::test::exact_percentile;
using router::test::kDocumentedPercentileBound;

namespace {

void check_within_bound(const Histogram& h, const std::vector<std::int64_t>& values) {
  REQUIRE(Histogram::kMaxRelativeError <= kDocumentedPercentileBound);
  for (const int p : {0, 1, 10, 25, 50, 75, 90, 95, 99, 100}) {
    const auto want = exact_percentile(values, p);
    const auto got = h.percentile(p);
    CAPTURE(p, want, got);
    CHECK(std::abs(static_cast<double>(got - want)) <=
          kDocumentedPercentileBound * static_cast<double>(want));
  }
}

}  // namespace

TEST_CASE("Histogram: every value lies in its bucket and buckets are at most 1/32 wide", "[core]") {
  std::size_t previous = 0;
  for (std::int64_t v = 0; v < (1 << 16); ++v) {
    const auto b = Histogram::bucket_of(v);
    REQUIRE(b >= previous);      // monotonic
    REQUIRE(b - previous <= 1);  // contiguous: no bucket is skipped
    previous = b;
    REQUIRE(Histogram::bucket_lower(b) <= v);
    REQUIRE(v < Histogram::bucket_lower(b) + Histogram::bucket_width(b));
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200'000; ++i) {
    const auto v = static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 32));
    const auto b = Histogram::bucket_of(v);
    REQUIRE(b < Histogram::kOverflowBucket);
    REQUIRE(Histogram::bucket_lower(b) <= v);
    REQUIRE(v < Histogram::bucket_lower(b) + Histogram::bucket_width(b));
  }
  for (std::size_t b = 32; b < Histogram::kOverflowBucket; ++b) {
    CAPTURE(b);
    REQUIRE(Histogram::bucket_width(b) * 32 <= Histogram::bucket_lower(b));
    REQUIRE(Histogram::bucket_of(Histogram::bucket_lower(b)) == b);
    REQUIRE(Histogram::bucket_of(Histogram::bucket_lower(b) + Histogram::bucket_width(b) - 1) == b);
  }
  CHECK(Histogram::bucket_of((std::int64_t{1} << 32) - 1) == Histogram::kOverflowBucket - 1);
  CHECK(Histogram::bucket_of(std::int64_t{1} << 32) == Histogram::kOverflowBucket);
  CHECK(Histogram::bucket_of(INT64_MAX) == Histogram::kOverflowBucket);
  CHECK(Histogram::bucket_of(-5) == 0);
}

TEST_CASE("Histogram: percentiles match exact nearest-rank percentiles within the bound",
          "[core]") {
  std::mt19937_64 rng(42);
  SECTION("log-normal latencies (ms to minutes)") {
    std::lognormal_distribution<double> dist(std::log(400'000.0), 1.2);
    std::vector<std::int64_t> values;
    Histogram h;
    for (int i = 0; i < 50'000; ++i) {
      const auto v = static_cast<std::int64_t>(dist(rng));
      values.push_back(v);
      h.record(v);
    }
    CHECK(h.count() == values.size());
    check_within_bound(h, values);
  }
  SECTION("uniform over the whole range up to an hour") {
    std::uniform_int_distribution<std::int64_t> dist(0, 3'600'000'000);
    std::vector<std::int64_t> values;
    Histogram h;
    for (int i = 0; i < 20'000; ++i) {
      values.push_back(dist(rng));
      h.record(values.back());
    }
    check_within_bound(h, values);
  }
  SECTION("a few small values: exact") {
    const std::vector<std::int64_t> values{3, 17, 17, 29, 31, 0, 5};
    Histogram h;
    for (const auto v : values) {
      h.record(v);
    }
    for (const int p : {0, 10, 50, 90, 100}) {
      CHECK(h.percentile(p) == exact_percentile(values, p));
    }
  }
  SECTION("bimodal: fast cache hits and slow generations") {
    std::normal_distribution<double> fast(2'000, 300);
    std::normal_distribution<double> slow(9'000'000, 2'000'000);
    std::vector<std::int64_t> values;
    Histogram h;
    for (int i = 0; i < 30'000; ++i) {
      const double x = (i % 10 == 0) ? slow(rng) : fast(rng);
      values.push_back(std::max<std::int64_t>(1, static_cast<std::int64_t>(x)));
      h.record(values.back());
    }
    check_within_bound(h, values);
  }
}

TEST_CASE("Histogram: extremes are exact and a single value is returned as is", "[core]") {
  Histogram h;
  CHECK(h.percentile(50) == 0);
  CHECK(h.empty());
  h.record(123'456'789);
  for (const double p : {0.0, 50.0, 99.9, 100.0}) {
    CHECK(h.percentile(p) == 123'456'789);
  }
  h.record(5);
  h.record(-7);  // counts as 0
  CHECK(h.min() == 0);
  CHECK(h.max() == 123'456'789);
  CHECK(h.percentile(0) == 0);
  CHECK(h.percentile(100) == 123'456'789);
  CHECK(h.percentile(-3) == 0);
  CHECK(h.percentile(250) == 123'456'789);
}

TEST_CASE("Histogram: values beyond 2^32 µs report the maximum", "[core]") {
  Histogram h;
  h.record(1'000, 98);
  h.record(5'000'000'000);
  h.record(7'000'000'000);
  CHECK(h.count() == 100);
  CHECK(h.percentile(99) == 7'000'000'000);
  CHECK(h.percentile(50) == 1'000);
}

TEST_CASE("Histogram: merge equals recording the union, encode/decode round-trips", "[core]") {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(std::log(50'000.0), 1.5);
  Histogram a;
  Histogram b;
  Histogram all;
  for (int i = 0; i < 10'000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  Histogram merged = a;
  merged.merge(b);
  CHECK(merged == all);
  CHECK_FALSE(merged == a);

  const std::string blob = all.encode();
  CHECK(blob.size() < 1'500);  // sparse: a few hundred buckets of varints
  CHECK(Histogram::decode(blob) == all);

  Histogram via_blobs;
  via_blobs.merge_encoded(a.encode());
  via_blobs.merge_encoded(b.encode());
  CHECK(via_blobs == all);

  Histogram empty;
  CHECK(empty.encode().size() == 2);
  CHECK(Histogram::decode(empty.encode()).empty());
  via_blobs.merge_encoded(empty.encode());
  CHECK(via_blobs == all);
  empty.merge(all);
  CHECK(empty == all);
}

TEST_CASE("Histogram: malformed blobs are rejected and leave the histogram unchanged", "[core]") {
  Histogram h;
  h.record(40);
  h.record(1'000'000);
  const std::string good = h.encode();
  Histogram target;
  target.record(7);
  const Histogram before = target;

  std::vector<std::string> bad = {
      "",                               // no version
      std::string("\x02\x00", 2),       // unknown version
      good.substr(0, good.size() - 1),  // truncated
      good + std::string("\x00", 1),    // trailing byte
  };
  {
    std::string zero_count = good;
    zero_count.back() = '\0';  // the last bucket's count
    bad.push_back(zero_count);
  }
  {
    std::string wrong_min = good;
    REQUIRE(wrong_min[2] == 40);  // version, bucket count, then min
    wrong_min[2] = 41;            // a minimum outside the first bucket
    bad.push_back(wrong_min);
  }
  {
    std::string out_of_range("\x01\x01\x00\x00", 4);
    out_of_range += std::string("\xff\x0f\x01", 3);  // index 2047
    bad.push_back(out_of_range);
  }
  for (const auto& blob : bad) {
    CAPTURE(blob.size());
    CHECK_THROWS_AS(target.merge_encoded(blob), Error);
    CHECK(target == before);
  }
}
