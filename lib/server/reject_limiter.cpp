#include "server/reject_limiter.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <string>

namespace router::server {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t byte) noexcept { return (h ^ byte) * 0x100000001b3ULL; }

}  // namespace

std::uint64_t address_key(std::string_view address) noexcept {
  // "[v6]:port" or "v4:port": the host part only, so each new connection's port is not a new client.
  std::string_view host = address;
  if (host.starts_with("[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::uint64_t h = 0xcbf29ce484222325ULL;
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    for (const char c : host) {
      h = mix(h, static_cast<unsigned char>(c));
    }
  } else if (ip.is_v4() || (ip.is_v6() && ip.to_v6().is_v4_mapped())) {
    const auto v4 = ip.is_v4() ? ip.to_v4() : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
    for (const auto b : v4.to_bytes()) {
      h = mix(h, b);
    }
  } else {
    const auto bytes = ip.to_v6().to_bytes();
    h = mix(h, 6);
    for (std::size_t i = 0; i < 8; ++i) {
      h = mix(h, bytes[i]);
    }
  }
  return h == 0 ? 1 : h;
}

bool RejectLimiter::allow(std::string_view address, double per_second, std::int64_t now_ns) noexcept {
  const double burst = std::max(1.0, 2 * per_second);
  const auto key = address_key(address);
  Bucket* const set = &buckets_[(key % kSets) * kWays];
  Bucket* b = nullptr;
  Bucket* victim = set;  // a free bucket, else the least recently seen
  for (std::size_t i = 0; i < kWays && b == nullptr; ++i) {
    if (set[i].key == key) {
      b = &set[i];
    } else if (victim->key != 0 && (set[i].key == 0 || set[i].seen_ns < victim->seen_ns)) {
      victim = &set[i];
    }
  }
  if (b == nullptr) {
    b = victim;
    *b = Bucket{key, burst, now_ns};
  } else {
    const double elapsed_s = static_cast<double>(std::max<std::int64_t>(0, now_ns - b->seen_ns)) / 1e9;
    b->tokens = std::min(burst, b->tokens + elapsed_s * per_second);
    b->seen_ns = now_ns;
  }
  if (per_second > 0 && b->tokens >= 1) {
    b->tokens -= 1;
    return true;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace router::server
