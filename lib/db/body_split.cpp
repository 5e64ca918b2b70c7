#include "db/body_split.hpp"

#include <zstd.h>

#include <array>
#include <memory>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json_scan.hpp"

namespace router::db {

namespace {

using core::Error;
using core::ErrorCode;

// Top-level members whose array elements are items, and members whose whole value is one.
constexpr std::array<std::string_view, 4> kArrayMembers{"messages", "input", "tools", "functions"};
constexpr std::array<std::string_view, 2> kValueMembers{"system", "instructions"};

// Below this size a body is stored raw: zstd's frame overhead eats most of the gain, and building
// its entropy tables for each small body cost ~10% of the server's CPU at 64 connections of
// 281-byte requests (perf, scripts/bench). Agent traffic's large items still compress.
constexpr std::size_t kMinCompressBytes = 1024;
// Level 3 (zstd's default): on chat text about 3-4x at a few hundred MB/s; higher levels cost
// the writer far more CPU for a few percent.
constexpr int kZstdLevel = 3;
// No stored body is larger than server.max_body_bytes allows (1 GiB at most).
constexpr unsigned long long kMaxUnpackedBytes = 1ULL << 30;

enum Codec : char { kRaw = 0, kZstd = 1 };

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view key) {
  for (const auto name : names) {
    if (name == key) {
      return true;
    }
  }
  return false;
}

using Scanner = core::JsonScanner;

void add_item(SplitBody& out, const Scanner& sc, std::size_t from, std::size_t to) {
  if (to - from >= kMinItemBytes) {
    out.items.push_back({from, to - from, core::sha256(sc.slice(from, to))});
  }
}

// The elements of the array at the scanner (an opening bracket).
bool array_items(Scanner& sc, SplitBody& out) {
  sc.advance();
  sc.spaces();
  if (sc.at(']')) {
    sc.advance();
    return true;
  }
  while (true) {
    sc.spaces();
    const std::size_t from = sc.pos();
    if (!sc.value()) {
      return false;
    }
    add_item(out, sc, from, sc.pos());
    sc.spaces();
    if (sc.at(',')) {
      sc.advance();
      continue;
    }
    if (sc.at(']')) {
      sc.advance();
      return true;
    }
    return false;
  }
}

// Stops at the first structure it cannot follow: the items found so far are valid slices.
void scan(std::string_view text, SplitBody& out) {
  (void)core::for_each_member(text, [&](std::string_view key, Scanner& sc) {
    const std::size_t from = sc.pos();
    if (one_of(kArrayMembers, key) && sc.at('[')) {
      return array_items(sc, out);
    }
    if (!sc.value()) {
      return false;
    }
    if (one_of(kValueMembers, key)) {
      add_item(out, sc, from, sc.pos());
    }
    return true;
  });
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t get_varint(std::string_view in, std::size_t& i) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (i >= in.size()) {
      break;
    }
    const auto b = static_cast<unsigned char>(in[i++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return v;
    }
  }
  throw Error(ErrorCode::kInternal, "a stored body layout is damaged");
}

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

}  // namespace

SplitBody split_body(std::string body) {
  SplitBody out;
  out.text = std::move(body);
  scan(out.text, out);
  return out;
}

PreparedBodies prepare_bodies(std::optional<std::string> request, const std::optional<std::string>& response) {
  PreparedBodies out;
  if (request) {
    out.request = split_body(std::move(*request));
    out.envelope = pack(envelope_of(*out.request));
  }
  if (response) {
    out.response = pack(*response);
  }
  return out;
}

std::string envelope_of(const SplitBody& split) {
  std::string env;
  std::size_t items = 0;
  for (const auto& it : split.items) {
    items += it.size;
  }
  env.reserve(split.text.size() - items);
  std::size_t pos = 0;
  for (const auto& it : split.items) {
    env.append(split.text, pos, it.offset - pos);
    pos = it.offset + it.size;
  }
  env.append(split.text, pos);
  return env;
}

std::string encode_layout(const SplitBody& split, const std::vector<std::int64_t>& item_ids) {
  std::string out;
  out.reserve(split.items.size() * 4);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < split.items.size(); ++i) {
    put_varint(out, split.items[i].offset - pos);
    put_varint(out, static_cast<std::uint64_t>(item_ids.at(i)));
    pos = split.items[i].offset + split.items[i].size;
  }
  return out;
}

std::vector<LayoutEntry> decode_layout(std::string_view layout) {
  std::vector<LayoutEntry> out;
  std::size_t i = 0;
  while (i < layout.size()) {
    LayoutEntry e;
    e.gap = static_cast<std::size_t>(get_varint(layout, i));
    e.item_id = static_cast<std::int64_t>(get_varint(layout, i));
    out.push_back(e);
  }
  return out;
}

std::string join_body(std::string_view envelope, const std::vector<LayoutEntry>& layout,
                      const std::vector<std::string>& items) {
  if (items.size() != layout.size()) {
    throw Error(ErrorCode::kInternal, "a stored body misses some of its items");
  }
  std::size_t total = envelope.size();
  for (const auto& item : items) {
    total += item.size();
  }
  std::string out;
  out.reserve(total);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (layout[i].gap > envelope.size() - pos) {
      throw Error(ErrorCode::kInternal, "a stored body layout does not fit its envelope");
    }
    out.append(envelope.substr(pos, layout[i].gap));
    pos += layout[i].gap;
    out.append(items[i]);
  }
  out.append(envelope.substr(pos));
  return out;
}

std::string pack(std::string_view raw) {
  std::string out;
  if (raw.size() >= kMinCompressBytes) {
    // One context per thread: creating one allocates about a megabyte.
    thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> cctx = [] {
      std::unique_ptr<ZSTD_CCtx, CctxFree> c(ZSTD_createCCtx());
      if (c) {
        (void)ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, kZstdLevel);
        // A checksum per frame: a damaged blob fails to unpack instead of reading as other text.
        (void)ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
      }
      return c;
    }();
    out.resize(1 + ZSTD_compressBound(raw.size()));
    const std::size_t n =
        cctx ? ZSTD_compress2(cctx.get(), out.data() + 1, out.size() - 1, raw.data(), raw.size()) : 0;
    if (cctx && ZSTD_isError(n) == 0 && n < raw.size()) {
      out[0] = kZstd;
      out.resize(1 + n);
      return out;
    }
  }
  out.assign(1, kRaw);
  out.append(raw);
  return out;
}

std::string unpack(std::string_view blob) {
  if (blob.empty()) {
    throw Error(ErrorCode::kInternal, "a stored body blob is empty");
  }
  const std::string_view data = blob.substr(1);
  if (blob[0] == kRaw) {
    return std::string(data);
  }
  if (blob[0] != kZstd) {
    throw Error(ErrorCode::kInternal, fmt::format("a stored body blob has unknown codec {}", int{blob[0]}));
  }
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxUnpackedBytes) {
    throw Error(ErrorCode::kInternal, "a stored body blob is damaged");
  }
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  if (!dctx) {
    throw Error(ErrorCode::kUnavailable, "out of memory for decompression");
  }
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n = ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n) != 0 || n != out.size()) {
    throw Error(ErrorCode::kInternal, "a stored body blob is damaged");
  }
  return out;
}

}  // namespace router::db
