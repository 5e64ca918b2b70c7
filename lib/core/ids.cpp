#include "core/ids.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "core/error.hpp"

namespace router::core {

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ErrorCode::kInternal, "getrandom failed");
    }
    done += static_cast<std::size_t>(n);
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return s;
}

std::string uuid_v4() {
  std::array<std::uint8_t, 16> b{};
  random_bytes(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

std::string random_hex(std::size_t n) {
  std::string bytes_hex;
  std::array<std::uint8_t, 32> b{};
  while (bytes_hex.size() < n) {
    random_bytes(b);
    bytes_hex += to_hex(b);
  }
  bytes_hex.resize(n);
  return bytes_hex;
}

namespace {
std::uint32_t random_tag() {
  std::array<std::uint8_t, 2> b{};
  random_bytes(b);
  return static_cast<std::uint32_t>(b[0] | (b[1] << 8));
}
}  // namespace

RequestIdGenerator::RequestIdGenerator() : RequestIdGenerator(random_tag()) {}

RequestIdGenerator::RequestIdGenerator(std::uint32_t tag) noexcept
    : tag_bits_(static_cast<std::int64_t>(tag & ((1U << kTagBits) - 1)) << kSeqBits) {}

std::int64_t RequestIdGenerator::next(std::int64_t now_ms) noexcept {
  static_assert(kTagBits + kSeqBits == kRequestIdTimeShift);
  constexpr std::int64_t kSeqMask = (std::int64_t{1} << kSeqBits) - 1;
  const std::int64_t first_now = (now_ms << kRequestIdTimeShift) | tag_bits_;
  std::int64_t last = last_.load(std::memory_order_relaxed);
  while (true) {
    std::int64_t id = first_now;
    if (id <= last) {
      // The clock has not moved past the last id (same millisecond, or it stepped back): the
      // next sequence number, or the next millisecond's first when the sequence is spent.
      id = (last & kSeqMask) < kSeqMask ? last + 1
                                        : ((request_id_time_ms(last) + 1) << kRequestIdTimeShift) | tag_bits_;
    }
    if (last_.compare_exchange_weak(last, id, std::memory_order_relaxed)) {
      return id;
    }
  }
}

std::string format_request_id(std::int64_t id) { return fmt::format("req_{:016x}", id); }

std::optional<std::int64_t> parse_request_id(std::string_view text) {
  if (text.starts_with("req_")) {
    text.remove_prefix(4);
  }
  if (text.size() != 16) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (const char c : text) {
    int d = 0;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  if (v > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace router::core
