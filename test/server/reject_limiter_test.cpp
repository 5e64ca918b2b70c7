#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "server/reject_limiter.hpp"

using router::server::address_key;
using router::server::RejectLimiter;

namespace {
constexpr std::int64_t kSecond = 1'000'000'000;

int allowed(RejectLimiter& l, std::string_view address, double rate, std::int64_t now, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) {
    n += l.allow(address, rate, now) ? 1 : 0;
  }
  return n;
}
}  // namespace

TEST_CASE("RejectLimiter: bursts of twice the rate per address, refilled over time, drops counted", "[server]") {
  RejectLimiter l;
  CHECK(allowed(l, "10.0.0.1:4000", 5, kSecond, 30) == 10);
  CHECK(l.dropped() == 20);
  // Another connection of the same host shares the bucket; another host has its own.
  CHECK_FALSE(l.allow("10.0.0.1:4001", 5, kSecond));
  CHECK(allowed(l, "10.0.0.2:4000", 5, kSecond, 30) == 10);
  // One second later, five more.
  CHECK(allowed(l, "10.0.0.1:4000", 5, 2 * kSecond, 30) == 5);
  // A rate of 0 logs nothing.
  CHECK(allowed(l, "10.0.0.3:1", 0, kSecond, 3) == 0);
}

TEST_CASE("RejectLimiter: IPv6 counts per /64, IPv4-mapped as IPv4", "[server]") {
  CHECK(address_key("[2001:db8:1:2::1]:80") == address_key("[2001:db8:1:2:ffff::9]:81"));
  CHECK(address_key("[2001:db8:1:2::1]:80") != address_key("[2001:db8:1:3::1]:80"));
  CHECK(address_key("[::ffff:10.0.0.1]:80") == address_key("10.0.0.1:90"));
  CHECK(address_key("10.0.0.1:80") != address_key("10.0.0.2:80"));
  CHECK(address_key("") != 0);
}

TEST_CASE("RejectLimiter: memory is fixed whatever addresses arrive", "[server]") {
  RejectLimiter l;
  static_assert(sizeof(RejectLimiter) <= 32 * 1024);
  CHECK(allowed(l, "192.0.2.1:1", 1, kSecond, 5) == 2);
  // 100,000 other addresses pass through the fixed table...
  for (int i = 0; i < 100'000; ++i) {
    (void)l.allow(fmt::format("10.{}.{}.{}:1", (i >> 16) & 255, (i >> 8) & 255, i & 255), 1, kSecond + i);
  }
  // ...so a long-idle address was evicted and starts afresh (the price of the fixed size)...
  CHECK(allowed(l, "192.0.2.1:1", 1, kSecond + 200'000, 5) == 2);
  // ...while an address that stays busy keeps its bucket.
  RejectLimiter busy;
  CHECK(allowed(busy, "192.0.2.1:1", 1, kSecond, 5) == 2);
  for (int i = 0; i < 1000; ++i) {
    (void)busy.allow(fmt::format("10.0.{}.{}:1", (i >> 8) & 255, i & 255), 1, kSecond + i);
    if (i % 100 == 0) {
      CHECK_FALSE(busy.allow("192.0.2.1:1", 1, kSecond + i));
    }
  }
}
